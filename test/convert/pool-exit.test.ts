/**
 * A run queued behind a worker that was killed (here for memory) waits for the worker that replaces
 * it, in a process where nothing else keeps Node's event loop alive: the killed worker holds it
 * until its exit is seen. Through dist/, in a process of its own (vitest's own handles would keep
 * a test's process alive whatever the pool does).
 */
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'

const DIST = fileURLToPath(new URL('../../dist/', import.meta.url))

const CHILD = `
const { ConverterPool } = await import(process.argv[1] + 'convert/index.js')
const pool = new ConverterPool({ size: 1 })
const limits = { memoryMb: 16, timeoutMs: 5000 }
const bomb = 'function convert() { var a = []; for (;;) a.push(("y".repeat(1000) + a.length).split("").join("")) }'
await pool.run({ source: 'function convert() { return [] }', pages: ['{}'], metadata: {}, limits })
const first = pool.run({ source: bomb, pages: ['{}'], metadata: {}, limits }).then(() => 'converted', (e) => e.kind)
const second = pool.run({ source: 'function convert() { return [{ ok: 1 }] }', pages: ['{}'], metadata: {}, limits })
console.log(JSON.stringify({ first: await first, second: (await second).rowsJson }))
await pool.close()
`

describe('a pool whose worker was killed', () => {
  it('runs the next queued run on its replacement before the process may end', async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--input-type=module', '-e', CHILD, DIST],
      {
        cwd: DIST,
        timeout: 60_000,
      },
    )
    expect(JSON.parse(stdout.trim().split('\n').pop() ?? '{}')).toEqual({
      first: 'memory',
      second: '[{"ok":1}]',
    })
  }, 60_000)
})
