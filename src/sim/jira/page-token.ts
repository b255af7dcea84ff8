import { createHmac, timingSafeEqual } from 'node:crypto'
import { DAY } from '../clock.js'

/**
 * `nextPageToken` for search/jql: opaque to clients, stateless here. It carries
 * the offset of the next page, a digest of the query it belongs to and when it
 * was issued, signed so a client cannot forge or edit one. Atlassian documents
 * that these tokens expire after 7 days.
 */
export const PAGE_TOKEN_LIFETIME_MS = 7 * DAY

interface PagePayload {
  /** Offset of the next page's first row. */
  readonly o: number
  /** Digest of (site, user, jql): a token only continues the search that made it. */
  readonly q: string
  /** Issued at (simulated epoch ms). */
  readonly t: number
}

export type PageTokenCheck =
  { readonly ok: true; readonly offset: number } | { readonly ok: false; readonly reason: string }

export class PageTokens {
  readonly #key: Buffer

  constructor(secret: string) {
    this.#key = Buffer.from(secret)
  }

  queryDigest(...parts: readonly (string | number)[]): string {
    return createHmac('sha256', this.#key).update(parts.join('\u0000')).digest('base64url').slice(0, 16)
  }

  issue(offset: number, queryDigest: string, now: number): string {
    const payload = Buffer.from(
      JSON.stringify({ o: offset, q: queryDigest, t: now } satisfies PagePayload),
    ).toString('base64url')
    return `${payload}.${this.#sign(payload)}`
  }

  check(token: string, queryDigest: string, now: number): PageTokenCheck {
    const [payload, signature, extra] = token.split('.')
    if (!payload || !signature || extra !== undefined) return { ok: false, reason: 'malformed' }
    const expected = Buffer.from(this.#sign(payload))
    const given = Buffer.from(signature)
    if (expected.length !== given.length || !timingSafeEqual(expected, given))
      return { ok: false, reason: 'forged' }
    let decoded: PagePayload
    try {
      decoded = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as PagePayload
    } catch {
      return { ok: false, reason: 'malformed' }
    }
    if (decoded.q !== queryDigest) return { ok: false, reason: 'belongs to another query' }
    if (now > decoded.t + PAGE_TOKEN_LIFETIME_MS) return { ok: false, reason: 'expired' }
    return { ok: true, offset: decoded.o }
  }

  #sign(payload: string): string {
    return createHmac('sha256', this.#key).update(payload).digest('base64url').slice(0, 22)
  }
}
