/**
 * Seeded, splittable randomness for the simulator: the same seed gives the same
 * world, the same faults and the same tokens, so a failing test can be replayed.
 *
 * Everything derives from 32-bit integer hashing (a splitmix/murmur finaliser),
 * which lets any value be computed from (seed, stream, index) without replaying
 * a sequence — an issue's text can be generated lazily, in any order.
 */

/** Mixes a 32-bit integer into a well-distributed 32-bit integer. */
export function mix32(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x7feb352d)
  x = Math.imul(x ^ (x >>> 15), 0x846ca68b)
  return (x ^ (x >>> 16)) >>> 0
}

/**
 * Hashes any number of integers into one 32-bit integer.
 *
 * @example hash32(seed, STREAM_ISSUE_TEXT, issueIndex)
 */
export function hash32(...parts: number[]): number {
  let h = 0x9e3779b9
  for (const part of parts) h = mix32(h ^ mix32(part | 0))
  return h
}

/** Hashes a string into 32 bits (FNV-1a), e.g. to derive a stream from a name. */
export function hashString(text: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193)
  return h >>> 0
}

/** A small, fast seeded generator (mulberry32). */
export class Random {
  #state: number

  constructor(seed: number) {
    this.#state = seed >>> 0
  }

  /** A float in [0, 1). */
  next(): number {
    let t = (this.#state = (this.#state + 0x6d2b79f5) >>> 0)
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }

  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1))
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.next() < p
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('pick() from an empty list')
    return items[Math.floor(this.next() * items.length)] as T
  }

  /** Picks an index with the given relative weights. */
  weighted(weights: readonly number[]): number {
    let total = 0
    for (const w of weights) total += w
    let r = this.next() * total
    for (let i = 0; i < weights.length; i++) {
      r -= weights[i] as number
      if (r < 0) return i
    }
    return weights.length - 1
  }

  /** n random bytes as lowercase hex. Deterministic; not for real secrets. */
  hex(bytes: number): string {
    let out = ''
    for (let i = 0; i < bytes; i++) {
      out += Math.floor(this.next() * 256)
        .toString(16)
        .padStart(2, '0')
    }
    return out
  }
}
