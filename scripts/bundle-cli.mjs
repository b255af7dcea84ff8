// Bundles the compiled CLI (dist/cli/main.js) and its dependencies into dist/bundle/, which
// bin/quarry.js loads when it is as new as dist/. Node resolves, reads and compiles each module file
// on its own: a cached `quarry run` loaded 573 files (kysely alone 257, zod 95) and `quarry serve`
// some 1,400 (fastify's CommonJS tree), and loading them was most of their start (bench/RESULTS.md,
// "CLI: cached run" and "Server start"). Commands are still imported lazily, so the bundle is split
// into chunks at those dynamic imports and `--help` loads none of the server.
// Left as normal imports (EXTERNAL): isolated-vm, a native addon; velocityjs, whose files the
// converter sandbox reads from node_modules; and what loads only for some runs (charts, SQL
// drivers, mail, XML), whose size would only slow the build.
//   node scripts/bundle-cli.mjs       (run by `npm run build`)
import { rmSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { build } from 'rolldown'

const root = fileURLToPath(new URL('..', import.meta.url))
const EXTERNAL = new Set([
  'isolated-vm',
  'vega',
  'vega-lite',
  'vega-interpreter',
  'vega-embed',
  'pg',
  'mysql2',
  'nodemailer',
  'velocityjs',
  'fast-xml-parser',
])

/** A bare import's package name: `zod/v4/core` → `zod`, `@scope/pkg/x` → `@scope/pkg`. */
function packageOf(specifier) {
  const parts = specifier.split('/')
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]
}

rmSync(`${root}dist/bundle`, { recursive: true, force: true })
await build({
  input: `${root}dist/cli/main.js`,
  platform: 'node',
  logLevel: 'warn',
  external: (id) => {
    if (id.startsWith('node:') || id.startsWith('.') || id.startsWith('/')) return id.startsWith('node:')
    return EXTERNAL.has(packageOf(id))
  },
  output: { dir: `${root}dist/bundle`, format: 'esm', entryFileNames: 'main.js' },
})
