import { afterEach, describe, expect, it } from 'vitest'
import { startConsent } from '../../src/auth/oauth/consent.js'
import { finishConsent } from '../../src/auth/oauth/finish-consent.js'
import { reuseGraceOf } from '../../src/auth/oauth/reuse-grace.js'
import { refreshIdle } from '../../src/auth/keep-alive.js'
import { createFromPreset } from '../../src/auth/presets/create-from-preset.js'
import { presetNamed } from '../../src/auth/presets/index.js'
import { QuarryError } from '../../src/domain/errors.js'
import { loadRestDatasource, runQuery } from '../../src/engine/index.js'
import {
  CLIENT,
  CLOUD_ID,
  SCOPES,
  SITE,
  startAtlassianLike,
  type AtlassianLike,
} from '../helpers/atlassian-like.js'
import { startTestEngine, type TestEngine } from '../helpers/engine.js'
import { startTestServer } from '../helpers/server.js'

/**
 * The Confluence Cloud preset (issue 14) against `oidc-provider` made to behave like Atlassian's 3LO,
 * with a front for what it cannot be told to do (test/helpers/atlassian-like.ts): connect to the site,
 * refresh with rotation, Atlassian's 403 invalid_grant, a wrong secret, and the ready-made queries
 * through a gateway-shaped API.
 */

const REDIRECT = 'http://127.0.0.1:8765/callback'
let engine: TestEngine | undefined
let atlassian: AtlassianLike | undefined
afterEach(async () => {
  await atlassian?.close()
  await engine?.close()
  engine = atlassian = undefined
})

async function setUp(clientSecret = CLIENT.client_secret): Promise<AtlassianLike> {
  atlassian = await startAtlassianLike([REDIRECT])
  engine = await startTestEngine()
  await createFromPreset(engine.store, {
    preset: 'confluence-cloud',
    name: 'wiki',
    given: { clientId: CLIENT.client_id, clientSecret },
    place: { authUrl: atlassian.front.url, apiUrl: atlassian.idp.resourceUrl, redirectUri: REDIRECT },
    fieldName: (key) => key,
  })
  return atlassian
}

async function connect() {
  const store = (engine as TestEngine).store
  const datasource = await loadRestDatasource(store, 'wiki', 'test')
  if (datasource.auth.type !== 'oauth2-authorization-code') throw new Error('3LO expected')
  const attempt = await startConsent(datasource.auth)
  expect(new URL(attempt.url).searchParams.get('audience')).toBe('api.atlassian.com')
  const callback = new URL(await (atlassian as AtlassianLike).idp.consent(attempt.url))
  return finishConsent(store, datasource, { callback, attempt })
}

async function rows(query: string, params?: Record<string, string>): Promise<unknown[]> {
  const result = await runQuery(engine as TestEngine, { query, ...(params ? { params } : {}) })
  return JSON.parse(result.rowsJson) as unknown[]
}

describe('the confluence-cloud preset', () => {
  it("builds Atlassian's 3LO, the Confluence gateway and cursor-paged queries", () => {
    const preset = presetNamed('confluence-cloud')
    const datasource = preset.datasource('wiki', { clientId: 'app', clientSecret: 's' }, {})
    expect(datasource).toMatchObject({
      baseUrl: 'https://api.atlassian.com/ex/confluence/not-connected',
      testPath: '/wiki/api/v2/spaces?limit=1',
      auth: {
        authorizeUrl: 'https://auth.atlassian.com/authorize',
        tokenUrl: 'https://auth.atlassian.com/oauth/token',
        audience: 'api.atlassian.com',
        scopes: 'read:space:confluence read:page:confluence search:confluence offline_access',
        pkce: false,
        authorizeParams: { prompt: 'consent' },
      },
      preset: { name: 'confluence-cloud', apiUrl: 'https://api.atlassian.com' },
    })
    expect(preset.queries('wiki').map((q) => q.name)).toEqual(['wiki-spaces', 'wiki-pages', 'wiki-search'])
    // The grace is the preset's, whatever the token URL says.
    const { auth } = datasource
    if (auth.type !== 'oauth2-authorization-code') throw new Error('3LO expected')
    expect(
      reuseGraceOf({ ...datasource, auth: { ...auth, tokenUrl: 'http://127.0.0.1:1/oauth/token' } }),
    ).toBe(600_000)
  })
})

describe('the confluence-cloud preset in the server', () => {
  it("is listed by /api/presets, and created through the API on the server's Atlassian hosts", async () => {
    const server = await startTestServer({
      atlassian: { authUrl: 'http://auth.atlassian.test', apiUrl: 'http://api.atlassian.test' },
    })
    try {
      const admin = await server.signIn('ada', 'admin')
      const listed = (await server.as(admin, { url: '/api/presets' })).json() as { name: string }[]
      expect(listed.find((p) => p.name === 'confluence-cloud')).toMatchObject({
        title: 'Confluence Cloud',
        fields: [{ key: 'clientId' }, { key: 'clientSecret', kind: 'secret' }],
        queries: ['{name}-spaces', '{name}-pages', '{name}-search'],
      })
      const created = await server.as(admin, {
        method: 'POST',
        url: '/api/presets/confluence-cloud/datasources',
        payload: { name: 'wiki', clientId: CLIENT.client_id, clientSecret: CLIENT.client_secret },
      })
      expect(created.statusCode, created.body).toBe(201)
      expect(created.json()).toMatchObject({
        baseUrl: 'http://api.atlassian.test/ex/confluence/not-connected',
        preset: { name: 'confluence-cloud', apiUrl: 'http://api.atlassian.test' },
        auth: {
          authorizeUrl: 'http://auth.atlassian.test/authorize',
          redirectUri: 'http://quarry.test/api/oauth/callback',
        },
      })
    } finally {
      await server.close()
    }
  })
})

describe('Confluence Cloud against an Atlassian-shaped provider', () => {
  it('connects to the one site, and the ready-made queries run through the gateway, page after page', async () => {
    await setUp()
    const { where, scope } = await connect()
    expect(where).toBe(` to acme (${SITE})`)
    expect(scope.split(' ')).toEqual(expect.arrayContaining([...SCOPES, 'offline_access']))
    const datasource = await loadRestDatasource((engine as TestEngine).store, 'wiki', 'test')
    expect(datasource.baseUrl).toBe(`${atlassian?.idp.resourceUrl}/ex/confluence/${CLOUD_ID}`)
    expect(datasource.preset?.site).toEqual({ id: CLOUD_ID, name: 'acme', url: SITE })

    expect(await rows('wiki-spaces')).toEqual([
      { Id: '98306', Key: 'ENG', Name: 'Engineering', Type: 'global', Status: 'current' },
      { Id: '98307', Key: '~alice', Name: 'Alice', Type: 'personal', Status: 'current' },
    ])
    expect(await rows('wiki-pages', { spaceId: '98306' })).toEqual([
      { Id: '1001', Title: 'Runbook', Status: 'current', Version: 4, Created: '2026-10-01 08:00' },
    ])
    expect(await rows('wiki-search')).toEqual([
      {
        Title: 'Runbook',
        Type: 'page',
        Space: 'Engineering',
        Modified: '2026-11-20 10:00',
        Url: '/spaces/ENG/pages/1001/Runbook',
      },
      {
        Title: 'Release notes',
        Type: 'blogpost',
        Space: 'Engineering',
        Modified: '2026-11-25 16:45',
        Url: '/spaces/ENG/blog/1002',
      },
    ])
    // The second pages stayed on the gateway's path, with the cursor the next links carried.
    expect(atlassian?.apiRequests).toContain(
      `/ex/confluence/${CLOUD_ID}/wiki/api/v2/spaces?limit=250&cursor=c-2`,
    )
    expect(
      atlassian?.apiRequests.some(
        (r: string) => r.includes('/wiki/rest/api/search?') && r.includes('cursor=s-2'),
      ),
    ).toBe(true)
    expect(atlassian?.idp.refused()).toBe(0)
  })

  it('refreshes with rotation, and the query runs with the new token', async () => {
    await setUp()
    await connect()
    const before = (await engine?.store.connections.get('wiki'))?.tokens.refresh_token
    const [result] = await refreshIdle((engine as TestEngine).store, { olderThanMs: 0 })
    expect(result?.outcome).toBe('refreshed')
    const after = (await engine?.store.connections.get('wiki'))?.tokens.refresh_token
    expect(after).toBeDefined()
    expect(after).not.toBe(before)
    expect((await rows('wiki-spaces')).length).toBe(2)
    expect(atlassian?.front.tokenRequests()).toEqual(['authorization_code', 'refresh_token'])
  })

  it("marks the connection for consent on Atlassian's 403 invalid_grant", async () => {
    await setUp()
    await connect()
    await engine?.store.connections.withLock('wiki', (current, save) =>
      save({
        ...(current as NonNullable<typeof current>),
        tokens: { ...current?.tokens, refresh_token: 'unknown' },
      }),
    )
    const [result] = await refreshIdle((engine as TestEngine).store, { olderThanMs: 0 })
    expect(result?.outcome).toBe('needs_consent')
    expect(result?.message).toContain('invalid_grant: Unknown or invalid refresh token.')
    expect((await engine?.store.connections.get('wiki'))?.status).toBe('needs_consent')
  })

  it('names the token exchange when the client secret is wrong, storing nothing', async () => {
    await setUp('wrong-secret')
    const error = await connect().then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(QuarryError)
    expect((error as QuarryError).code).toBe('QUARRY_OAUTH_TOKEN_ERROR')
    expect((error as QuarryError).message).toMatch(
      /^Token exchange failed: .* refused the client credentials/,
    )
    expect((error as QuarryError).message).not.toContain('wrong-secret')
    expect(await engine?.store.connections.get('wiki')).toBeUndefined()
  })
})
