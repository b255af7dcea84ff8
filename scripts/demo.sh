#!/usr/bin/env bash
# Quick start, command 1: installs what is missing, then runs Quarry's main job on
# its embedded default. For now that is the Atlassian Cloud simulator with demo
# data; it prints what to try. Extra arguments go to `quarry sim`.
set -euo pipefail
source "$(dirname "$0")/bootstrap.sh"
exec node "$quarry_root/bin/quarry.js" sim "$@"
