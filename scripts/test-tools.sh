#!/usr/bin/env bash
# Sourced by scripts/test.sh: the programs tests run besides Node and Chromium. The deployment tests
# (test/deploy/) run docs/reverse-proxy.md with Debian's nginx, make their certificate with openssl
# and check the systemd unit with systemd-analyze; the CLI's tests check its zsh completion with zsh
# and its hidden prompts on a terminal with script (util-linux); the guide's shell blocks (docs/guide/,
# test/docs/) call curl and sqlite3. Installs whichever is missing.
source "$(dirname "${BASH_SOURCE[0]}")/apt-package.sh"
quarry_apt_package /usr/sbin/nginx nginx 'the reverse-proxy test' || return 1
quarry_apt_package /usr/bin/openssl openssl 'the reverse-proxy test' || return 1
quarry_apt_package /usr/bin/systemd-analyze systemd 'the systemd unit test' || return 1
quarry_apt_package /usr/bin/zsh zsh 'the zsh completion test' || return 1
quarry_apt_package /usr/bin/script bsdutils 'the hidden-prompt tests' || return 1
quarry_apt_package /usr/bin/curl curl "the guide's shell blocks" || return 1
quarry_apt_package /usr/bin/sqlite3 sqlite3 "the guide's shell blocks" || return 1
# The store outage test (test/store/store-outage.test.ts) stops and starts a PostgreSQL cluster of its
# own, made with initdb and run with pg_ctl from Debian's packages (/usr/lib/postgresql/N/bin).
quarry_initdb=$(ls -d /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -n 1)
quarry_apt_package "${quarry_initdb:-/usr/lib/postgresql/none/bin/initdb}" postgresql 'the store outage test' || return 1
