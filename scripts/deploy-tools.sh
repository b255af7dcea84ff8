#!/usr/bin/env bash
# Sourced by scripts/test.sh: the deployment tests (test/deploy/) run docs/reverse-proxy.md with
# Debian's nginx, make their certificate with openssl and check the systemd unit with
# systemd-analyze. Installs whichever is missing with apt-get.
source "$(dirname "${BASH_SOURCE[0]}")/apt-package.sh"
quarry_apt_package /usr/sbin/nginx nginx 'the reverse-proxy test' || return 1
quarry_apt_package /usr/bin/openssl openssl 'the reverse-proxy test' || return 1
quarry_apt_package /usr/bin/systemd-analyze systemd 'the systemd unit test' || return 1
