/**
 * In-memory FIFO locks by key, with a deadline for waiters. withLock queues here before it asks the
 * database, so the tasks of one process wait for each other without polling the database.
 *
 * @example
 * const mutex = new KeyedMutex()
 * const release = await mutex.acquire('jira', Date.now() + 30_000, () => new Error('timed out'))
 * try { … } finally { release() }
 */
export class KeyedMutex {
  /** Per key: the holder first, then the waiters in arrival order. */
  readonly #queues = new Map<string, Array<() => void>>()

  acquire(key: string, deadline: number, onTimeout: () => Error): Promise<() => void> {
    let queue = this.#queues.get(key)
    if (queue === undefined) {
      queue = []
      this.#queues.set(key, queue)
    }
    const line = queue
    return new Promise((resolve, reject) => {
      let released = false
      const release = () => {
        if (released) return
        released = true
        line.shift()
        const next = line[0]
        if (next === undefined) this.#queues.delete(key)
        else next()
      }
      const waiting: { timer?: NodeJS.Timeout } = {}
      const grant = () => {
        clearTimeout(waiting.timer)
        resolve(release)
      }
      line.push(grant)
      if (line.length === 1) return grant()
      waiting.timer = setTimeout(
        () => {
          const index = line.indexOf(grant)
          // index 0 would mean it was granted in this very tick; then the grant stands.
          if (index <= 0) return
          line.splice(index, 1)
          reject(onTimeout())
        },
        Math.max(0, deadline - Date.now()),
      )
    })
  }
}
