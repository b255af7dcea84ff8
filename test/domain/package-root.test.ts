import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { packageRoot } from '../../src/domain/package-root.js'

describe('packageRoot', () => {
  it("finds Quarry's own package.json from the sources", () => {
    const manifest = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { name: string }
    expect(manifest.name).toBe('quarry')
  })
})
