#!/usr/bin/env bash
# Installs validated system-wide (as root): release binaries, the reference ONNX and Hugging Face scorers
# (PREFIX/lib/validated), the systemd unit, sysusers and tmpfiles snippets, the journal catalog, and the shipped
# configuration (never overwriting an existing one).
#   scripts/install.sh [PREFIX]      PREFIX defaults to /usr/local (binaries in PREFIX/bin)
# Then: describe a folder in /etc/validated/folders.d/NAME.conf and run systemctl enable --now validated.
set -euo pipefail
cd "$(dirname "$0")/.."
prefix=${1:-/usr/local}
scripts/setup.sh
swift build -c release
bin="$(swift build -c release --show-bin-path)"
install -D -m 755 "$bin/validated" "$prefix/bin/validated"
install -D -m 755 "$bin/validatectl" "$prefix/bin/validatectl"
sed "s|/usr/local/bin/validated|$prefix/bin/validated|" systemd/validated.service > /etc/systemd/system/validated.service
install -D -m 644 systemd/validated.sysusers /usr/lib/sysusers.d/validated.conf
install -D -m 644 systemd/validated.tmpfiles /usr/lib/tmpfiles.d/validated.conf
install -D -m 644 systemd/validated.catalog /usr/lib/systemd/catalog/validated.catalog
install -d -m 755 /etc/validated/folders.d /usr/share/doc/validated
[ -e /etc/validated/validated.conf ] || install -m 644 etc/validated/validated.conf /etc/validated/validated.conf
sed "s|/usr/local/lib/validated|$prefix/lib/validated|" etc/validated/folders.d/example.conf.sample \
    > /etc/validated/folders.d/example.conf.sample
install -m 644 etc/validated/banned-tokens.example /etc/validated/banned-tokens.example
install -D -m 755 scripts/onnx_scorer.py "$prefix/lib/validated/onnx_scorer.py"
install -D -m 755 scripts/hf_scorer.py "$prefix/lib/validated/hf_scorer.py"
install -m 644 README.md docs/model-format.md docs/scorer-protocol.md /usr/share/doc/validated/
systemd-sysusers /usr/lib/sysusers.d/validated.conf || true
systemd-tmpfiles --create /usr/lib/tmpfiles.d/validated.conf || true
journalctl --update-catalog || true
systemctl daemon-reload 2>/dev/null || echo "install: systemd is not running here; run systemctl daemon-reload on the target"
echo "install: done. Describe a folder in /etc/validated/folders.d/, then: systemctl enable --now validated"
