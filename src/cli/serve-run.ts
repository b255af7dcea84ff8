import { SYSTEM_ACTOR } from '../domain/audit.js'
import { isIP } from 'node:net'
import { startServer } from '../server/start.js'
import { openCliStore, type StoreFlags } from './context.js'
import { CliError } from './errors.js'

interface ServeFlags {
  readonly host: string
  readonly port: string
  readonly publicUrl?: string
  readonly frameAncestor?: string[]
  readonly trustProxy?: string
  readonly refreshCooldown: string
  readonly quiet?: boolean
}

/**
 * `--trust-proxy`: a hop count, or addresses and CIDRs. Checked here, so a typo is a clear error at
 * start rather than a proxy whose header is silently believed (or not).
 *
 * @example parseTrustProxy('1') // 1
 * @example parseTrustProxy('127.0.0.1, 10.0.0.0/8') // ['127.0.0.1', '10.0.0.0/8']
 */
export function parseTrustProxy(value: string): number | string[] {
  const text = value.trim()
  if (/^\d+$/.test(text)) return Number(text)
  const entries = text.split(',').map((entry) => entry.trim())
  for (const entry of entries) {
    const [address = '', bits, ...rest] = entry.split('/')
    const family = isIP(address)
    const maxBits = family === 6 ? 128 : 32
    const bitsOk = bits === undefined || (/^\d+$/.test(bits) && Number(bits) <= maxBits)
    if (family === 0 || !bitsOk || rest.length > 0) {
      throw new CliError(
        'QUARRY_USAGE',
        `--trust-proxy takes a hop count or comma-separated IP addresses/CIDRs (e.g. 10.0.0.0/8); "${entry}" is neither`,
      )
    }
  }
  return entries
}

export async function serve(flags: ServeFlags, global: StoreFlags): Promise<void> {
  const port = Number(flags.port)
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new CliError('QUARRY_USAGE', `--port must be a port number (0–65535), got "${flags.port}"`)
  const trustProxy = flags.trustProxy === undefined ? undefined : parseTrustProxy(flags.trustProxy)
  const cooldown = Number(flags.refreshCooldown)
  if (!Number.isInteger(cooldown) || cooldown < 0) {
    throw new CliError(
      'QUARRY_USAGE',
      `--refresh-cooldown must be whole seconds (0 or more), got "${flags.refreshCooldown}"`,
    )
  }
  // Requests are recorded as their callers' (app.ts); what the server does by itself, as `system`.
  const store = await openCliStore(global, SYSTEM_ACTOR)
  let server
  try {
    server = await startServer(store, {
      host: flags.host,
      port,
      ...(flags.publicUrl ? { publicUrl: flags.publicUrl.replace(/\/+$/, '') } : {}),
      frameAncestors: flags.frameAncestor ?? [],
      refreshCooldownSeconds: cooldown,
      ...(trustProxy === undefined ? {} : { trustProxy }),
      logger: flags.quiet ? false : true,
    })
  } catch (error) {
    await store.close()
    // The user's to fix, like sim's (issue 12: it printed "Quarry hit a bug").
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL') {
      const why =
        code === 'EADDRINUSE'
          ? 'is in use'
          : code === 'EACCES'
            ? 'is not allowed'
            : 'is not an address of this machine'
      throw new CliError(
        'QUARRY_PORT_IN_USE',
        `serve: ${flags.host}:${port} ${why}; choose another with --port (or --host)`,
        {
          cause: error,
        },
      )
    }
    throw error
  }
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
