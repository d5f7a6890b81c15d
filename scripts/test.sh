#!/usr/bin/env bash
# Sets up what is missing (everything the tests need: scripts/setup.sh test), then builds and runs every test,
# and checks the systemd unit offline.
# Journal tests start systemd-journald themselves when it is not running (as root).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh test
# The house style (.swift-format, swift-nio's settings): `swift format format --recursive -i Sources Tests Package.swift` fixes it.
swift format lint --strict --recursive Sources Tests Package.swift
swift build --build-tests
swift test --skip-build
scripts/verify-units.sh
