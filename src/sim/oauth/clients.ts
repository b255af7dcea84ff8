import { Random, hashString } from '../random.js'

/** An app registered in the (simulated) Atlassian developer console. */
export interface SimClient {
  readonly clientId: string
  readonly clientSecret: string
  /** Callback URLs; an authorize request must name one of them exactly. */
  readonly redirectUris: readonly string[]
  readonly name: string
}

export class ClientSpecError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'ClientSpecError'
  }
}

/**
 * Parses `--client ID:SECRET:REDIRECT_URI[,REDIRECT_URI…]`. Redirect URIs contain
 * colons themselves, so only the first two colons split.
 *
 * @example parseClientSpec('app:s3cret:http://localhost:8765/callback')
 */
export function parseClientSpec(spec: string): SimClient {
  const first = spec.indexOf(':')
  const second = first < 0 ? -1 : spec.indexOf(':', first + 1)
  if (first <= 0 || second <= first + 1 || second === spec.length - 1) {
    throw new ClientSpecError(
      `--client "${spec.split(':')[0]}:…" must be ID:SECRET:REDIRECT_URI[,REDIRECT_URI…], e.g. my-app:s3cret:http://localhost:8765/callback`,
    )
  }
  const clientId = spec.slice(0, first)
  const clientSecret = spec.slice(first + 1, second)
  const redirectUris = spec.slice(second + 1).split(',')
  for (const uri of redirectUris) {
    let url: URL
    try {
      url = new URL(uri)
    } catch {
      throw new ClientSpecError(`--client ${clientId}: redirect URI "${uri}" is not an absolute URL`)
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      throw new ClientSpecError(`--client ${clientId}: redirect URI "${uri}" must use http or https`)
  }
  return { clientId, clientSecret, redirectUris, name: clientId }
}

/** The loopback port Quarry's `connect` listens on by default; the demo app's callback uses it. */
export const DEMO_CALLBACK_PORT = 8765

/**
 * The app registered when no `--client` is given; its credentials are printed
 * at start. Its callbacks are Quarry's loopback default and the guide's
 * `https://example.com` (for copying the code out of the address bar).
 */
export function demoClient(seed: number): SimClient {
  const random = new Random(hashString(`demo-client:${seed}`))
  return {
    clientId: `demo-${random.hex(8)}`,
    clientSecret: `demo-secret-${random.hex(16)}`,
    redirectUris: [
      `http://localhost:${DEMO_CALLBACK_PORT}/callback`,
      `http://127.0.0.1:${DEMO_CALLBACK_PORT}/callback`,
      'https://example.com',
    ],
    name: 'Quarry demo app',
  }
}
