import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { ConverterPool } from '../../src/convert/index.js'
import { failureOf, input, rowsOf } from './fixtures.js'

const pool = new ConverterPool({ size: 1 })
afterAll(() => pool.close())

const HEALTHY = 'function convert() { return [{ ok: true }] }'

describe('a converter that breaks its limits fails its own run only', () => {
  it('stops an endless loop at the time limit, pointing at the loop, and the next run works', async () => {
    const error = await failureOf(pool, input('function convert() {\n  for (;;) {}\n}'))
    expect(error.kind).toBe('timeout')
    expect(error.message).toBe(
      'Converter exceeded its CPU time limit of 200 ms (stopped at line 2, column 3)',
    )
    expect(await rowsOf(pool, HEALTHY)).toEqual([{ ok: true }])
  })

  it("stops an endless loop in the converter's top-level code too", async () => {
    const error = await failureOf(pool, input('while (true) {}\nfunction convert() { return [] }'))
    expect(error.message).toBe(
      'Converter exceeded its CPU time limit of 200 ms (stopped at line 1, column 1)',
    )
  })

  it('stops an allocation bomb at the memory limit, and the next run works', async () => {
    const bomb = 'function convert() {\n  const hoard = []\n  for (;;) hoard.push({ a: [1, 2, 3] })\n}'
    const error = await failureOf(pool, input(bomb, ['{}'], { limits: { memoryMb: 16, timeoutMs: 10_000 } }))
    expect(error.kind).toBe('memory')
    // isolated-vm usually stops the isolate; if V8 dies first, the worker's death says the same.
    expect(error.message).toMatch(/^Converter exceeded its memory limit of 16 MB/)
    expect(await rowsOf(pool, HEALTHY)).toEqual([{ ok: true }])
  })

  it('fails the run of a worker killed with SIGKILL, and a fresh worker serves the next run', async () => {
    const running = pool.run(
      input('function convert() { for (;;) {} }', ['{}'], { limits: { timeoutMs: 20_000 } }),
    )
    // A sleep on purpose: the endless converter gets time to be running; the pool has no event for it.
    await new Promise((resolve) => setTimeout(resolve, 300))
    for (const pid of pool.pids) process.kill(pid, 'SIGKILL')
    const error = await running.then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(error).toMatchObject({ kind: 'crashed' })
    expect((error as Error).message).toMatch(/^Converter crashed: its worker process was killed by SIGKILL/)
    // The replacement is already starting, so the next run does not wait for a cold worker.
    expect(pool.pids).toHaveLength(1)
    expect(await rowsOf(pool, HEALTHY)).toEqual([{ ok: true }])
  })

  it('queues runs when every worker is busy', async () => {
    const runs = [1, 2, 3].map((n) => rowsOf(pool, `function convert() { return [{ n: ${n} }] }`))
    expect(await Promise.all(runs)).toEqual([[{ n: 1 }], [{ n: 2 }], [{ n: 3 }]])
  })
})

/**
 * Runs `script` in a fresh Node process that imports src/convert/index.ts. A
 * resolve hook maps the sources' `.js` specifiers to their `.ts` files.
 */
function runNode(script: string): { status: number | null; stdout: string; stderr: string; ms: number } {
  const hook = `import { registerHooks } from 'node:module'
registerHooks({ resolve(specifier, context, next) {
  try { return next(specifier, context) } catch (error) {
    if (specifier.startsWith('.') && specifier.endsWith('.js')) return next(specifier.slice(0, -3) + '.ts', context)
    throw error
  }
} })`
  const index = new URL('../../src/convert/index.ts', import.meta.url).href
  const started = Date.now()
  const result = spawnSync(
    process.execPath,
    [
      '--import',
      `data:text/javascript,${encodeURIComponent(hook)}`,
      '--input-type=module',
      '-e',
      script.replace('INDEX', index),
    ],
    { encoding: 'utf8', timeout: 15_000, cwd: fileURLToPath(new URL('../..', import.meta.url)) },
  )
  return { status: result.status, stdout: result.stdout, stderr: result.stderr, ms: Date.now() - started }
}

describe('the pool and the process that owns it', () => {
  it('lets the process exit after close()', () => {
    const result = runNode(`import { ConverterPool } from 'INDEX'
const pool = new ConverterPool()
const { rowCount } = await pool.run({ source: 'function convert() { return [{ a: 1 }] }', pages: ['{}'], metadata: {} })
await pool.close()
console.log('rows', rowCount)`)
    expect(result.stderr).toBe('')
    expect(result.stdout).toBe('rows 1\n')
    expect(result.status).toBe(0)
  })

  it('does not keep the process alive while its workers are idle', () => {
    const result = runNode(`import { ConverterPool } from 'INDEX'
const pool = new ConverterPool()
await pool.run({ source: 'function convert() { return [] }', pages: ['{}'], metadata: {} })
console.log('done')`)
    expect(result.stdout).toBe('done\n')
    expect(result.status).toBe(0)
    expect(result.ms).toBeLessThan(10_000)
  })
})
