import { startOidcProvider, type ApiAnswer, type RunningOidcProvider } from './oidc-provider.js'
import {
  startProviderFront,
  type FrontAnswer,
  type RunningFront,
  type TokenAnswer,
} from './provider-front.js'

/**
 * `oidc-provider` made to behave like Atlassian's 3LO for Confluence Cloud (issue 14): an issuer that
 * is a bare origin, no `iss` in the callback, no ID token (no OpenID scopes), a refresh token with
 * offline_access and consent, rotation on every refresh. A real HTTP front (provider-front.ts) gives it
 * Atlassian's paths (/authorize, /oauth/token) and answers a refused refresh token as Atlassian does —
 * 403 `{"error":"invalid_grant","error_description":"Unknown or invalid refresh token."}`
 * (docs/atlassian.md) — passing every other answer through. What oidc-provider cannot mimic is
 * Atlassian's 10-minute reuse grace (the simulator has it: test/auth/lost-refresh.test.ts). The API
 * is a resource server that accepts only the provider's live access tokens and answers
 * accessible-resources and the Confluence endpoints the ready-made queries use, in the shapes of
 * Atlassian's Confluence REST v2 and v1 search.
 */

export const CLIENT = { client_id: 'confluence-app', client_secret: 'confluence-secret' }
export const CLOUD_ID = 'c0ffee00-1111-2222-3333-444455556666'
export const SITE = 'https://acme.atlassian.net'
export const SCOPES = ['read:space:confluence', 'read:page:confluence', 'search:confluence']
export const DEFAULT_CQL = 'type = page AND lastmodified >= now("-30d") ORDER BY lastmodified DESC'

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
  return (url: URL): ApiAnswer | undefined => {
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

export interface AtlassianLike {
  readonly idp: RunningOidcProvider
  readonly front: RunningFront
  /** Every API request's path and query. */
  readonly apiRequests: string[]
  close(): Promise<void>
}

/** The Atlassian-like provider, its front (the preset's auth URL) and gateway (`idp.resourceUrl`, the preset's API URL). */
export async function startAtlassianLike(redirectUris: readonly string[]): Promise<AtlassianLike> {
  const apiRequests: string[] = []
  const idp = await startOidcProvider({
    path: '/',
    issInCallback: false,
    clients: [
      {
        ...CLIENT,
        token_endpoint_auth_method: 'client_secret_post',
        redirect_uris: [...redirectUris],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
      },
    ],
    scopes: SCOPES,
    rotateRefreshTokens: true,
    api: confluenceApi(apiRequests),
  })
  const front = await startProviderFront(idp, {
    authorizePath: '/authorize',
    tokenPath: '/oauth/token',
    rewrite: asAtlassian,
  })
  return {
    idp,
    front,
    apiRequests,
    close: async () => {
      await front.close()
      await idp.close()
    },
  }
}
