import { QuarryError } from './errors.js'
import { describeUrl } from './describe-url.js'

/** Failures worth another try: the peer or the path may be back in a moment. */
const TRANSIENT = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_CONNECT_TIMEOUT',
])

/** Network failures `send` may retry; every other failure (DNS not found, TLS, local limits) is final. */
const retryable = new WeakSet<QuarryError>()

/** Whether a failure from `describeNetworkError` is worth another try. */
export function isRetryable(error: QuarryError): boolean {
  return retryable.has(error)
}

/** The TLS certificate problems Node reports by code (OpenSSL's X509 verify errors), in words. */
const CERTIFICATE: Readonly<Record<string, string>> = {
  CERT_HAS_EXPIRED: 'has expired',
  CERT_NOT_YET_VALID: 'is not valid yet',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'is self-signed',
  SELF_SIGNED_CERT_IN_CHAIN: 'is signed by a self-signed authority this machine does not trust',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'is signed by an authority this machine does not trust',
  UNABLE_TO_GET_ISSUER_CERT: 'is signed by an authority this machine does not trust',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'is signed by an authority this machine does not trust',
  CERT_REVOKED: 'has been revoked',
  ERR_TLS_CERT_ALTNAME_INVALID: 'is for another host name',
}

/** The code of a socket, DNS or TLS failure, looking through undici's and happy eyeballs' wrappers. */
export function codeOf(error: unknown): string | undefined {
  const e = error as { code?: unknown; cause?: unknown; errors?: unknown }
  if (typeof e?.code === 'string') return e.code
  if (Array.isArray(e?.errors) && e.errors.length > 0) return codeOf(e.errors[0])
  if (e?.cause !== undefined && e.cause !== error) return codeOf(e.cause)
  return undefined
}

/** A sentence for a failure on the wire, and whether it is TLS's. */
interface Cause {
  readonly sentence: string
  readonly tls: boolean
}

/**
 * What went wrong on the wire, as a sentence naming the host and the cause, never a bare undici code
 * or "fetch failed" (issue 12). `reading` says whether the response had begun to arrive.
 *
 * @example networkCause(err, 'https://api.example.com/x', false).sentence
 * // 'api.example.com refused the connection (ECONNREFUSED).'
 */
export function networkCause(error: unknown, url: string, reading: boolean): Cause {
  const host = new URL(url).host
  const code = codeOf(error)
  const said = (sentence: string, tls = false): Cause => ({ sentence, tls })
  switch (code) {
    case 'ECONNREFUSED':
      return said(`${host} refused the connection (ECONNREFUSED).`)
    case 'ECONNRESET':
    case 'ECONNABORTED':
    case 'EPIPE':
    case 'UND_ERR_SOCKET':
    case 'UND_ERR_CLOSED':
      return said(
        reading
          ? `the connection to ${host} was reset while reading the response (${code}).`
          : `the connection to ${host} was reset before it answered (${code}).`,
      )
    case 'ENOTFOUND':
      return said(`${host} could not be found (ENOTFOUND): check the host name.`)
    case 'EAI_AGAIN':
      return said(`${host} could not be looked up: the DNS server did not answer (EAI_AGAIN).`)
    case 'ETIMEDOUT':
    case 'UND_ERR_CONNECT_TIMEOUT':
      return said(`${host} did not accept the connection in time (${code}).`)
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return said(`${host} cannot be reached from this machine's network (${code}).`)
  }
  if (code !== undefined && code in CERTIFICATE) {
    const remedy = code.startsWith('UNABLE') || code.includes('SELF_SIGNED')
    return said(
      `${host}'s TLS certificate ${CERTIFICATE[code]} (${code})${remedy ? '; if it is trusted, give its authority to Quarry with NODE_EXTRA_CA_CERTS' : ''}.`,
      true,
    )
  }
  // fetch() wraps the real failure as "fetch failed" with the cause inside: say the cause's words.
  const inner = (error as { cause?: unknown } | undefined)?.cause
  const message = ((inner instanceof Error ? inner : error) as Error | undefined)?.message ?? String(error)
  if (code !== undefined && (code.startsWith('ERR_SSL') || code.startsWith('ERR_TLS') || code === 'EPROTO'))
    return said(`the TLS handshake with ${host} failed (${code}): ${message}.`, true)
  return said(`the request to ${host} failed (${code ?? 'no error code'}): ${message}.`)
}

/**
 * A failure on the wire as a QuarryError: QUARRY_UPSTREAM_TLS for certificates and handshakes,
 * QUARRY_UPSTREAM_NETWORK otherwise; transient ones are marked for `send` to retry.
 *
 * @example describeNetworkError(err, 'GET', 'https://api.example.com/x', false)
 * // QUARRY_UPSTREAM_NETWORK 'GET https://api.example.com/x: api.example.com refused the connection (ECONNREFUSED).'
 */
export function describeNetworkError(
  error: unknown,
  method: string,
  url: string,
  reading: boolean,
): QuarryError {
  const { sentence, tls } = networkCause(error, url, reading)
  const failure = new QuarryError(
    tls ? 'QUARRY_UPSTREAM_TLS' : 'QUARRY_UPSTREAM_NETWORK',
    `${method} ${describeUrl(url)}: ${sentence}`,
    { cause: error },
  )
  const code = codeOf(error)
  if (code !== undefined && TRANSIENT.has(code)) retryable.add(failure)
  return failure
}
