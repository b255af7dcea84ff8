import type { IncomingMessage } from 'node:http'
import { afterEach, describe, expect, it } from 'vitest'
import { startConsent } from '../../src/auth/oauth/consent.js'
import { finishConsent } from '../../src/auth/oauth/finish-consent.js'
import { reuseGraceOf } from '../../src/auth/oauth/reuse-grace.js'
import { refreshIdle } from '../../src/auth/keep-alive.js'
import { createFromPreset } from '../../src/auth/presets/create-from-preset.js'
import { presetNamed } from '../../src/auth/presets/index.js'
import { QuarryError } from '../../src/domain/errors.js'
import { loadRestDatasource, runQuery } from '../../src/engine/index.js'
import { startTestEngine, type TestEngine } from '../helpers/engine.js'
import { startOidcProvider, type ApiAnswer, type RunningOidcProvider } from '../helpers/oidc-provider.js'
import {
  startProviderFront,
  type FrontAnswer,
  type RunningFront,
  type TokenAnswer,
} from '../helpers/provider-front.js'

/**
 * The Confluence Cloud preset (issue 14) against `oidc-provider` made to behave like Atlassian's 3LO:
 * an issuer that is a bare origin, no `iss` in the callback, no ID token (no OpenID scopes), a refresh
 * token with offline_access and consent, rotation on every refresh. A real HTTP front
 * (test/helpers/provider-front.ts) gives it Atlassian's paths (/authorize, /oauth/token) and answers a
 * refused refresh token as Atlassian does — 403 `{"error":"invalid_grant","error_description":"Unknown
 * or invalid refresh token."}` (docs/atlassian.md) — and passes every other answer through. What
 * oidc-provider cannot mimic is Atlassian's 10-minute reuse grace: that is the preset's field, tested
 * with the simulator (test/auth/lost-refresh.test.ts). The API is a resource server that accepts only
 * the provider's live access tokens and answers accessible-resources and the Confluence endpoints
 * the ready-made queries use, in the shapes of Atlassian's Confluence REST v2 and v1 search.
 */

const REDIRECT = 'http://127.0.0.1:8765/callback'
const CLIENT = { client_id: 'confluence-app', client_secret: 'confluence-secret' }
const CLOUD_ID = 'c0ffee00-1111-2222-3333-444455556666'
const SITE = 'https://acme.atlassian.net'
const SCOPES = ['read:space:confluence', 'read:page:confluence', 'search:confluence']
const DEFAULT_CQL = 'type = page AND lastmodified >= now("-30d") ORDER BY lastmodified DESC'

/** Atlassian's answer to a refresh token it does not know; everything else as oidc-provider gave it. */
function asAtlassian({ status, body, grantType }: TokenAnswer): FrontAnswer {
  if (grantType === 'refresh_token' && body.error === 'invalid_grant') {
    return {
      status: 403,
      body: { error: 'invalid_grant', error_description: 'Unknown or invalid refresh token.' },
    }
  }
  return { status, body }
}

const SPACES = [
  {
    id: '98306',
    key: 'ENG',
    name: 'Engineering',
    type: 'global',
    status: 'current',
    authorId: 'u1',
    createdAt: '2025-01-10T08:00:00.000Z',
    homepageId: '1000',
    description: null,
    icon: null,
    _links: { webui: '/spaces/ENG' },
  },
  {
    id: '98307',
    key: '~alice',
    name: 'Alice',
    type: 'personal',
    status: 'current',
    authorId: 'u1',
    createdAt: '2025-02-01T08:00:00.000Z',
    homepageId: '2000',
    description: null,
    icon: null,
    _links: { webui: '/spaces/~alice' },
  },
]
const PAGE = {
  id: '1001',
  status: 'current',
  title: 'Runbook',
  spaceId: '98306',
  parentId: '1000',
  parentType: 'page',
  position: 1,
  authorId: 'u1',
  ownerId: 'u1',
  lastOwnerId: null,
  createdAt: '2026-10-01T08:00:00.000Z',
  version: {
    createdAt: '2026-11-20T10:00:00.000Z',
    message: '',
    number: 4,
    minorEdit: false,
    authorId: 'u1',
  },
  body: {},
  _links: {
    webui: '/spaces/ENG/pages/1001/Runbook',
    editui: '/pages/resumedraft.action?draftId=1001',
    tinyui: '/x/6QM',
  },
}
const SEARCH_RESULTS = [
  {
    content: { id: '1001', type: 'page', status: 'current', title: 'Runbook' },
    title: 'Runbook',
    excerpt: 'How to…',
    url: '/spaces/ENG/pages/1001/Runbook',
    resultGlobalContainer: { title: 'Engineering', displayUrl: '/spaces/ENG' },
    breadcrumbs: [],
    entityType: 'content',
    iconCssClass: 'aui-icon content-type-page',
    lastModified: '2026-11-20T10:00:00.000Z',
    friendlyLastModified: 'Nov 20, 2026',
    score: 1,
  },
  {
    content: { id: '1002', type: 'blogpost', status: 'current', title: 'Release notes' },
    title: 'Release notes',
    excerpt: '',
    url: '/spaces/ENG/blog/1002',
    resultGlobalContainer: { title: 'Engineering', displayUrl: '/spaces/ENG' },
    breadcrumbs: [],
    entityType: 'content',
    iconCssClass: 'aui-icon content-type-blogpost',
    lastModified: '2026-11-25T16:45:00.000Z',
    friendlyLastModified: 'Nov 25, 2026',
    score: 0.8,
  },
]

/** Atlassian's gateway for one site: accessible-resources and the Confluence endpoints, cursor-paged. */
function confluenceApi(requests: string[]) {
  const wiki = `/ex/confluence/${CLOUD_ID}/wiki`
  return (req: IncomingMessage): ApiAnswer | undefined => {
    const url = new URL(req.url ?? '/', 'http://gateway.invalid')
    requests.push(`${url.pathname}${url.search}`)
    if (url.pathname === '/oauth/token/accessible-resources') {
      return {
        body: [{ id: CLOUD_ID, name: 'acme', url: SITE, scopes: SCOPES, avatarUrl: `${SITE}/avatar.png` }],
      }
    }
    const cursor = url.searchParams.get('cursor')
    if (url.pathname === `${wiki}/api/v2/spaces`) {
      // The next link is relative to the site (/wiki/…), not to the gateway's /ex/confluence/{cloudId}.
      const next = '/wiki/api/v2/spaces?limit=250&cursor=c-2'
      return cursor === null
        ? {
            headers: { link: `<${next}>; rel="next", <${SITE}/wiki>; rel="base"` },
            body: { results: [SPACES[0]], _links: { next, base: `${SITE}/wiki` } },
          }
        : { body: { results: cursor === 'c-2' ? [SPACES[1]] : [], _links: { base: `${SITE}/wiki` } } }
    }
    if (url.pathname === `${wiki}/api/v2/spaces/98306/pages`)
      return { body: { results: [PAGE], _links: { base: `${SITE}/wiki` } } }
    if (url.pathname === `${wiki}/rest/api/search` && url.searchParams.get('cql') === DEFAULT_CQL) {
      const cql = encodeURIComponent(DEFAULT_CQL)
      const page = (index: number, next?: string) => ({
        results: [SEARCH_RESULTS[index]],
        start: index,
        limit: 50,
        size: 1,
        totalSize: 2,
        cqlQuery: DEFAULT_CQL,
        searchDuration: 12,
        _links: { base: `${SITE}/wiki`, context: '/wiki', ...(next ? { next } : {}) },
      })
      return cursor === null
        ? { body: page(0, `/rest/api/search?next=true&cursor=s-2&limit=50&start=1&cql=${cql}`) }
        : { body: page(1) }
    }
    return undefined
  }
}

let engine: TestEngine | undefined
let idp: RunningOidcProvider | undefined
let front: RunningFront | undefined
let apiRequests: string[] = []
afterEach(async () => {
  await front?.close()
  await idp?.close()
  await engine?.close()
  engine = idp = front = undefined
  apiRequests = []
})

async function setUp(clientSecret = CLIENT.client_secret): Promise<void> {
  idp = await startOidcProvider({
    path: '/',
    issInCallback: false,
    clients: [
      {
        ...CLIENT,
        token_endpoint_auth_method: 'client_secret_post',
        redirect_uris: [REDIRECT],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
      },
    ],
    scopes: SCOPES,
    rotateRefreshTokens: true,
    api: confluenceApi(apiRequests),
  })
  front = await startProviderFront(idp, {
    authorizePath: '/authorize',
    tokenPath: '/oauth/token',
    rewrite: asAtlassian,
  })
  engine = await startTestEngine()
  await createFromPreset(engine.store, {
    preset: 'confluence-cloud',
    name: 'wiki',
    given: { clientId: CLIENT.client_id, clientSecret },
    place: { authUrl: front.url, apiUrl: idp.resourceUrl, redirectUri: REDIRECT },
    fieldName: (key) => key,
  })
}

async function connect() {
  const store = (engine as TestEngine).store
  const datasource = await loadRestDatasource(store, 'wiki', 'test')
  if (datasource.auth.type !== 'oauth2-authorization-code') throw new Error('3LO expected')
  const attempt = await startConsent(datasource.auth)
  expect(new URL(attempt.url).searchParams.get('audience')).toBe('api.atlassian.com')
  const callback = new URL(await (idp as RunningOidcProvider).consent(attempt.url))
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

describe('Confluence Cloud against an Atlassian-shaped provider', () => {
  it('connects to the one site, and the ready-made queries run through the gateway, page after page', async () => {
    await setUp()
    const { where, scope } = await connect()
    expect(where).toBe(` to acme (${SITE})`)
    expect(scope.split(' ')).toEqual(expect.arrayContaining([...SCOPES, 'offline_access']))
    const datasource = await loadRestDatasource((engine as TestEngine).store, 'wiki', 'test')
    expect(datasource.baseUrl).toBe(`${idp?.resourceUrl}/ex/confluence/${CLOUD_ID}`)
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
    expect(apiRequests).toContain(`/ex/confluence/${CLOUD_ID}/wiki/api/v2/spaces?limit=250&cursor=c-2`)
    expect(apiRequests.some((r) => r.includes('/wiki/rest/api/search?') && r.includes('cursor=s-2'))).toBe(
      true,
    )
    expect(idp?.refused()).toBe(0)
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
    expect(front?.tokenRequests()).toEqual(['authorization_code', 'refresh_token'])
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
