#!/usr/bin/env bash
# Checks the systemd unit offline: systemd-analyze verify (with ExecStart pointed at a stand-in binary, since
# verify requires the executable to exist) and the security exposure score (fails above 2.5).
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
sed "s|/usr/local/bin/validated|/bin/true|" systemd/validated.service > "$work/validated.service"
systemd-analyze verify "$work/validated.service"
systemd-analyze security --offline=true --threshold=25 "$work/validated.service" | tail -n 3
