// The packages the CLI bundle leaves as normal imports (scripts/bundle-cli.mjs; the startup-snapshot
// spike in bench/cli-snapshot bundles with the same list): isolated-vm, a native addon; velocityjs,
// whose files the converter sandbox reads from node_modules; and what loads only for some runs
// (charts, SQL drivers, mail, XML), whose size would only slow the build.
export const EXTERNAL = new Set([
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
export function packageOf(specifier) {
  const parts = specifier.split('/')
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]
}

/** Whether the bundle leaves `id` as an import: a built-in, or a bare import of an EXTERNAL package. */
export function isExternal(id) {
  if (id.startsWith('node:')) return true
  if (id.startsWith('.') || id.startsWith('/')) return false
  return EXTERNAL.has(packageOf(id))
}
