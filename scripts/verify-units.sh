#!/usr/bin/env bash
# Checks the systemd unit, alone and with its shared-store drop-in, offline: systemd-analyze verify (with ExecStart pointed at a stand-in binary, since
# verify requires the executable to exist) and the security exposure score (fails above 2.5).
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
sed "s|/usr/local/bin/validated|/bin/true|" systemd/validated.service > "$work/validated.service"
systemd-analyze verify "$work/validated.service"
systemd-analyze security --offline=true --threshold=25 "$work/validated.service" | tail -n 3
# The same unit with the shared-store drop-in (network to one PostgreSQL server, a credential).
mkdir -p "$work/shared/validated.service.d"
cp "$work/validated.service" "$work/shared/validated.service"
cp systemd/shared-store.conf "$work/shared/validated.service.d/"
systemd-analyze verify "$work/shared/validated.service"
systemd-analyze security --offline=true --threshold=25 "$work/shared/validated.service" | tail -n 3
