import { generateKeyPairSync } from 'node:crypto'
import { join } from 'node:path'
import { Command } from 'commander'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { startConsent } from '../../src/auth/oauth/consent.js'
import { finishConsent } from '../../src/auth/oauth/finish-consent.js'
import { registerDatasource } from '../../src/cli/datasource.js'
import { isQuarryError } from '../../src/domain/errors.js'
import { loadDatasource, loadRestDatasource, runQuery } from '../../src/engine/index.js'
import type { RunningSimulator } from '../../src/sim/server.js'
import { TEST_SECRET_KEY, startTestEngine, type TestEngine } from '../helpers/engine.js'
import { REDIRECT_URI, TEST_CLIENT, startTestSim } from '../helpers/sim.js'

/**
 * `datasource edit` changes only the flags given (issue 14, Done-when 6): every flag of `edit`, taken
 * from the command's own registry, is given to a connected Jira Cloud datasource one at a time; after
 * each, the fields that flag does not set are as before (the preset block above all) and the
 * ready-made query still runs against the simulator. A new flag fails this test until it has a line
 * in EDITS.
 */
let sim: RunningSimulator
let engine: TestEngine
let name = 'jira'

/** What to give each flag (a function of the datasource as stored) and the fields it may change. */
interface Edit {
  readonly value?: (stored: Record<string, unknown>) => string
  readonly changes: readonly string[]
}
const auth = (stored: Record<string, unknown>, key: string) =>
  String((stored.auth as Record<string, unknown>)[key])
const same = (key: string): Edit => ({ value: (s) => auth(s, key), changes: [`auth.${key}`] })
/** Flags of other datasource types or auth kinds: refused or ignored, never a change. */
const foreign = (value: string): Edit => ({ value: () => value, changes: [] })

const EDITS: Readonly<Record<string, Edit>> = {
  '--type': { value: () => 'rest', changes: [] },
  '--url': { value: (s) => String(s.baseUrl), changes: ['baseUrl'] },
  '--host': foreign('db.example.com'),
  '--port': foreign('5432'),
  '--database': foreign('app'),
  '--user': foreign('app'),
  '--path': foreign('/tmp/app.db'),
  '--tls': foreign('require'),
  '--tls-ca': foreign('/tmp/ca.pem'),
  '--pool-size': foreign('2'),
  '--max-rows': foreign('10'),
  '--read-write': { changes: [] },
  '--read-only': { changes: [] },
  '--test-path': { value: () => '/myself', changes: ['testPath'] },
  '--header': { value: () => 'X-Quarry-Test: 1', changes: ['headers'] },
  '--secret-header': { value: () => 'X-Quarry-Secret: s', changes: ['headers'] },
  '--timeout': { value: () => '31s', changes: ['timeoutMs'] },
  '--max-bytes': { value: () => '60000000', changes: ['maxResponseBytes'] },
  '--allow-host': { value: () => 'example.com', changes: ['allowedHosts'] },
  '--auth': { value: () => 'oauth2-authorization-code', changes: [] },
  // shared: the ready-made query must still run after the edit, and a per-user run needs a viewer.
  '--connection-mode': { value: () => 'shared', changes: ['connectionMode'] },
  '--username': foreign('someone'),
  '--password': foreign('pw'),
  '--key-in': foreign('header'),
  '--key-name': foreign('X-Key'),
  '--key': foreign('k'),
  '--token': foreign('t'),
  '--authorize-url': same('authorizeUrl'),
  '--token-url': same('tokenUrl'),
  '--client-id': same('clientId'),
  '--client-secret': same('clientSecret'),
  '--scope': same('scopes'),
  '--redirect-uri': same('redirectUri'),
  '--audience': same('audience'),
  '--pkce': { changes: ['auth.pkce'] },
  '--client-auth': same('clientAuth'),
  // Stored for `--client-auth private-key-jwt`; the client keeps authenticating as it did.
  '--client-key': {
    value: () =>
      String(
        generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({
          type: 'pkcs8',
          format: 'pem',
        }),
      ),
    changes: ['auth.clientKey'],
  },
  '--authorize-param': { value: () => 'login_hint=alice', changes: ['auth.authorizeParams'] },
  // Discovery from an issuer that answers nothing: refused, and nothing changes.
  '--issuer': foreign('http://127.0.0.1:9/'),
  '--refresh-token': { value: () => 'stored at run time', changes: [] },
  '--access-token': { value: () => 'stored at run time', changes: [] },
  '--rename': { value: () => 'jira-renamed', changes: ['name'] },
}

/** The `edit` command as the CLI builds it, with the global --db. */
function program(): { root: Command; edit: Command } {
  const root = new Command().option('--db <path>').exitOverride()
  registerDatasource(root)
  const edit = root.commands.find((c) => c.name() === 'datasource')?.commands.find((c) => c.name() === 'edit')
  if (!edit) throw new Error('no datasource edit command')
  for (const command of [root, ...root.commands, ...root.commands.flatMap((c) => c.commands)])
    command.exitOverride()
  return { root, edit }
}

async function cli(...args: string[]): Promise<void> {
  await program().root.parseAsync(['--db', join(engine.dir, 'quarry.db'), 'datasource', ...args], {
    from: 'user',
  })
}

/** Every field of a datasource as path → JSON, for comparing all but the ones a flag sets. */
function fields(value: unknown, prefix = ''): Map<string, string> {
  const out = new Map<string, string>()
  if (value !== null && typeof value === 'object' && !Array.isArray(value) && prefix.split('.').length < 2) {
    for (const [key, inner] of Object.entries(value))
      for (const [path, text] of fields(inner, prefix ? `${prefix}.${key}` : key)) out.set(path, text)
  } else {
    out.set(prefix, JSON.stringify(value))
  }
  return out
}

beforeAll(async () => {
  // The CLI's edit opens the store as a command would: with the key from the environment.
  process.env.QUARRY_SECRET_KEY = TEST_SECRET_KEY
  sim = await startTestSim()
  engine = await startTestEngine()
  await cli(
    'add',
    name,
    '--preset',
    'jira-cloud',
    '--client-id',
    TEST_CLIENT.clientId,
    '--client-secret',
    TEST_CLIENT.clientSecret,
    '--redirect-uri',
    REDIRECT_URI,
    '--auth-url',
    sim.url,
    '--api-url',
    sim.url,
  )
  // The consent, as `quarry connect` finishes it: the preset picks the site (hence the base URL).
  const datasource = await loadRestDatasource(engine.store, name, 'test')
  if (datasource.auth.type !== 'oauth2-authorization-code') throw new Error('not 3LO')
  const attempt = await startConsent(datasource.auth)
  const answer = await fetch(attempt.url, { redirect: 'manual' })
  await finishConsent(engine.store, datasource, {
    callback: new URL(answer.headers.get('location') as string),
    attempt,
  })
})

afterAll(async () => {
  await engine?.close()
  await sim?.close()
})

it('every flag of `datasource edit`, one at a time, changes only its own fields; the ready-made query runs after each', async () => {
  const flags = program()
    .edit.options.map((option) => option.long as string)
    .filter((flag) => flag !== '--help')
  expect(
    flags.filter((flag) => !(flag in EDITS)),
    'flags without a line in EDITS',
  ).toEqual([])
  const refused: string[] = []
  for (const flag of flags) {
    const edit = EDITS[flag] as Edit
    const before = (await loadDatasource(engine.store, name)) as unknown as Record<string, unknown>
    let value = edit.value?.(before)
    if (flag === '--refresh-token' || flag === '--access-token') {
      const tokens = (await engine.store.connections.get(name))?.tokens ?? {}
      value = flag === '--refresh-token' ? tokens.refresh_token : tokens.access_token
    }
    try {
      await cli('edit', name, flag, ...(value === undefined ? [] : [value]))
      if (flag === '--rename') name = value as string
    } catch (error) {
      // A flag of another type or kind may be refused: then nothing changed at all.
      expect(isQuarryError(error), `${flag}: ${String(error)}`).toBe(true)
      refused.push(flag)
    }
    const after = (await loadDatasource(engine.store, name)) as unknown as Record<string, unknown>
    const was = fields(before)
    for (const [path, text] of fields(after)) {
      if (edit.changes.some((changed) => path === changed || path.startsWith(`${changed}.`))) continue
      expect(text, `${flag} changed ${path}`).toBe(was.get(path))
    }
    expect(after.preset, `${flag} kept the preset block`).toEqual(before.preset)
    // Fetched anew (not from the cache), so the datasource as edited is what answers.
    const result = await runQuery(engine, { query: 'jira-issues', refresh: true })
    expect(result.fromCache).toBe(false)
    expect(result.rowCount, `jira-issues after ${flag}`).toBeGreaterThan(0)
  }
  console.log(
    `edited ${flags.length} flags one at a time; refused as not for this datasource: ${refused.join(' ')}`,
  )
})
