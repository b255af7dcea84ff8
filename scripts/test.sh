#!/usr/bin/env bash
# Quick start, command 2: installs what is missing, then runs every check:
# typecheck, lint, format and the test suite (Chromium included, for the browser
# tests; nginx, openssl and systemd-analyze for the deployment tests). Extra
# arguments go to vitest.
set -euo pipefail
source "$(dirname "$0")/bootstrap.sh"
source "$(dirname "$0")/chromium.sh"
source "$(dirname "$0")/deploy-tools.sh"
cd "$quarry_root"
npm run --silent typecheck
npm run --silent lint
npm run --silent format:check
exec node scripts/run-tests.mjs "$@"
