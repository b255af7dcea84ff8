import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createTestSchema, type TestSchema } from '../helpers/postgres.js'
import { parseClientSpec } from '../../src/sim/oauth/clients.js'
import type { RunningSimulator } from '../../src/sim/server.js'
import { TEST_SECRET_KEY } from '../helpers/engine.js'
import { advance, startTestSim, stats } from '../helpers/sim.js'
import { freePort } from '../helpers/quarry-process.mjs'

const bin = new URL('../../bin/quarry.js', import.meta.url).pathname
let dir: string
let sim: RunningSimulator
let callbackPort: number
/** '' for the SQLite file; a schema's URL when the suite runs on PostgreSQL. */
let databaseUrl = ''

function spawnQuarry(...args: string[]): ChildProcessWithoutNullStreams {
  return spawn(process.execPath, [bin, '--db', join(dir, 'q.db'), ...args], {
    env: {
      ...process.env,
      QUARRY_SECRET_KEY: TEST_SECRET_KEY,
      QUARRY_DATABASE_URL: databaseUrl,
      XDG_DATA_HOME: dir,
    },
  })
}

function finished(
  child: ChildProcessWithoutNullStreams,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk) => (stdout += chunk))
  child.stderr.on('data', (chunk) => (stderr += chunk))
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr })))
}

async function quarry(...args: string[]) {
  return finished(spawnQuarry(...args))
}

/** The authorize URL a running `connect` printed. */
function authorizeUrlOf(child: ChildProcessWithoutNullStreams): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = ''
    const onData = (chunk: Buffer) => {
      out += chunk
      const match = /(http:\/\/\S+\/authorize\?\S+)/.exec(out)
      if (match && out.includes('Waiting for the answer') === !out.includes('Paste'))
        resolve(match[1] as string)
      else if (match && out.includes('copy the address')) resolve(match[1] as string)
    }
    child.stdout.on('data', onData)
    child.on('exit', () => reject(new Error(`connect exited before printing a URL: ${out}`)))
  })
}

async function addJira(secret = 'test-secret', consent: 'auto' | 'page' = 'auto') {
  callbackPort = await freePort()
  sim = await startTestSim({
    clients: [
      parseClientSpec(`test-app:test-secret:http://localhost:${callbackPort}/callback,https://example.com`),
    ],
    autoConsent: consent === 'auto' ? { login: 'alice', sites: '*' } : undefined,
  })
  const added = await quarry(
    'datasource',
    'add',
    'jira',
    '--preset',
    'jira-cloud',
    '--client-id',
    'test-app',
    '--client-secret',
    secret,
    '--redirect-uri',
    `http://localhost:${callbackPort}/callback`,
    '--auth-url',
    sim.url,
    '--api-url',
    sim.url,
  )
  expect(added.code, added.stderr).toBe(0)
}

async function notConnected(): Promise<void> {
  const list = await quarry('datasource', 'list')
  expect(list.stdout).toContain('not connected')
  expect(list.stdout).toContain('/ex/jira/not-connected/')
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'quarry-connect-'))
})
afterEach(async () => {
  await sim?.close()
  rmSync(dir, { recursive: true, force: true })
})

describe.each(['sqlite', 'postgres'] as const)('quarry connect on %s', (dialect) => {
  let schema: TestSchema | undefined
  beforeEach(async () => {
    schema = dialect === 'postgres' ? await createTestSchema() : undefined
    databaseUrl = schema?.url ?? ''
  })
  afterEach(async () => {
    await schema?.drop()
    databaseUrl = ''
  })

  it('receives the code on the loopback callback, stores the tokens and picks the site', async () => {
    await addJira()
    const child = spawnQuarry('connect', 'jira', '--no-browser', '--site', 'globex')
    const done = finished(child)
    const redirect =
      (await fetch(await authorizeUrlOf(child), { redirect: 'manual' })).headers.get('location') ?? ''
    expect((await fetch(redirect)).status).toBe(200)
    const { code, stdout, stderr } = await done
    expect(code, stderr).toBe(0)
    expect(stdout).toContain(
      'Connected "jira" to globex (https://globex.atlassian.net) with scopes read:jira-work read:jira-user read:board-scope:jira-software read:sprint:jira-software read:epic:jira-software offline_access.',
    )
    const run = await quarry('run', 'jira-projects', '--format', 'csv')
    expect(run.stdout).toContain('GLX,')
    expect((await stats(sim)).invalidGrants).toBe(0)
  })

  it('works with --paste for a redirect URI this machine cannot receive', async () => {
    await addJira()
    const child = spawnQuarry('connect', 'jira', '--paste', '--site', 'acme')
    const done = finished(child)
    const redirect =
      (await fetch(await authorizeUrlOf(child), { redirect: 'manual' })).headers.get('location') ?? ''
    child.stdin.write(`${redirect}\n`)
    const { code, stdout, stderr } = await done
    expect(code, stderr).toBe(0)
    expect(stdout).toContain('Connected "jira" to acme')
    expect((await quarry('run', 'jira-count')).code).toBe(0)
  })

  it('asks which site when the grant covers several, storing nothing', async () => {
    await addJira()
    const child = spawnQuarry('connect', 'jira', '--no-browser')
    const done = finished(child)
    await fetch(
      (await fetch(await authorizeUrlOf(child), { redirect: 'manual' })).headers.get('location') ?? '',
    )
    const { code, stderr } = await done
    expect(code).toBe(2)
    expect(stderr).toContain(
      'The grant covers several sites: acme (https://acme.atlassian.net), globex (https://globex.atlassian.net). Choose one: quarry connect jira --site NAME',
    )
    await notConnected()
  })

  it('says consent was denied, storing nothing', async () => {
    await addJira('test-secret', 'page')
    const child = spawnQuarry('connect', 'jira', '--no-browser')
    const done = finished(child)
    const form = new URLSearchParams(new URL(await authorizeUrlOf(child)).searchParams)
    form.set('login', 'alice')
    form.set('decision', 'deny')
    const denied = await fetch(`${sim.url}/authorize/consent`, {
      method: 'POST',
      body: form,
      redirect: 'manual',
    })
    await fetch(denied.headers.get('location') ?? '')
    const { code, stderr } = await done
    expect(code).toBe(1)
    expect(stderr).toContain('Consent was denied')
    await notConnected()
  })

  it('refuses a callback with another state, storing nothing', async () => {
    await addJira()
    const child = spawnQuarry('connect', 'jira', '--no-browser')
    const done = finished(child)
    const redirect = new URL(
      (await fetch(await authorizeUrlOf(child), { redirect: 'manual' })).headers.get('location') ?? '',
    )
    redirect.searchParams.set('state', 'forged')
    await fetch(redirect)
    const { code, stderr } = await done
    expect(code).toBe(1)
    expect(stderr).toContain('different state')
    await notConnected()
  })

  it('gives up after --timeout, storing nothing', async () => {
    await addJira()
    const { code, stderr } = await quarry('connect', 'jira', '--no-browser', '--timeout', '1s')
    expect(code).toBe(1)
    expect(stderr).toContain('No answer came back to http://localhost:')
    await notConnected()
  })

  it('stops on Ctrl-C, storing nothing', async () => {
    await addJira()
    const child = spawnQuarry('connect', 'jira', '--no-browser')
    const done = finished(child)
    await authorizeUrlOf(child)
    child.kill('SIGINT')
    const { code, stderr } = await done
    expect(code).toBe(1)
    expect(stderr).toContain('Connect was interrupted. Nothing was stored.')
    await notConnected()
  })

  it('says the token endpoint refused a wrong client secret, storing nothing', async () => {
    await addJira('wrong-secret')
    const child = spawnQuarry('connect', 'jira', '--no-browser', '--site', 'acme')
    const done = finished(child)
    await fetch(
      (await fetch(await authorizeUrlOf(child), { redirect: 'manual' })).headers.get('location') ?? '',
    )
    const { code, stderr } = await done
    expect(code).toBe(1)
    expect(stderr).toContain(
      'refused the client credentials (401 access_denied: Unauthorized): check the datasource',
    )
    expect(stderr).not.toContain('wrong-secret')
    await notConnected()
  })

  it('says an expired code was refused, storing nothing', async () => {
    await addJira()
    const child = spawnQuarry('connect', 'jira', '--paste', '--site', 'acme')
    const done = finished(child)
    const redirect =
      (await fetch(await authorizeUrlOf(child), { redirect: 'manual' })).headers.get('location') ?? ''
    // Codes live 10 minutes.
    await advance(sim, 11 * 60)
    child.stdin.write(`${redirect}\n`)
    const result = await done
    expect(result.code).toBe(1)
    expect(result.stderr).toContain('refused the grant (invalid_grant')
    await notConnected()
  })

  it('says a reused code was refused, storing nothing', async () => {
    await addJira()
    const child = spawnQuarry('connect', 'jira', '--paste', '--site', 'acme')
    const done = finished(child)
    const redirect =
      (await fetch(await authorizeUrlOf(child), { redirect: 'manual' })).headers.get('location') ?? ''
    // Someone used the code first.
    const code = new URL(redirect).searchParams.get('code') ?? ''
    await fetch(`${sim.url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        grant_type: 'authorization_code',
        client_id: 'test-app',
        client_secret: 'test-secret',
        code,
        redirect_uri: `http://localhost:${callbackPort}/callback`,
      }),
    })
    child.stdin.write(`${redirect}\n`)
    const result = await done
    expect(result.code).toBe(1)
    expect(result.stderr).toContain('refused the grant (invalid_grant')
    await notConnected()
  })
})
