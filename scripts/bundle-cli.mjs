// Bundles the compiled CLI (dist/cli/main.js) with its small pure-JavaScript dependencies into
// dist/bundle/, which bin/quarry.js loads when it is as new as dist/. Node resolves and loads each
// ES module file on its own: a cached `quarry run` loaded 573 files (kysely alone 257, zod 95), and
// loading them was most of its time (bench/RESULTS.md, "CLI start"). Every other package stays a
// normal import: the server's (fastify, undici, pg …) load only for the commands that use them, and
// isolated-vm is a native addon. Commands are still imported lazily, so the bundle is split into
// chunks at those dynamic imports.
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
