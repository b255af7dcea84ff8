/**
 * The simulator's clock: real time, shifted by an offset that tests move with
 * `POST /_sim/advance`, so "90 days later" takes no time at all.
 */
export class SimClock {
  readonly #startReal: number
  readonly #start: number
  #offset = 0

  /** @param start epoch ms the clock reads at construction (default: the real time). */
  constructor(start: number = Date.now()) {
    this.#startReal = Date.now()
    this.#start = start
  }

  /** Epoch milliseconds, simulated. */
  now(): number {
    return this.#start + (Date.now() - this.#startReal) + this.#offset
  }

  advance(seconds: number): void {
    this.#offset += seconds * 1000
  }

  reset(): void {
    this.#offset = 0
  }
}

export const SECOND = 1000
export const MINUTE = 60 * SECOND
export const HOUR = 60 * MINUTE
export const DAY = 24 * HOUR
