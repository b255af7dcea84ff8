#!/usr/bin/env bash
# Quick start, command 2: installs what is missing, then runs every check:
# typecheck, lint, format and the test suite (Chromium included, for the browser
# tests; nginx, openssl, systemd-analyze, zsh and script: scripts/test-tools.sh). Extra
# arguments go to vitest.
set -euo pipefail
source "$(dirname "$0")/bootstrap.sh"
source "$(dirname "$0")/chromium.sh"
source "$(dirname "$0")/test-tools.sh"
cd "$quarry_root"
npm run --silent typecheck
npm run --silent lint
npm run --silent format:check
exec node scripts/run-tests.mjs "$@"
