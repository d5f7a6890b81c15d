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
# The store-sharing suites start PostgreSQL servers and three daemons at once: they run alone, after the rest, so
# their load does not push the timed tests of other suites past their limits (seen when they ran together).
shared='SharedStoreEndToEndTests|PostgresVerdictStoreTests|PostgresServerTests|RescanEndToEndTests'
swift test --skip-build --skip "$shared"
swift test --skip-build --filter "$shared"
scripts/verify-units.sh
