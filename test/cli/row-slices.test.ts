import { describe, expect, it } from 'vitest'
import { RowQueue } from '../../src/render/row-queue.js'
import { rowSlices } from '../../src/render/row-slices.js'

describe('rowSlices', () => {
  it('parses a JSON array a slice of rows at a time, in order', () => {
    const rows = Array.from({ length: 7 }, (_, i) => ({ i }))
    expect([...rowSlices(JSON.stringify(rows), 3)]).toEqual([
      rows.slice(0, 3),
      rows.slice(3, 6),
      rows.slice(6),
    ])
  })

  it('splits only at top-level commas: never inside strings, objects or arrays', () => {
    const rows = [
      { text: 'a, b', nested: { list: [1, 2, [3, 4]], quote: '"' } },
      { text: 'back\\slash\\', brackets: '}]{[', escaped: '\\"' },
      ['an', 'array', 'row'],
      'a string, with a comma',
      null,
    ]
    const json = JSON.stringify(rows)
    expect([...rowSlices(json, 1)].flat()).toEqual(rows)
    expect([...rowSlices(json, 2)].map((slice) => slice.length)).toEqual([2, 2, 1])
  })

  it('gives a text of fewer rows than a slice (a page) as one slice, strings with brackets intact', () => {
    const rows = [{ text: 'a ] b', list: [1, [2]] }, 'c, [d]', null]
    expect([...rowSlices(` ${JSON.stringify(rows)}\n`, 10)]).toEqual([rows])
    expect([...rowSlices(JSON.stringify(rows), 3)]).toEqual([rows])
  })

  it('yields nothing for an empty array', () => {
    expect([...rowSlices('[]', 10)]).toEqual([])
    expect([...rowSlices(' [ ] ', 10)]).toEqual([])
  })
})

describe('RowQueue', () => {
  it('takes a page larger than a call has room for arguments (issue 12: no RangeError)', async () => {
    const queue = new RowQueue<number>(1000)
    const page = Array.from({ length: 300_000 }, (_, i) => i)
    const pushed = queue.push(page).then(() => queue.end())
    let count = 0
    let last = -1
    for await (const item of queue) {
      expect(item).toBe(last + 1)
      last = item
      count++
    }
    await pushed
    expect(count).toBe(page.length)
  })
})
