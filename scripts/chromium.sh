#!/usr/bin/env bash
# Sourced by scripts/test.sh: the browser tests drive Debian's Chromium (playwright-core cannot
# download its own browser here). Installs it with apt-get when it is missing.
quarry_chromium=/usr/bin/chromium
if [ ! -x "$quarry_chromium" ]; then
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "quarry: the browser tests need Chromium at $quarry_chromium; install it with your package manager" >&2
    return 1
  fi
  quarry_sudo=
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
      quarry_sudo=sudo
    else
      echo "quarry: the browser tests need Chromium; run: sudo apt-get update && sudo apt-get install -y chromium" >&2
      return 1
    fi
  fi
  echo "quarry: installing Chromium for the browser tests (apt-get install chromium) …" >&2
  $quarry_sudo apt-get update -qq >/dev/null &&
    DEBIAN_FRONTEND=noninteractive $quarry_sudo apt-get install -y -qq chromium >/dev/null ||
    { echo "quarry: installing Chromium failed (see apt-get's message above)" >&2; return 1; }
fi
