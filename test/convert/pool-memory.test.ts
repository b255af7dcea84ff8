import { readFileSync } from 'node:fs'
import { afterAll, describe, expect, it } from 'vitest'
import { ConverterPool } from '../../src/convert/index.js'
import { FIXED_OVERHEAD_MB } from '../../src/convert/worker-process.js'
import { EXAMPLE_CONVERTER, failureOf, input, rowsOf, searchPage } from './fixtures.js'

const pool = new ConverterPool({ size: 1 })
afterAll(() => pool.close())

const LIMIT_MB = 128
/**
 * The pool reads a busy worker's memory every 5 ms, so a bomb grows past the line by what it allocates
 * until the next read: 1–10 MB on a quiet machine (the doubled strings peak at 257–265 MB, 8 runs, with
 * and without two CPU hogs beside), but once 37 MB in CI, where two test files run at a time and the
 * parent's timer came late. The bound is what this test holds the watchdog to, against the 900 MB to
 * 1.4 GB a worker reaches without it.
 */
const CHECK_SLACK_MB = 64

/** Peak resident memory of a process so far (Linux VmHWM), in MB; undefined once it is gone. */
function peakMb(pid: number): number | undefined {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
    return match === null ? undefined : Number(match[1]) / 1024
  } catch {
    return undefined
  }
}

/** Runs `work` on a warm worker, and the highest resident memory that worker reached meanwhile. */
async function peakOf<T>(work: () => Promise<T>): Promise<{ value: T; peak: number }> {
  await rowsOf(pool, 'function convert() { return [] }')
  const [pid] = pool.pids
  if (pid === undefined) throw new Error('no worker')
  let peak = peakMb(pid) ?? 0
  const watch = setInterval(() => (peak = Math.max(peak, peakMb(pid) ?? 0)), 1)
  try {
    const value = await work()
    return { value, peak: Math.max(peak, peakMb(pid) ?? 0) }
  } finally {
    clearInterval(watch)
  }
}

/** Runs a converter that must fail, and the highest resident memory its worker reached meanwhile. */
async function hog(source: string): Promise<{ error: Error & { kind?: string }; peak: number }> {
  const { value, peak } = await peakOf(() =>
    failureOf(pool, input(source, ['{}'], { limits: { memoryMb: LIMIT_MB, timeoutMs: 20_000 } })),
  )
  return { error: value, peak }
}

const HOGS: Record<string, string> = {
  'objects pushed onto an array':
    'function convert() { const h = []; for (;;) h.push({ a: [1, 2, 3], s: "x" + h.length }) }',
  'strings doubled and flattened':
    'function convert() { const h = []; let s = "x"; for (;;) { s = s + s; h.push(s.slice(1)) } }',
  'one 800 MB array (new Array(1e8).fill(0))':
    'function convert() { return [{ n: new Array(1e8).fill(0).length }] }',
}

describe(`a converter worker's memory stays under its limit plus ${FIXED_OVERHEAD_MB} MB`, () => {
  it.each(Object.entries(HOGS))('%s: stopped with a memory error', async (_name, source) => {
    const { error, peak } = await hog(source)
    expect(error.kind).toBe('memory')
    expect(error.message).toMatch(new RegExp(`^Converter exceeded its memory limit of ${LIMIT_MB} MB`))
    expect(peak).toBeLessThan(LIMIT_MB + FIXED_OVERHEAD_MB + CHECK_SLACK_MB)
  })

  it('stops a 100 MB result at the memory or the size limit, whichever it reaches first', async () => {
    const { error, peak } = await hog(
      'function convert() { const row = { t: "y".repeat(1000) }; return new Array(100000).fill(row) }',
    )
    expect(['memory', 'limit']).toContain(error.kind)
    expect(peak).toBeLessThan(LIMIT_MB + FIXED_OVERHEAD_MB + CHECK_SLACK_MB)
  })

  it('lets normal runs through: 10,000 issues, and a million rows streamed out', async () => {
    const limits = { memoryMb: LIMIT_MB, timeoutMs: 20_000 }
    const pages = Array.from({ length: 100 }, (_, p) => searchPage(p * 100, 100, p === 99))
    const issues = await peakOf(() => pool.run(input(EXAMPLE_CONVERTER, pages, { limits })))
    expect(issues.value.rowCount).toBe(10_000)
    expect(issues.peak).toBeLessThan(LIMIT_MB + FIXED_OVERHEAD_MB)
    let streamed = 0
    const million = await peakOf(() =>
      pool.run(
        input(
          'function convert() { const rows = new Array(1e6); for (let i = 0; i < 1e6; i++) rows[i] = { n: i }; return rows }',
          ['{}'],
          { limits },
        ),
        { onRows: async (_json, count) => void (streamed += count) },
      ),
    )
    expect(streamed).toBe(1_000_000)
    expect(million.value.rowCount).toBe(1_000_000)
    expect(million.peak).toBeLessThan(LIMIT_MB + FIXED_OVERHEAD_MB)
  }, 60_000)

  it('serves the next run after a worker was killed for its memory', async () => {
    expect(await rowsOf(pool, 'function convert() { return [{ ok: true }] }')).toEqual([{ ok: true }])
  })
})
