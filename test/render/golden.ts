import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { expect } from 'vitest'

const GOLDEN_DIR = new URL('./golden/', import.meta.url)

/**
 * Compares `actual` byte for byte with test/render/golden/<name>; with UPDATE_GOLDEN=1 in the
 * environment, writes it there instead (then review the diff before committing).
 *
 * @example
 * expectGolden('simple.csv', render('csv', rows))
 */
export function expectGolden(name: string, actual: string): void {
  const file = new URL(name, GOLDEN_DIR)
  const bytes = Buffer.from(actual, 'utf8')
  if (process.env.UPDATE_GOLDEN === '1') {
    mkdirSync(GOLDEN_DIR, { recursive: true })
    writeFileSync(file, bytes)
    return
  }
  let expected: Buffer
  try {
    expected = readFileSync(file)
  } catch {
    throw new Error(
      `golden file test/render/golden/${name} is missing; run with UPDATE_GOLDEN=1 to create it`,
    )
  }
  if (bytes.equals(expected)) return
  // Show a readable diff; if the texts look equal, the difference is in bytes (e.g. a lone surrogate).
  expect(actual, `output differs from test/render/golden/${name} (UPDATE_GOLDEN=1 rewrites it)`).toBe(
    expected.toString('utf8'),
  )
  expect.fail(`output differs from test/render/golden/${name} in bytes only`)
}
