import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

let found: string | undefined

/**
 * Quarry's own folder, the one holding its package.json, found by walking up from this module.
 * The same code runs from three depths — sources (src/, in tests), compiled modules (dist/AREA/)
 * and the CLI bundle (dist/bundle/, bench/RESULTS.md "CLI start") — so a path written relative to
 * `import.meta.url` would hold in one layout only; paths from this root hold in all three.
 *
 * @example join(packageRoot(), 'package.json') // '/opt/quarry/package.json'
 */
export function packageRoot(): string {
  if (found !== undefined) return found
  let dir = dirname(fileURLToPath(import.meta.url))
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir)
    if (parent === dir)
      throw new Error(`Quarry's package.json is in no folder above ${fileURLToPath(import.meta.url)}`)
    dir = parent
  }
  found = dir
  return dir
}
