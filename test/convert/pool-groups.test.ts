import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ConverterPool, type RunGroup } from '../../src/convert/index.js'
import { failureOf, input, rowsOf } from './fixtures.js'

// Two workers, as by default, both up before the tests: a group's next run must find the worker
// that kept its context, where another is idle too.
const pool = new ConverterPool({ size: 2 })
beforeAll(async () => {
  await Promise.all([
    rowsOf(pool, 'function convert() { return [] }'),
    rowsOf(pool, 'function convert() { return [] }'),
  ])
  expect(pool.pids).toHaveLength(2)
})
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
  it("take the context their group's last run left, on the worker that kept it", async () => {
    const group = pool.group()
    // The run of none in between goes to the other worker, which keeps nothing; the group's next
    // run then has two idle workers to go to, and only one has its context.
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
    expect(await callsIn(a)).toBe(2)
    expect(await callsIn(b)).toBe(2)
    expect(await callsIn(undefined)).toBe(1)
    expect(await rowsOf(pool, COUNTER)).toEqual([{ calls: 1 }])
    a.close()
    b.close()
  })

  it('are known by the group the pool made, not by its number', async () => {
    const group = pool.group()
    expect(await callsIn(group)).toBe(1)
    expect(await callsIn({ id: group.id, close: () => undefined })).toBe(1)
    group.close()
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
    // 17 characters of JSON a run ([{"c":1},{"c":1}]): two runs' worth is over the byte limit.
    const twoRows = 'var calls = 0\nfunction convert() { calls += 1; return [{ c: calls }, { c: calls }] }'
    const limits = { timeoutMs: 1000, memoryMb: 16, maxRows: 2, maxBytes: 20 }
    for (let run = 1; run <= 3; run++) {
      const result = await pool.run(input(twoRows, ['{}'], { limits }), { group })
      expect(JSON.parse(result.rowsJson)).toEqual([{ c: run }, { c: run }])
    }
    group.close()
  })

  it('never hold memory during another run: a kept context goes when a run of anything else starts', async () => {
    const single = new ConverterPool({ size: 1 })
    const limits = { memoryMb: 64, timeoutMs: 10_000 }
    // About 30 MB kept in a global, then a run of none that needs about 45 MB of the 64.
    const hog =
      'var hog = null\nfunction convert() { hog = []; for (var i = 0; i < 30000; i++) hog.push(("x".repeat(1000) + i).split("").join("")); return [{ held: hog.length }] }'
    const victim =
      'function convert() { var a = []; for (var i = 0; i < 45000; i++) a.push(("y".repeat(1000) + i).split("").join("")); return [{ made: a.length }] }'
    try {
      const group = single.group()
      const held = await single.run(input(hog, ['{}'], { limits }), { group })
      expect(JSON.parse(held.rowsJson)).toEqual([{ held: 30_000 }])
      const made = await single.run(input(victim, ['{}'], { limits }))
      expect(JSON.parse(made.rowsJson)).toEqual([{ made: 45_000 }])
      group.close()
    } finally {
      await single.close()
    }
  }, 30_000)
})
