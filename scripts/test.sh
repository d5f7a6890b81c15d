#!/usr/bin/env bash
# Sets up what is missing, then builds and runs every test, and checks the systemd unit offline.
# Journal tests start systemd-journald themselves when it is not running (as root).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
swift build --build-tests
swift test --skip-build
scripts/verify-units.sh
