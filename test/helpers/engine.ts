import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ConverterPool } from '../../src/convert/index.js'
import { splitSecrets, type DatasourceInput } from '../../src/domain/datasource.js'
import { DatasourceSchema } from '../../src/domain/datasource.js'
import { QuerySchema, queryRowOf, type QueryInput } from '../../src/domain/query.js'
import type { EngineDeps } from '../../src/engine/index.js'
import { openStore, type Store } from '../../src/store/index.js'
import type { Actor } from '../../src/domain/audit.js'

/** A fixed key: tests must not depend on (or create) a key file in the user's data directory. */
export const TEST_SECRET_KEY = Buffer.alloc(32, 7).toString('base64')

export interface TestEngine extends EngineDeps {
  readonly store: Store
  readonly dir: string
  addDatasource(input: DatasourceInput): Promise<void>
  addQuery(input: QueryInput): Promise<void>
  close(): Promise<void>
}

/** An engine over a fresh store (SQLite in a temp directory, or the PostgreSQL URL given), with a converter pool. */
export async function startTestEngine(
  overrides: Partial<EngineDeps> = {},
  target: {
    readonly databaseUrl?: string
    readonly lockTimeoutMs?: number
    /** Whom the store records changes as outside actingAs (openStore's `actor`). */
    readonly actor?: Actor
  } = {},
): Promise<TestEngine> {
  const dir = mkdtempSync(join(tmpdir(), 'quarry-engine-'))
  const store = await openStore({
    ...(target.databaseUrl ? { databaseUrl: target.databaseUrl } : { sqlitePath: join(dir, 'quarry.db') }),
    secretKey: TEST_SECRET_KEY,
    dataDir: dir,
    ...(target.lockTimeoutMs === undefined ? {} : { lockTimeoutMs: target.lockTimeoutMs }),
    ...(target.actor === undefined ? {} : { actor: target.actor }),
  })
  const converters = new ConverterPool()
  return {
    store,
    converters,
    dir,
    ...overrides,
    async addDatasource(input) {
      const datasource = DatasourceSchema.parse(input)
      const { config, secrets } = splitSecrets(datasource)
      await store.datasources.create({ name: datasource.name, type: datasource.type, config, secrets })
    },
    async addQuery(input) {
      await store.queries.create(queryRowOf(QuerySchema.parse(input)))
    },
    async close() {
      await converters.close()
      await store.close()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
