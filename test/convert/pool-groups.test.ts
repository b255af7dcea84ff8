import { afterAll, describe, expect, it } from 'vitest'
import { ConverterPool, type RunGroup } from '../../src/convert/index.js'
import { failureOf, input, rowsOf } from './fixtures.js'

// Two workers, as by default: a group's next run must find the worker that kept its context.
const pool = new ConverterPool({ size: 2 })
afterAll(() => pool.close())

/** Counts its calls in a global: 1 in a fresh context, more in a kept one. */
const COUNTER = 'var calls = 0\nfunction convert() { calls += 1; return [{ calls: calls }] }'

/** COUNTER that loops for ever on the page `loop`. */
const LOOPING =
  'var calls = 0\nfunction convert(json) { calls += 1; while (json === "loop") {} return [{ calls: calls }] }'

/** One run of COUNTER (or `source`) in `group`: the count it saw. */
async function callsIn(group: RunGroup | undefined, source = COUNTER): Promise<unknown> {
  const result = await pool.run(input(source), group === undefined ? {} : { group })
  return (JSON.parse(result.rowsJson) as { calls: unknown }[])[0]?.calls
}

describe('runs of one group', () => {
  it("take the context their group's last run left, on whichever worker kept it", async () => {
    const group = pool.group()
    // Another run in between keeps the other worker busy or idle, whichever: affinity decides.
    expect(await callsIn(group)).toBe(1)
    expect(await callsIn(undefined)).toBe(1)
    expect(await callsIn(group)).toBe(2)
    expect(await callsIn(group)).toBe(3)
    group.close()
  })

  it("never give a group's context to a run of another group, or of none", async () => {
    const a = pool.group()
    const b = pool.group()
    expect(await callsIn(a)).toBe(1)
    expect(await callsIn(b)).toBe(1)
    expect(await callsIn(undefined)).toBe(1)
    expect(await rowsOf(pool, COUNTER)).toEqual([{ calls: 1 }])
    expect(await callsIn(a)).toBe(2)
    a.close()
    b.close()
  })

  it('start fresh once their group is closed', async () => {
    const group = pool.group()
    expect(await callsIn(group)).toBe(1)
    group.close()
    group.close()
    expect(await callsIn(group)).toBe(1)
    expect(await callsIn(group)).toBe(1)
  })

  it('start fresh for another converter, which never sees the first one’s globals', async () => {
    const group = pool.group()
    expect(await callsIn(group)).toBe(1)
    const other = 'function convert() { return [{ calls: typeof calls }] }'
    expect(await callsIn(group, other)).toBe('undefined')
    expect(await callsIn(group)).toBe(1)
    group.close()
  })

  it('start fresh after a run of the group failed', async () => {
    const group = pool.group()
    const failing =
      'var calls = 0\nfunction convert(json) { calls += 1; if (json === "bad") throw new Error("bad page"); return [{ calls: calls }] }'
    expect(await callsIn(group, failing)).toBe(1)
    const error = await pool.run(input(failing, ['bad']), { group }).catch((e: unknown) => e)
    expect((error as Error).message).toContain('bad page')
    expect(await callsIn(group, failing)).toBe(1)
    group.close()
  })

  it('start fresh after a run of the group ran out of time', async () => {
    const group = pool.group()
    expect(await callsIn(group, LOOPING)).toBe(1)
    const error = await pool.run(input(LOOPING, ['loop']), { group }).catch((e: unknown) => e)
    expect((error as Error).message).toMatch(/CPU time limit/)
    expect(await callsIn(group, LOOPING)).toBe(1)
    group.close()
  })

  it("start fresh when another run's timeout took the isolate that held their context", async () => {
    const single = new ConverterPool({ size: 1 })
    try {
      const group = single.group()
      const calls = async (): Promise<unknown> =>
        (JSON.parse((await single.run(input(LOOPING), { group })).rowsJson) as { calls: unknown }[])[0]?.calls
      expect(await calls()).toBe(1)
      expect(await calls()).toBe(2)
      expect((await failureOf(single, input(LOOPING, ['loop']))).kind).toBe('timeout')
      expect(await calls()).toBe(1)
      group.close()
    } finally {
      await single.close()
    }
  })

  it('count each run against its own row and byte limits', async () => {
    const group = pool.group()
    const twoRows = 'function convert() { return [{ a: 1 }, { a: 2 }] }'
    const limits = { timeoutMs: 1000, memoryMb: 16, maxRows: 2 }
    for (let run = 0; run < 3; run++) {
      const result = await pool.run(input(twoRows, ['{}'], { limits }), { group })
      expect(result.rowCount).toBe(2)
    }
    group.close()
  })
})
