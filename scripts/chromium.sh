#!/usr/bin/env bash
# Sourced by scripts/test.sh: the browser tests drive Debian's Chromium (playwright-core cannot
# download its own browser here). Installs it with apt-get when it is missing.
source "$(dirname "${BASH_SOURCE[0]}")/apt-package.sh"
quarry_chromium=/usr/bin/chromium
quarry_apt_package "$quarry_chromium" chromium 'the browser tests' || return 1
