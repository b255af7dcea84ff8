import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Agent } from 'undici'
import type { SendOptions } from '../../src/http/client.js'

/** A real HTTP server on 127.0.0.1 that answers as the test says: for hostile-upstream tests. */
export interface Upstream {
  readonly url: string
  readonly host: string
  /** How many requests arrived. */
  hits: number
  close(): Promise<void>
}

export async function startUpstream(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<Upstream> {
  const server = createServer((req, res) => {
    upstream.hits++
    handler(req, res)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  const upstream: Upstream = {
    url: `http://127.0.0.1:${port}`,
    host: `127.0.0.1:${port}`,
    hits: 0,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
  return upstream
}

/** Send options for one upstream: a fresh pool, quick retries, no waiting between them. */
export function sendOptions(upstream: { host: string }, overrides: Partial<SendOptions> = {}): SendOptions {
  return {
    dispatcher: new Agent(),
    timeoutMs: 10_000,
    maxBytes: 1_000_000,
    allowedHosts: new Set([upstream.host]),
    retry: { maxRetries: 2, baseDelayMs: 1, maxDelayMs: 5, maxTotalWaitMs: 100 },
    sleep: async () => {},
    ...overrides,
  }
}
