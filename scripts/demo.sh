#!/usr/bin/env bash
# Quick start, command 1: installs what is missing, then runs Quarry's main job on
# its embedded default (SQLite): `quarry serve` with a demo workspace — the Atlassian
# Cloud simulator, a Jira Cloud datasource connected to it, a Jira query ready —
# and prints the URLs to open. Extra arguments go to `quarry demo`.
set -euo pipefail
source "$(dirname "$0")/bootstrap.sh"
exec node "$quarry_root/bin/quarry.js" demo "$@"
