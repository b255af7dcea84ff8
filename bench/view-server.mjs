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
  const { publicViewStore } = await import('./public-view-store.mjs')
  const { startServer } = await import('../dist/server/start.js')
  const dir = mkdtempSync(join(tmpdir(), 'quarry-bench-view-'))
  const store = await publicViewStore(dir, JSON.parse(config))
  const server = await startServer(store, { host: '127.0.0.1', port: 0, logger: false })
  console.log(`listening on ${server.url}`)
}
