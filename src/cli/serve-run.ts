import { startServer } from '../server/start.js'
import { openCliStore, type StoreFlags } from './context.js'
import { CliError } from './errors.js'

interface ServeFlags {
  readonly host: string
  readonly port: string
  readonly publicUrl?: string
  readonly frameAncestor?: string[]
  readonly quiet?: boolean
}

export async function serve(flags: ServeFlags, global: StoreFlags): Promise<void> {
  const port = Number(flags.port)
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new CliError(`--port must be a port number (0–65535), got "${flags.port}"`, 2)
  const store = await openCliStore(global)
  const server = await startServer(store, {
    host: flags.host,
    port,
    ...(flags.publicUrl ? { publicUrl: flags.publicUrl.replace(/\/+$/, '') } : {}),
    frameAncestors: flags.frameAncestor ?? [],
    logger: flags.quiet ? false : true,
  })
  console.log(
    `quarry serve: listening on ${server.url}  (admin UI ${server.url}/admin/, API docs ${server.url}/api/docs)`,
  )
  if (server.setupUrl)
    console.log(`First start: create the admin at ${server.setupUrl}  (the link works once)`)
  // A library deep in a request (a chart renderer, say) that rejects where nobody listens must cost
  // that request, not every user's server.
  process.on('unhandledRejection', (reason) =>
    server.app.log.error({ err: reason }, 'unhandled rejection; the server keeps running'),
  )
  let stopping = false
  const stop = (signal: string) => {
    if (stopping) return
    stopping = true
    console.log(`quarry serve: ${signal}, finishing requests in flight …`)
    void server
      .close()
      .then(() => store.close())
      .then(() => console.log('quarry serve: stopped'))
  }
  process.once('SIGINT', () => stop('SIGINT'))
  process.once('SIGTERM', () => stop('SIGTERM'))
}
