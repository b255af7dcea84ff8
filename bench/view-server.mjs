// A server for bench/view.mjs, in its own process: `quarry` (quarry serve with one public, cached
// Jira query on the simulator, a signed-in viewer's session and a public dashboard of four panels of
// that query; without request logs unless the config names a `log` file), `hello` (a bare Fastify
// hello-world) or `hello12k` (the same sending 12 KB). Prints its URL (and, for quarry, the session
// cookie and the dashboard's address on the next line, as JSON).
import { randomBytes } from 'node:crypto'
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
} else if (mode === 'hello12k') {
  // The same Fastify answering a page the size of the cached view's (12 KB): the floor a view can reach.
  const page = Buffer.from(
    '<tr><td>WEB-1</td><td>A row of the table</td></tr>\n'.repeat(242).slice(0, 12 * 1024),
  )
  const app = Fastify({ logger: false })
  app.get('/', (_request, reply) => reply.type('text/html; charset=utf-8').send(page))
  await app.listen({ host: '127.0.0.1', port: 0 })
  console.log(`listening on http://127.0.0.1:${app.server.address().port}`)
} else {
  const { publicViewStore } = await import('./public-view-store.mjs')
  const { startServer } = await import('../dist/server/start.js')
  const { dashboardRowOf } = await import('../dist/engine/index.js')
  const { DashboardSchema } = await import('../dist/domain/dashboard.js')
  const dir = mkdtempSync(join(tmpdir(), 'quarry-bench-view-'))
  const store = await publicViewStore(dir, JSON.parse(config))
  // A viewer signed in (the session is made in the store as signing in makes it).
  await store.accounts.createUser({ name: 'reader', passwordHash: 'x', role: 'viewer', groups: [] })
  const session = randomBytes(32).toString('base64url')
  const now = new Date()
  await store.sessions.create(
    session,
    'reader',
    randomBytes(32).toString('base64url'),
    now,
    new Date(now.getTime() + 3600_000),
  )
  // Four panels of the cached query, each in its own frame of the dashboard page.
  const panels = ['a', 'b', 'c', 'd'].map((id, index) => ({
    id,
    query: 'issues',
    x: (index % 2) * 6,
    y: Math.floor(index / 2) * 4,
    width: 6,
    height: 4,
  }))
  await store.dashboards.create(
    dashboardRowOf(DashboardSchema.parse({ name: 'board', panels, visibility: { public: true } })),
  )
  // With `log`, the request log quarry serve writes by default (pino, a line per request) into that
  // file, as `quarry serve > serve.log` would (pino's own file destination, like its stdout's); else
  // no logs (`--quiet`).
  const { log } = JSON.parse(config)
  const logger = log === undefined ? false : { file: log }
  const server = await startServer(store, { host: '127.0.0.1', port: 0, logger })
  console.log(`listening on ${server.url}`)
  console.log(
    JSON.stringify({
      cookie: `quarry_session=${session}`,
      dashboard: `${server.url}/d/board`,
      panel: `${server.url}/d/board/panel/a?embed=1`,
    }),
  )
}
