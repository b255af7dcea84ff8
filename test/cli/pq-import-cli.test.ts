import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunningSimulator } from '../../src/sim/server.js'
import { openStore } from '../../src/store/index.js'
import { TEST_CLIENT, connect, startTestSim, type Tokens } from '../helpers/sim.js'
import { runQuarry, type CliRun } from '../helpers/cli.js'
import { TEST_SECRET_KEY } from '../helpers/engine.js'

/**
 * The seed guide's PocketQuery datasource, exported as one JSON entity, comes into Quarry with
 * `quarry import --from pocketquery` and runs against the simulator standing in for Atlassian
 * (QUARRY_ATLASSIAN_API_URL / QUARRY_ATLASSIAN_AUTH_URL), with tokens from the simulator's OAuth flow.
 */

const SEED = new URL('../fixtures/pocketquery/seed-datasource.json', import.meta.url)
const NAME = 'Jira-Cloud-seed-guide'
let sim: RunningSimulator
let dir: string

function quarry(db: string, ...args: string[]): Promise<CliRun> {
  const env = { QUARRY_ATLASSIAN_API_URL: sim.url, QUARRY_ATLASSIAN_AUTH_URL: sim.url }
  return runQuarry({ db: join(dir, db), dir, env }, ...args)
}

/** The fixture with the simulator's site, the test app's credentials and real tokens filled in. */
function seedFile(tokens: { access: string; refresh: string }, file: string): string {
  const cloudId = sim.context.world.sites[0]?.cloudId as string
  const text = readFileSync(SEED, 'utf8')
    .replace('CLOUD-ID', cloudId)
    .replace('"CLIENT-ID"', JSON.stringify(TEST_CLIENT.clientId))
    .replace('"CLIENT-SECRET"', JSON.stringify(TEST_CLIENT.clientSecret))
    .replace('"REFRESH-TOKEN"', JSON.stringify(tokens.refresh))
    .replace('"ACCESS-TOKEN"', JSON.stringify(tokens.access))
  const path = join(dir, file)
  writeFileSync(path, text)
  return path
}

beforeAll(async () => {
  sim = await startTestSim()
  dir = mkdtempSync(join(tmpdir(), 'quarry-pq-'))
})
afterAll(async () => {
  await sim.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('quarry import --from pocketquery with the seed guide datasource', () => {
  let tokens: Tokens
  beforeAll(async () => {
    tokens = await connect(sim)
  })

  it('--dry-run says what it would create, that /search becomes /myself, prints no secret and changes nothing', async () => {
    const file = seedFile(
      { access: tokens.access_token, refresh: tokens.refresh_token as string },
      'seed.json',
    )
    const dry = await quarry('dry.db', 'import', '--from', 'pocketquery', '--dry-run', file)
    expect(dry.code, dry.stderr).toBe(0)
    expect(dry.stdout).toContain(
      `create datasource "Jira Cloud (seed guide)" as "${NAME}": Jira Cloud preset, site`,
    )
    expect(dry.stdout).toMatch(
      /test path "\/search" was removed by Atlassian in 2025 \(CHANGE-2046, 410 Gone\): it becomes "\/myself"/,
    )
    for (const secret of [TEST_CLIENT.clientSecret, tokens.access_token, tokens.refresh_token as string])
      expect(dry.stdout + dry.stderr).not.toContain(secret)
    const list = await quarry('dry.db', 'datasource', 'list')
    expect(list.stdout).not.toContain(NAME)
  })

  it('imports it, and a query through it returns issues from the simulator', async () => {
    const file = seedFile(
      { access: tokens.access_token, refresh: tokens.refresh_token as string },
      'seed.json',
    )
    const imported = await quarry('run.db', 'import', '--from', 'pocketquery', file)
    expect(imported.code, imported.stderr).toBe(0)
    expect(imported.stdout).toContain('Imported from a PocketQuery JSON export')
    const tested = await quarry('run.db', 'datasource', 'test', NAME)
    expect(tested.code, tested.stderr + tested.stdout).toBe(0)
    const added = await quarry(
      'run.db',
      'query',
      'add',
      'issues',
      '--datasource',
      NAME,
      '--path',
      '/search/jql?jql=:jql&fields=summary&maxResults=5',
      '--param',
      'jql=updated >= -30d ORDER BY updated DESC',
    )
    expect(added.code, added.stderr).toBe(0)
    const run = await quarry('run.db', 'run', 'issues', '--format', 'json')
    expect(run.code, run.stderr).toBe(0)
    const result = JSON.parse(run.stdout) as unknown
    const rows = Array.isArray(result) ? result : (result as { rows: unknown[] }).rows
    expect(rows.length).toBeGreaterThan(0)
    expect(JSON.stringify(rows[0])).toMatch(/[A-Z]+-\d+/)
  })

  it('an access token the API refuses is renewed with the imported refresh token: rotation continues', async () => {
    const fresh = await connect(sim)
    const file = seedFile(
      { access: 'revoked-access-token', refresh: fresh.refresh_token as string },
      'stale.json',
    )
    expect((await quarry('rotate.db', 'import', '--from', 'pocketquery', file)).code).toBe(0)
    const tested = await quarry('rotate.db', 'datasource', 'test', NAME)
    expect(tested.code, tested.stderr + tested.stdout).toBe(0)
    // The stored connection now holds a new access token and the rotated refresh token.
    const store = await openStore({
      sqlitePath: join(dir, 'rotate.db'),
      secretKey: TEST_SECRET_KEY,
      dataDir: dir,
    })
    try {
      const connection = await store.connections.get(NAME)
      expect(connection?.tokens.access_token).toBeDefined()
      expect(connection?.tokens.access_token).not.toBe('revoked-access-token')
      expect(connection?.tokens.refresh_token).not.toBe(fresh.refresh_token)
      expect(connection?.lastRefreshAt).not.toBeNull()
    } finally {
      await store.close()
    }
  })
})
