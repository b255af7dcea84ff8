import { describe, expect, it } from 'vitest'
import { shardPages } from '../../src/convert/shards.js'

const page = (chars: number): string => 'x'.repeat(chars)

describe('shardPages', () => {
  it('keeps a small run whole', () => {
    expect(shardPages([page(10), page(10)], 2, 1000)).toEqual([{ first: 0, pages: [page(10), page(10)] }])
  })

  it('keeps a one-page run whole, however large', () => {
    expect(shardPages([page(5000)], 2, 1000)).toHaveLength(1)
  })

  it('cuts a large run into contiguous shards of about equal text', () => {
    const pages = [page(400), page(400), page(400), page(400), page(400)]
    const shards = shardPages(pages, 2, 1000)
    expect(shards.map((shard) => [shard.first, shard.pages.length])).toEqual([
      [0, 3],
      [3, 2],
    ])
  })

  it('never makes more shards than workers or pages', () => {
    expect(shardPages([page(600), page(600)], 4, 1000)).toHaveLength(2)
    expect(
      shardPages(
        Array.from({ length: 9 }, () => page(300)),
        3,
        1000,
      ),
    ).toHaveLength(3)
  })
})
