import { createHash } from 'node:crypto'
import pg from 'pg'
import type { StoreContext } from './context.js'
import type { FlightClaim, FlightOutcome, FlightRepo, FlightWatch } from './types.js'

/**
 * PostgreSQL's single flight across servers (issue 18). Every process keeps one connection of its
 * own (not the pool's: it stays open) on which it LISTENs for the ends of runs and holds its claims:
 * a claim is a session advisory lock on the hash of the store's schema and the cache key, taken with
 * pg_try_advisory_lock (two servers cannot both win it). Like the token lock's transaction
 * (lock-backend.ts), it cannot be leaked by a process that dies: the database ends the dead
 * connection's session and its locks with it, at once, without a lease to wait out. The end is
 * announced with pg_notify in the statement that unlocks, so a watcher woken by it finds the claim
 * free and the cache entry written. A broken connection is opened again at the next watch; the claims
 * it held are gone with it (at worst a run is made twice), and a watcher that misses an announcement
 * meanwhile finds out at its next poll (engine/flight.ts).
 *
 * @example
 * const watch = await flights.watch(key)
 * const claim = await flights.claim(key)
 * if (claim) … await claim.finish('done') else await watch.next(500)
 */
export class PostgresFlights implements FlightRepo {
  readonly #context: StoreContext
  readonly #url: string
  readonly #schema: string
  /** NOTIFY and advisory locks are per database; the schema keeps the stores of one database apart. */
  readonly #channel: string
  readonly #watchers = new Map<string, Set<(outcome: FlightOutcome) => void>>()
  #listener: Promise<pg.Client> | undefined
  #queue: Promise<void> = Promise.resolve()
  #closed = false

  constructor(context: StoreContext, url: string, schema: string) {
    this.#context = context
    this.#url = url
    this.#schema = schema
    this.#channel = `quarry_flight_${createHash('sha256').update(schema).digest('hex').slice(0, 16)}`
  }

  async watch(key: string): Promise<FlightWatch> {
    this.#context.assertOpen()
    await this.#connection()
    const heard: FlightOutcome[] = []
    let wake: (() => void) | undefined
    const hear = (outcome: FlightOutcome) => {
      heard.push(outcome)
      wake?.()
    }
    let watchers = this.#watchers.get(key)
    if (watchers === undefined) this.#watchers.set(key, (watchers = new Set()))
    watchers.add(hear)
    const line = watchers
    return {
      next: async (ms) => {
        if (heard.length === 0) {
          let timer: NodeJS.Timeout | undefined
          await new Promise<void>((resolve) => {
            wake = resolve
            timer = setTimeout(resolve, Math.max(0, ms))
          })
          clearTimeout(timer)
          wake = undefined
        }
        return heard.shift() ?? 'timeout'
      },
      close: () => {
        line.delete(hear)
        if (line.size === 0 && this.#watchers.get(key) === line) this.#watchers.delete(key)
        wake?.()
      },
    }
  }

  async claim(key: string): Promise<FlightClaim | undefined> {
    this.#context.assertOpen()
    const client = await this.#connection()
    const lock = this.#lockId(key)
    const rows = await this.#query(client, 'select pg_try_advisory_lock($1::bigint) as won', [lock])
    if (rows[0]?.won !== true) return undefined
    return {
      // On the session that holds the lock; if it broke meanwhile, the lock went with it.
      finish: async (outcome) => {
        await this.#query(client, 'select pg_advisory_unlock($1::bigint), pg_notify($2, $3)', [
          lock,
          this.#channel,
          `${outcome} ${key}`,
        ])
      },
    }
  }

  async close(): Promise<void> {
    this.#closed = true
    const listener = this.#listener
    this.#listener = undefined
    if (listener !== undefined) await (await listener.catch(() => undefined))?.end().catch(() => {})
  }

  /** One statement at a time on the connection (pg's client does not take a second while one runs). */
  #query(client: pg.Client, text: string, values: unknown[]): Promise<Array<Record<string, unknown>>> {
    const result = this.#queue.then(() => client.query(text, values))
    this.#queue = result.then(
      () => undefined,
      () => undefined,
    )
    return result.then(({ rows }) => rows as Array<Record<string, unknown>>)
  }

  /** The advisory lock's id: 64 bits of the hash of the schema and the key. */
  #lockId(key: string): string {
    const hash = createHash('sha256').update(`${this.#schema}\n${key}`).digest()
    return hash.readBigInt64BE(0).toString()
  }

  /** The connection that listens and holds the claims, connected (again) when needed. */
  async #connection(): Promise<pg.Client> {
    if (this.#listener === undefined) {
      const connecting = this.#connect()
      // A failed connection is not remembered: the next watch tries again.
      connecting.catch(() => {
        if (this.#listener === connecting) this.#listener = undefined
      })
      this.#listener = connecting
    }
    return this.#listener
  }

  async #connect(): Promise<pg.Client> {
    const client = new pg.Client({
      connectionString: this.#url,
      connectionTimeoutMillis: 10_000,
      keepAlive: true,
      application_name: 'quarry-flights',
    })
    // A broken connection (PostgreSQL restarted, say) is forgotten: the next watch connects again.
    const broken = () => {
      const listener = this.#listener
      listener?.then(
        (current) => {
          if (current === client && this.#listener === listener) this.#listener = undefined
        },
        () => {},
      )
      client.end().catch(() => {})
    }
    client.on('error', broken)
    client.on('end', broken)
    client.on('notification', ({ channel, payload }) => {
      if (channel !== this.#channel || payload === undefined) return
      const space = payload.indexOf(' ')
      const outcome = payload.slice(0, space)
      if (outcome !== 'done' && outcome !== 'failed') return
      for (const hear of this.#watchers.get(payload.slice(space + 1)) ?? []) hear(outcome)
    })
    try {
      await client.connect()
      await client.query(`listen ${this.#channel}`)
    } catch (error) {
      client.end().catch(() => {})
      throw error
    }
    if (this.#closed) await client.end().catch(() => {})
    return client
  }
}
