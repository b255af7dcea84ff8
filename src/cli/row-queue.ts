/**
 * Rows handed from the engine (push, a page at a time) to a renderer (pull, an
 * async iterable), holding at most about one page: the producer waits while the
 * consumer catches up.
 */
export class RowQueue<T> implements AsyncIterable<T> {
  readonly #items: T[] = []
  readonly #highWater: number
  #ended = false
  #failure: { error: unknown } | undefined
  #wakeConsumer: (() => void) | undefined
  #wakeProducer: (() => void) | undefined

  constructor(highWater = 1000) {
    this.#highWater = highWater
  }

  /** Adds rows; resolves once the queue is back under its high-water mark. */
  async push(items: readonly T[]): Promise<void> {
    this.#items.push(...items)
    this.#wake()
    while (this.#items.length > this.#highWater && !this.#failure)
      await new Promise<void>((resolve) => (this.#wakeProducer = resolve))
  }

  end(): void {
    this.#ended = true
    this.#wake()
  }

  fail(error: unknown): void {
    this.#failure = { error }
    this.#wake()
    this.#wakeProducer?.()
  }

  #wake(): void {
    const wake = this.#wakeConsumer
    this.#wakeConsumer = undefined
    wake?.()
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    for (;;) {
      if (this.#failure) throw this.#failure.error
      const item = this.#items.shift()
      if (item !== undefined) {
        if (this.#items.length <= this.#highWater) {
          const wake = this.#wakeProducer
          this.#wakeProducer = undefined
          wake?.()
        }
        yield item
        continue
      }
      if (this.#ended) return
      await new Promise<void>((resolve) => (this.#wakeConsumer = resolve))
    }
  }
}
