#!/usr/bin/env bash
# Sourced by scripts/chromium.sh and scripts/test-tools.sh: quarry_apt_package PROGRAM PACKAGE WHAT
# installs Debian's PACKAGE with apt-get when PROGRAM (a path) is missing, as root or through a
# password-less sudo; otherwise it says what to run and fails, so the tests that need PROGRAM are
# never skipped in silence.
quarry_apt_package() {
  local program=$1 package=$2 what=$3 sudo=
  [ -x "$program" ] && return 0
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "quarry: $what need $program (Debian's $package); install it with your package manager" >&2
    return 1
  fi
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
      sudo=sudo
    else
      echo "quarry: $what need $program; run: sudo apt-get update && sudo apt-get install -y $package" >&2
      return 1
    fi
  fi
  echo "quarry: installing $package for $what (apt-get install $package) …" >&2
  $sudo apt-get update -qq >/dev/null &&
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$package" >/dev/null ||
    { echo "quarry: installing $package failed (see apt-get's message above)" >&2; return 1; }
}
