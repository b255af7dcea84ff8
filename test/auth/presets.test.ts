import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Command } from 'commander'
import { z } from 'zod'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startConsent } from '../../src/auth/oauth/consent.js'
import { finishConsent } from '../../src/auth/oauth/finish-consent.js'
import { accessibleSites, chooseSite } from '../../src/auth/presets/atlassian-sites.js'
import { allPresets, presetNamed, registerPreset } from '../../src/auth/presets/index.js'
import { definePreset, fieldFlag } from '../../src/auth/presets/preset.js'
import { registerDatasource } from '../../src/cli/datasource.js'
import { PresetBlockSchema, type RestDatasource } from '../../src/domain/datasource.js'
import { loadRestDatasource } from '../../src/engine/index.js'
import { parseClientSpec } from '../../src/sim/oauth/clients.js'
import type { RunningSimulator } from '../../src/sim/server.js'
import { openStore, type Store } from '../../src/store/index.js'
import { runQuarry } from '../helpers/cli.js'
import { TEST_SECRET_KEY } from '../helpers/engine.js'
import { startTestServer, type TestServer } from '../helpers/server.js'
import { startTestSim } from '../helpers/sim.js'

/**
 * Issue 11: a preset is one file shaped like its siblings (src/auth/presets/jira-cloud.ts), and the
 * CLI, the consent and the admin UI's list take it from the registry. A dummy preset, registered
 * here and nowhere else, proves it: created with the CLI's flags, completed by a consent, listed and
 * created through the API.
 */

const REDIRECT = 'http://localhost:8799/callback'
const SERVER_CALLBACK = 'http://quarry.test/api/oauth/callback'

/** A stand-in provider on the simulator's Atlassian endpoints, with one field of its own (`region`). */
const DummyBlock = PresetBlockSchema.extend({
  name: z.literal('dummy-cloud'),
  apiUrl: z.string(),
  region: z.enum(['eu', 'us']),
})
const dummy = definePreset({
  name: 'dummy-cloud',
  // On the simulator's Atlassian endpoints: the server's Atlassian hosts apply.
  provider: 'atlassian',
  form: {
    title: 'Dummy Cloud',
    intro: 'Register an app with Dummy Cloud.',
    next: 'Then press Connect.',
    source: "from Dummy Cloud's app console",
    defaultName: 'dummy',
    fields: [
      { key: 'clientId', label: 'Client ID', kind: 'text', required: true, hint: 'the app id' },
      { key: 'clientSecret', label: 'Client secret', kind: 'secret', required: true, hint: 'its secret' },
      {
        key: 'region',
        label: 'Region',
        kind: 'choice',
        required: true,
        choices: [
          { value: 'eu', label: 'Europe' },
          { value: 'us', label: 'United States' },
        ],
        hint: 'where the data lives',
      },
    ],
  },
  input: z.object({ clientId: z.string(), clientSecret: z.string(), region: z.enum(['eu', 'us']) }),
  block: DummyBlock,
  datasource: (name, input, place) => {
    const apiUrl = place.apiUrl ?? 'https://api.dummy.example'
    const authUrl = place.authUrl ?? 'https://auth.dummy.example'
    return {
      name,
      type: 'rest',
      baseUrl: `${apiUrl}/not-connected`,
      testPath: '/myself',
      headers: [],
      timeoutMs: 30_000,
      maxResponseBytes: 1024 * 1024,
      allowedHosts: [],
      connectionMode: 'shared',
      auth: {
        type: 'oauth2-authorization-code',
        authorizeUrl: `${authUrl}/authorize`,
        tokenUrl: `${authUrl}/oauth/token`,
        clientId: input.clientId,
        clientSecret: input.clientSecret,
        scopes: place.scopes ?? 'read:jira-user offline_access',
        redirectUri: place.redirectUri ?? REDIRECT,
        // The simulator stands in for Atlassian's authorization server, which wants its audience.
        audience: 'api.atlassian.com',
        pkce: false,
        authorizeParams: { prompt: 'consent' },
        clientAuth: 'body',
      },
      preset: { name: 'dummy-cloud', apiUrl, region: input.region },
    }
  },
  queries: (datasource) => [{ name: `${datasource}-me`, datasource, path: '/myself' }],
  async completeConsent(datasource, block, grant) {
    const sites = await accessibleSites(block.apiUrl, grant.accessToken, grant.fetch)
    const site = chooseSite(sites, grant.wantedSite, datasource.name, 'Dummy')
    return {
      datasource: {
        ...datasource,
        baseUrl: `${block.apiUrl}/ex/jira/${site.id}/rest/api/3`,
        preset: { ...block, site },
      },
      site,
      where: ` to ${site.name} in ${block.region}`,
    }
  },
})

let sim: RunningSimulator
let dir: string
let unregister: () => void

beforeAll(async () => {
  sim = await startTestSim({
    clients: [parseClientSpec(`test-app:test-secret:${REDIRECT},${SERVER_CALLBACK}`)],
  })
  dir = mkdtempSync(join(tmpdir(), 'quarry-presets-'))
  unregister = registerPreset(dummy)
})
afterAll(async () => {
  unregister()
  await sim.close()
  rmSync(dir, { recursive: true, force: true })
})

/** `quarry …` in this process, so the CLI sees the preset this test registered. */
async function quarryHere(db: string, ...args: string[]): Promise<void> {
  const program = new Command().option('--db <path>').exitOverride()
  registerDatasource(program)
  const saved = { key: process.env.QUARRY_SECRET_KEY, url: process.env.QUARRY_DATABASE_URL }
  process.env.QUARRY_SECRET_KEY = TEST_SECRET_KEY
  delete process.env.QUARRY_DATABASE_URL
  try {
    await program.parseAsync(['--db', db, ...args], { from: 'user' })
  } finally {
    process.env.QUARRY_SECRET_KEY = saved.key
    if (saved.url !== undefined) process.env.QUARRY_DATABASE_URL = saved.url
  }
}

/** The platform's fetch, remembering every URL it was asked for. */
function recordingFetch(): { fetch: typeof fetch; urls: string[] } {
  const urls: string[] = []
  const recording: typeof fetch = (input, init) => {
    urls.push(input instanceof Request ? input.url : String(input))
    return fetch(input, init)
  }
  return { fetch: recording, urls }
}

/** What a browser does at the simulator's authorize URL (auto-consent): the URL it is sent back to. */
async function consentAt(authorizeUrl: string): Promise<URL> {
  const location = (await fetch(authorizeUrl, { redirect: 'manual' })).headers.get('location')
  if (!location) throw new Error('the simulator did not redirect')
  return new URL(location)
}

describe('a preset registered in one place', () => {
  it('is created with the CLI, its own fields as flags, and completed by a consent through the injected fetch', async () => {
    const db = join(dir, 'cli.db')
    await quarryHere(
      db,
      'datasource',
      'add',
      'things',
      '--preset',
      'dummy-cloud',
      '--client-id',
      'test-app',
      '--client-secret',
      'test-secret',
      fieldFlag('region'),
      'eu',
      '--auth-url',
      sim.url,
      '--api-url',
      sim.url,
    )
    const store: Store = await openStore({ sqlitePath: db, secretKey: TEST_SECRET_KEY })
    try {
      const added = await loadRestDatasource(store, 'things', 'test')
      expect(added.preset).toEqual({ name: 'dummy-cloud', apiUrl: sim.url, region: 'eu' })
      expect(await store.queries.get('things-me')).toBeDefined()

      if (added.auth.type !== 'oauth2-authorization-code') throw new Error('the dummy is 3LO')
      const attempt = await startConsent(added.auth)
      const transport = recordingFetch()
      const { where } = await finishConsent(store, added, {
        callback: await consentAt(attempt.url),
        attempt,
        wantedSite: 'acme',
        fetch: transport.fetch,
      })

      expect(where).toBe(' to acme in eu')
      const connected: RestDatasource = await loadRestDatasource(store, 'things', 'test')
      expect(connected.preset).toMatchObject({ region: 'eu', site: { name: 'acme' } })
      expect(connected.baseUrl).toMatch(new RegExp(`^${sim.url}/ex/jira/[^/]+/rest/api/3$`))
      expect((await store.connections.get('things'))?.site).toMatchObject({ name: 'acme' })
      // The token exchange and the preset's own request, both on the transport given (STYLE 3).
      expect(transport.urls).toEqual([
        `${sim.url}/oauth/token`,
        `${sim.url}/oauth/token/accessible-resources`,
      ])
    } finally {
      await store.close()
    }
  })

  it('names a missing field by its CLI flag, storing nothing', async () => {
    const db = join(dir, 'missing.db')
    await expect(
      quarryHere(db, 'datasource', 'add', 'things', '--preset', 'dummy-cloud', '--client-id', 'test-app'),
    ).rejects.toThrow(
      "The dummy-cloud preset needs --client-secret and --region from Dummy Cloud's app console.",
    )
  })

  it('is listed for the admin UI with its form, and created through the API', async () => {
    const server: TestServer = await startTestServer({ atlassian: { authUrl: sim.url, apiUrl: sim.url } })
    try {
      const admin = await server.signIn('ada', 'admin')
      const listed = (await server.as(admin, { url: '/api/presets' })).json()
      expect(listed.map((p: { name: string }) => p.name)).toEqual(allPresets().map((p) => p.name))
      expect(listed.find((p: { name: string }) => p.name === 'dummy-cloud')).toMatchObject({
        title: 'Dummy Cloud',
        defaultName: 'dummy',
        fields: [{ key: 'clientId' }, { key: 'clientSecret', kind: 'secret' }, { key: 'region' }],
        queries: ['{name}-me'],
      })

      const created = await server.as(admin, {
        method: 'POST',
        url: '/api/presets/dummy-cloud/datasources',
        payload: { name: 'dummy', clientId: 'test-app', clientSecret: 'test-secret', region: 'us' },
      })
      expect(created.statusCode, created.body).toBe(201)
      expect(created.json()).toMatchObject({
        preset: { name: 'dummy-cloud', region: 'us' },
        auth: { clientSecret: '••••••', redirectUri: SERVER_CALLBACK, authorizeUrl: `${sim.url}/authorize` },
      })
      const wrong = await server.as(admin, {
        method: 'POST',
        url: '/api/presets/dummy-cloud/datasources',
        payload: { name: 'dummy2', clientId: 'test-app', clientSecret: 'test-secret', region: 'mars' },
      })
      expect(wrong.json().error).toMatchObject({ code: 'QUARRY_CONFIG_INVALID' })
      expect(wrong.json().error.message).toContain('region:')
    } finally {
      await server.close()
    }
  })
})

describe('creating from a preset', () => {
  it('refuses, in the CLI as in the server, a preset whose query names are taken, storing nothing', async () => {
    const where = { db: join(dir, 'clash.db'), dir }
    expect((await runQuarry(where, 'datasource', 'add', 'other', '--url', 'https://example.com')).code).toBe(
      0,
    )
    expect(
      (await runQuarry(where, 'query', 'add', 'jira-issues', '--datasource', 'other', '--path', '/')).code,
    ).toBe(0)
    const added = await runQuarry(
      where,
      ...['datasource', 'add', 'jira', '--preset', 'jira-cloud', '--client-id', 'a', '--client-secret', 'b'],
    )
    expect(added.code).toBe(2)
    expect(added.stderr).toContain('A query named "jira-issues" exists already')
    expect((await runQuarry(where, 'datasource', 'list')).stdout).not.toContain('jira')

    const server = await startTestServer()
    try {
      const admin = await server.signIn('ada', 'admin')
      await server.engine.addDatasource({ name: 'other', type: 'rest', baseUrl: 'https://example.com' })
      await server.engine.addQuery({ name: 'jira-issues', datasource: 'other', path: '/' })
      const refused = await server.as(admin, {
        method: 'POST',
        url: '/api/presets/jira-cloud/datasources',
        payload: { name: 'jira', clientId: 'a', clientSecret: 'b' },
      })
      expect(refused.statusCode).toBe(409)
      expect(refused.json().error.code).toBe('QUARRY_QUERY_EXISTS')
      expect(await server.engine.store.datasources.get('jira')).toBeUndefined()
    } finally {
      await server.close()
    }
  })

  it('names the presets there are when asked for another', () => {
    expect(() => presetNamed('nope')).toThrow(/There is no preset "nope"; the presets are jira-cloud/)
  })
})

describe('a preset block that comes in whole', () => {
  it('is checked by its own preset over the API: an unknown preset or a broken block is refused', async () => {
    const server = await startTestServer()
    try {
      const admin = await server.signIn('ada', 'admin')
      const post = (preset: Record<string, unknown>) =>
        server.as(admin, {
          method: 'POST',
          url: '/api/datasources',
          payload: { name: 'x', type: 'rest', baseUrl: 'https://example.com', preset },
        })
      const broken = (await post({ name: 'jira-cloud' })).json().error
      expect(broken.code).toBe('QUARRY_CONFIG_INVALID')
      expect(broken.message).toContain('has a jira-cloud preset block Quarry cannot read (apiUrl:')
      const unknown = (await post({ name: 'nope' })).json().error
      expect(unknown.message).toContain('There is no preset "nope"')
      expect(await server.engine.store.datasources.get('x')).toBeUndefined()
    } finally {
      await server.close()
    }
  })
})

describe('datasource edit on a preset datasource (issue 14)', () => {
  it('keeps the preset block, so the next consent still picks the site', async () => {
    const where = { db: join(dir, 'edit.db'), dir }
    const add = [
      'datasource',
      'add',
      'jira',
      '--preset',
      'jira-cloud',
      '--client-id',
      'a',
      '--client-secret',
      'b',
    ]
    expect((await runQuarry(where, ...add, '--api-version', '2')).code).toBe(0)
    expect((await runQuarry(where, 'datasource', 'edit', 'jira', '--timeout', '10s')).code).toBe(0)
    const shown = JSON.parse((await runQuarry(where, 'datasource', 'show', 'jira')).stdout)
    expect(shown.timeoutMs).toBe(10_000)
    expect(shown.preset).toEqual({ name: 'jira-cloud', apiUrl: 'https://api.atlassian.com', apiVersion: 2 })
  })
})
