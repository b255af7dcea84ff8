import { describe, expect, it } from 'vitest'
import { ConverterPool } from '../../src/convert/index.js'
import { input, rowsOf } from './fixtures.js'

/** Polls until `check` holds (a worker's start is asynchronous), failing after a few seconds. */
async function until(check: () => boolean): Promise<void> {
  for (let waited = 0; !check(); waited += 20) {
    if (waited > 10_000) throw new Error('timed out waiting')
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

describe('warming the pool before a run', () => {
  it('starts one worker, which the next run then uses', async () => {
    const pool = new ConverterPool({ size: 2 })
    try {
      expect(pool.pids).toEqual([])
      pool.warm()
      pool.warm()
      await until(() => pool.pids.length === 1)
      const [warmed] = pool.pids
      expect(await rowsOf(pool, 'function convert() { return [{ pid: typeof process }] }')).toEqual([
        { pid: 'undefined' },
      ])
      expect(pool.pids).toEqual([warmed])
    } finally {
      await pool.close()
    }
  })

  it('starts nothing on a closed pool', async () => {
    const pool = new ConverterPool()
    await pool.close()
    pool.warm()
    await new Promise((resolve) => setTimeout(resolve, 200))
    expect(pool.pids).toEqual([])
    await expect(pool.run(input('function convert() { return [] }'))).rejects.toThrow(/closed/)
  })
})
