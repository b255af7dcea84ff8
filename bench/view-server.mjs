// A server for bench/view.mjs, in its own process: `quarry` (quarry serve with one public,
// cached Jira query on the simulator) or `hello` (a bare Fastify hello-world). Prints its URL.
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Fastify from 'fastify'

const [mode, config] = process.argv.slice(2)
// Exit on SIGTERM through process.exit, so `node --cpu-prof bench/view-server.mjs` writes its profile.
process.on('SIGTERM', () => process.exit(0))

if (mode === 'hello') {
  const app = Fastify({ logger: false })
  app.get('/', async () => ({ hello: 'world' }))
  await app.listen({ host: '127.0.0.1', port: 0 })
  console.log(`listening on http://127.0.0.1:${app.server.address().port}`)
} else {
  const { simUrl, cloudId, tokens } = JSON.parse(config)
  const { DatasourceSchema, splitSecrets } = await import('../dist/domain/datasource.js')
  const { QuerySchema } = await import('../dist/domain/query.js')
  const { openStore } = await import('../dist/store/index.js')
  const { startServer } = await import('../dist/server/start.js')
  const dir = mkdtempSync(join(tmpdir(), 'quarry-bench-view-'))
  const store = await openStore({
    sqlitePath: join(dir, 'q.db'),
    secretKey: Buffer.alloc(32, 5).toString('base64'),
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
  const server = await startServer(store, { host: '127.0.0.1', port: 0, logger: false })
  console.log(`listening on ${server.url}`)
}
