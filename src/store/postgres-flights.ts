import { createHash } from 'node:crypto'
import { sql } from 'kysely'
import pg from 'pg'
import type { StoreContext } from './context.js'
import type { FlightOutcome, FlightRepo, FlightWatch, LeaseRepo } from './types.js'

/** The claim's lease name: the keep-alive job's leases and these share the `leases` table. */
const leaseName = (key: string) => `flight:${key}`

/**
 * PostgreSQL's single flight across servers (issue 18). Claims are leases (lease-repo.ts: one
 * conditional INSERT … ON CONFLICT, so two servers cannot both win; a dead claimer's lease expires).
 * Ends are announced with NOTIFY on a channel of this store's schema, sent in the transaction that
 * drops the claim, so a watcher woken by it finds the claim gone and the cache entry written. Every
 * process LISTENs on one connection of its own, opened at the first watch and opened again after it
 * breaks (a watcher that misses an announcement meanwhile finds out at its next poll: engine/flight.ts).
 *
 * @example
 * const watch = await flights.watch(key)
 * if (await flights.claim(key, holder, now, until)) … else await watch.next(1000)
 */
export class PostgresFlights implements FlightRepo {
  readonly #context: StoreContext
  readonly #leases: LeaseRepo
  readonly #url: string
  /** NOTIFY is per database; the schema's hash keeps stores of one database apart. */
  readonly #channel: string
  readonly #watchers = new Map<string, Set<(outcome: FlightOutcome) => void>>()
  #listener: Promise<pg.Client> | undefined
  #closed = false

  constructor(context: StoreContext, leases: LeaseRepo, url: string, schema: string) {
    this.#context = context
    this.#leases = leases
    this.#url = url
    this.#channel = `quarry_flight_${createHash('sha256').update(schema).digest('hex').slice(0, 16)}`
  }

  async watch(key: string): Promise<FlightWatch> {
    this.#context.assertOpen()
    await this.#listen()
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

  claim(key: string, holder: string, now: Date, until: Date): Promise<boolean> {
    return this.#leases.take(leaseName(key), holder, now, until)
  }

  finish(key: string, holder: string, outcome: FlightOutcome): Promise<void> {
    return this.#context.run('flights.finish', 'write', () =>
      this.#context.db.transaction().execute(async (tx) => {
        await tx
          .deleteFrom('leases')
          .where('name', '=', leaseName(key))
          .where('holder', '=', holder)
          .execute()
        // Delivered at commit, after the delete: no watcher is woken while the claim still stands.
        await sql`select pg_notify(${this.#channel}, ${`${outcome} ${key}`})`.execute(tx)
      }),
    )
  }

  async close(): Promise<void> {
    this.#closed = true
    const listener = this.#listener
    this.#listener = undefined
    if (listener !== undefined) await (await listener.catch(() => undefined))?.end().catch(() => {})
  }

  /** The LISTEN connection, connected (again) when needed. */
  async #listen(): Promise<void> {
    if (this.#listener === undefined) {
      const connecting = this.#connect()
      // A failed connection is not remembered: the next watch tries again.
      connecting.catch(() => {
        if (this.#listener === connecting) this.#listener = undefined
      })
      this.#listener = connecting
    }
    await this.#listener
  }

  async #connect(): Promise<pg.Client> {
    const client = new pg.Client({
      connectionString: this.#url,
      connectionTimeoutMillis: 10_000,
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
