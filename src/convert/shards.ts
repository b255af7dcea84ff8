/**
 * How a run's pages are split between workers. Pages are independent (each
 * is one response, converted by one call), so a large run is cut into
 * contiguous shards that workers convert side by side; the rows are joined
 * back in page order. Small runs stay whole: a second worker costs more than
 * it saves below SHARD_MIN_CHARS.
 */

/** Below this much page text (about 1,000 Jira issues), one worker converts the whole run. */
export const SHARD_MIN_CHARS = 1_000_000

export interface Shard {
  /** Index of the shard's first page in the run. */
  readonly first: number
  readonly pages: readonly string[]
}

/**
 * At most `workers` contiguous shards of about equal text length, in page order.
 *
 * @example shardPages(['a', 'b'], 2).length // 1 (too little text to be worth splitting)
 */
export function shardPages(pages: readonly string[], workers: number, minChars = SHARD_MIN_CHARS): Shard[] {
  const total = pages.reduce((sum, page) => sum + page.length, 0)
  const count = Math.min(workers, pages.length)
  if (count < 2 || total < minChars) return [{ first: 0, pages }]
  const shards: Shard[] = []
  let first = 0
  let seen = 0
  for (let i = 0; i < pages.length; i++) {
    seen += pages[i]?.length ?? 0
    // Cut when this shard has reached its share of the text; the last shard takes the rest.
    const share = (total * (shards.length + 1)) / count
    if ((seen >= share && shards.length < count - 1) || i === pages.length - 1) {
      shards.push({ first, pages: pages.slice(first, i + 1) })
      first = i + 1
    }
  }
  return shards
}
