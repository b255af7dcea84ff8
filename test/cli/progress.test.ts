import { describe, expect, it } from 'vitest'
import { elapsedText, progressLine, progressText } from '../../src/cli/progress.js'

/** A terminal (or a pipe) that keeps what is written to it, and a clock the test moves. */
function screen(isTTY: boolean) {
  const writes: string[] = []
  let now = 1_000
  return {
    writes,
    tick: (ms: number) => (now += ms),
    clock: () => now,
    output: { isTTY, columns: 60, write: (text: string) => writes.push(text) },
  }
}

describe('the progress line of a run', () => {
  it('shows nothing for one page, then pages, rows and time from the second, and clears at the end', () => {
    const s = screen(true)
    const bar = progressLine(s.output, s.clock)
    bar.page(1)
    bar.rows(25)
    expect(s.writes).toEqual([])
    s.tick(1_500)
    bar.page(2)
    bar.rows(25)
    expect(s.writes.at(-1)?.startsWith('\r\u001b[2K')).toBe(true)
    expect(s.writes.at(-1)).toMatch(/▕.{12}▏ 2 pages · 25 rows · 1\.5s$/)
    s.tick(200)
    bar.rows(1_000)
    expect(s.writes.at(-1)).toContain('2 pages · 1,050 rows · 1.7s')
    bar.done()
    expect(s.writes.at(-1)).toBe('\r\u001b[2K')
    const count = s.writes.length
    bar.done()
    expect(s.writes).toHaveLength(count)
  })

  it('writes nothing at all when the output is not a terminal', () => {
    const s = screen(false)
    const bar = progressLine(s.output, s.clock)
    for (let page = 1; page <= 5; page++) {
      bar.page(page)
      bar.rows(100)
    }
    bar.done()
    expect(s.writes).toEqual([])
  })

  it('keeps to the terminal’s width, and its bar moves from frame to frame', () => {
    expect([...progressText(1234, 5_000_000, 61_000, 0, 30)]).toHaveLength(29)
    expect(progressText(3, 2500, 4200, 0, 80)).toBe('▕███         ▏ 3 pages · 2,500 rows · 4.2s')
    expect(progressText(3, 2500, 4200, 4, 80)).toBe('▕    ███     ▏ 3 pages · 2,500 rows · 4.2s')
    expect(progressText(3, 2500, 4200, 12, 80)).toBe('▕      ███   ▏ 3 pages · 2,500 rows · 4.2s')
  })

  it('says the time as a person reads it', () => {
    expect([elapsedText(900), elapsedText(65_000), elapsedText(3_720_000)]).toEqual([
      '0.9s',
      '1m 05s',
      '1h 02m',
    ])
  })
})
