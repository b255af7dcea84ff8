// Shared by the view and server-start benches: a SQLite store in `dir` holding a Jira datasource
// on the simulator (connected with `tokens`) and one public query, `issues`, cached for an hour.
import { join } from 'node:path'
import { DatasourceSchema, splitSecrets } from '../dist/domain/datasource.js'
import { QuerySchema } from '../dist/domain/query.js'
import { openStore } from '../dist/store/index.js'

/** The store's secret key (base64): a process that opens the store again needs it. */
export const PUBLIC_VIEW_KEY = Buffer.alloc(32, 5).toString('base64')

/** Creates the store in `dir` (q.db; or on PostgreSQL at `databaseUrl`) and returns it open. */
export async function publicViewStore(dir, { simUrl, cloudId, tokens, databaseUrl }) {
  const store = await openStore({
    ...(databaseUrl === undefined ? { sqlitePath: join(dir, 'q.db') } : { databaseUrl }),
    secretKey: PUBLIC_VIEW_KEY,
    dataDir: dir,
  })
  const datasource = DatasourceSchema.parse({
    name: 'jira',
    type: 'rest',
    baseUrl: `${simUrl}/ex/jira/${cloudId}/rest/api/3`,
    auth: {
      type: 'oauth2-authorization-code',
      authorizeUrl: `${simUrl}/authorize`,
      tokenUrl: `${simUrl}/oauth/token`,
      clientId: 'bench',
      clientSecret: 'bench-secret',
      scopes: 'read:jira-work offline_access',
      redirectUri: 'http://localhost:8765/callback',
    },
  })
  const { config: stored, secrets } = splitSecrets(datasource)
  await store.datasources.create({ name: 'jira', type: 'rest', config: stored, secrets })
  await store.connections.put('jira', {
    tokens: { access_token: tokens.access_token, refresh_token: tokens.refresh_token },
    accessExpiresAt: new Date(Date.now() + 3000_000),
    status: 'connected',
    statusMessage: null,
    scope: tokens.scope,
    site: null,
    lastRefreshAt: new Date(),
    lastUsedAt: null,
  })
  const {
    name,
    datasource: ds,
    ...definition
  } = QuerySchema.parse({
    name: 'issues',
    datasource: 'jira',
    path: '/search/jql?jql=:jql&fields=summary,status&maxResults=50',
    params: [
      {
        name: 'jql',
        type: 'string',
        default: 'project = DEMO ORDER BY key ASC',
        // The bench's anonymous first views ask for this search; visitors may ask for nothing else.
        visitorInput: { allowed: ['project = WEB AND key <= WEB-20 ORDER BY key ASC'] },
      },
    ],
    pagination: { type: 'next-page-token' },
    maxPages: 2,
    cacheTtlSeconds: 3600,
    visibility: { public: true },
    converter: `function convert(json) {
  return JSON.parse(json).issues.map(issue => ({ Key: issue.key, Summary: issue.fields.summary, Status: issue.fields.status.name }))
}`,
  })
  await store.queries.create({ name, datasource: ds, definition })
  return store
}
