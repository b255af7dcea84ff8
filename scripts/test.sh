#!/usr/bin/env bash
# Quick start, command 2: installs what is missing, then runs every check:
# typecheck, lint, format and the test suite. Extra arguments go to vitest.
set -euo pipefail
source "$(dirname "$0")/bootstrap.sh"
cd "$quarry_root"
npm run --silent typecheck
npm run --silent lint
npm run --silent format:check
exec node scripts/run-tests.mjs "$@"
