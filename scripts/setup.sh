#!/usr/bin/env bash
# Installs what building and testing validated needs, skipping what is already there:
# libsystemd-dev, pkg-config and chromium (Debian), and scikit-learn, safetensors and joblib (PyPI) for the exporter
# and the tests that train reference models.
set -euo pipefail

need_apt=()
dpkg -s libsystemd-dev >/dev/null 2>&1 || need_apt+=(libsystemd-dev)
command -v pkg-config >/dev/null 2>&1 || need_apt+=(pkg-config)
command -v journalctl >/dev/null 2>&1 || need_apt+=(systemd)
# The report test renders validatectl's HTML report in a real headless browser.
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
if [ ${#need_apt[@]} -gt 0 ]; then
    echo "setup: installing ${need_apt[*]}"
    sudo_cmd=()
    [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
    "${sudo_cmd[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

if ! python3 -c 'import sklearn, safetensors, joblib, numpy' 2>/dev/null; then
    echo "setup: installing scikit-learn safetensors joblib numpy"
    python3 -m pip install -q scikit-learn safetensors joblib numpy
fi
