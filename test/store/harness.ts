import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, dirname, join } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { afterAll, afterEach, beforeAll, beforeEach, vi } from 'vitest'
import { openStore, type ConnectionInput, type OpenStoreOptions, type Store } from '../../src/store/index.js'
import { createTestSchema, type TestSchema } from '../helpers/postgres.js'

/** The store's tests run once per dialect, Kysely-style: `for (const dialect of DIALECTS) describe(dialect, …)`. */
export const DIALECTS = ['sqlite', 'postgres'] as const
export type TestDialect = (typeof DIALECTS)[number]

/** A fixed key for tests that do not test key handling. */
export const TEST_KEY = Buffer.alloc(32, 7).toString('base64')
export const OTHER_KEY = Buffer.alloc(32, 9).toString('base64')

/** One test file's database of one dialect: a temporary SQLite file, or a PostgreSQL schema of its own. */
export interface StoreTarget {
  readonly dialect: TestDialect
  /** A temporary directory: the key file lives here unless a test says otherwise. */
  readonly dataDir: string
  /** What openStore needs to reach the database. */
  readonly location: { sqlitePath: string } | { databaseUrl: string }
  /** Opens a store on the database (closed after each test). */
  open(options?: Partial<OpenStoreOptions>): Promise<Store>
  /** Every byte the database holds, as text: the SQLite files (main, -wal, -shm), or a dump of every table. */
  rawText(): Promise<string>
  /** Runs raw SQL on the database, outside the store. */
  exec(sql: string): Promise<void>
}

/**
 * Sets up a database of `dialect` for the calling test file and returns a getter for it. Tables are
 * emptied before each test. When the database cannot be set up (PostgreSQL unreachable), the getter
 * throws the setup error, so that every test of the dialect fails with it instead of being skipped.
 *
 * @example
 * for (const dialect of DIALECTS) describe(dialect, () => {
 *   const target = useStoreTarget(dialect)
 *   test('…', async () => { const store = await target().open() })
 * })
 */
export function useStoreTarget(dialect: TestDialect): () => StoreTarget {
  let target: StoreTarget | undefined
  let setupError: unknown
  let cleanup: (() => Promise<void>) | undefined
  const opened: Store[] = []

  beforeAll(async () => {
    try {
      ;({ target, cleanup } = await createTarget(dialect, opened))
    } catch (error) {
      setupError = error
    }
  })
  beforeEach(async () => {
    // A developer's own key must not leak into the tests; '' counts as unset.
    vi.stubEnv('QUARRY_SECRET_KEY', '')
    if (target !== undefined) await reset(target)
  })
  afterEach(async () => {
    vi.unstubAllEnvs()
    await Promise.all(opened.splice(0).map((store) => store.close()))
  })
  afterAll(async () => {
    await cleanup?.()
  })

  return () => {
    if (target === undefined) throw setupError ?? new Error('the store target was used outside a test')
    return target
  }
}

async function createTarget(
  dialect: TestDialect,
  opened: Store[],
): Promise<{ target: StoreTarget; cleanup: () => Promise<void> }> {
  const dataDir = mkdtempSync(join(tmpdir(), `quarry-store-${dialect}-`))
  const open = async (location: StoreTarget['location'], options: Partial<OpenStoreOptions> = {}) => {
    const store = await openStore({ dataDir, ...location, ...options })
    opened.push(store)
    return store
  }
  if (dialect === 'sqlite') {
    const sqlitePath = join(dataDir, 'quarry.db')
    const location = { sqlitePath }
    const target: StoreTarget = {
      dialect,
      dataDir,
      location,
      open: (options) => open(location, options),
      async rawText() {
        const prefix = basename(sqlitePath)
        return readdirSync(dirname(sqlitePath))
          .filter((name) => name.startsWith(prefix))
          .map((name) => readFileSync(join(dirname(sqlitePath), name)).toString('latin1'))
          .join('\n')
      },
      async exec(sql) {
        const database = new DatabaseSync(sqlitePath, { timeout: 5_000 })
        try {
          database.exec(sql)
        } finally {
          database.close()
        }
      },
    }
    return { target, cleanup: async () => rmSync(dataDir, { recursive: true, force: true }) }
  }

  let schema: TestSchema
  try {
    schema = await createTestSchema()
  } catch (error) {
    rmSync(dataDir, { recursive: true, force: true })
    throw error
  }
  const location = { databaseUrl: schema.url }
  const target: StoreTarget = {
    dialect,
    dataDir,
    location,
    open: (options) => open(location, options),
    rawText: () => schema.dump(),
    async exec(sql) {
      await schema.pool.query(sql)
    },
  }
  return {
    target,
    cleanup: async () => {
      await schema.drop()
      rmSync(dataDir, { recursive: true, force: true })
    },
  }
}

/** Empties the tables (when they exist yet) and forgets the key, so each test starts from a new store. */
async function reset(target: StoreTarget): Promise<void> {
  rmSync(join(target.dataDir, 'secret.key'), { force: true })
  const tables = [
    'snapshots',
    'snapshot_retention',
    'alert_events',
    'alerts',
    'schedule_runs',
    'schedules',
    'queries',
    'converters',
    'templates',
    'connections',
    'datasources',
    'cache',
    'meta',
    'audit_log',
    'object_versions',
    'dashboards',
  ]
  for (const table of tables) {
    try {
      await target.exec(`delete from ${table}`)
    } catch (error) {
      if (!/no such table|does not exist/.test((error as Error).message)) throw error
    }
  }
}

/** Resolves after `ms` milliseconds. */
export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/** A promise with its resolve function, for holding a lock until the test says so. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void
  const promise = new Promise<T>((settle) => (resolve = settle))
  return { promise, resolve }
}

/** A connection as the auth layer would save it, with `tokens`. */
export function connectionInput(
  tokens: Record<string, string>,
  overrides: Partial<ConnectionInput> = {},
): ConnectionInput {
  return {
    tokens,
    accessExpiresAt: new Date('2030-01-01T00:00:00.000Z'),
    status: 'connected',
    statusMessage: null,
    scope: 'read:jira-work offline_access',
    site: { id: 'cloud-1', name: 'Acme', url: 'https://acme.atlassian.net' },
    lastRefreshAt: null,
    lastUsedAt: null,
    ...overrides,
  }
}
