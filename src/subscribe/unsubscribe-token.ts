import { createHmac, timingSafeEqual } from 'node:crypto'

/**
 * Unsubscribe links (issue 16): `SUBSCRIPTION.ADDRESS.MAC`, the first two base64url, the MAC an
 * HMAC-SHA256 of both keyed with the subscription's own unsubscribe key (made by the store at
 * creation, kept encrypted). A link works without signing in and only for the address it was made
 * for; a forged or altered one fails the MAC; a removed and re-added subscription has a new key, so
 * old links stop working.
 */

export interface UnsubscribeClaim {
  readonly subscription: string
  readonly address: string
}

function mac(key: string, subscription: string, address: string): string {
  return createHmac('sha256', key).update(`${subscription}\0${address}`).digest('base64url')
}

/**
 * The token of one recipient's unsubscribe link.
 *
 * @example signUnsubscribe(key, { subscription: 'weekly', address: 'ann@example.com' }) // 'd2Vla2x5.YW5u…'
 */
export function signUnsubscribe(key: string, claim: UnsubscribeClaim): string {
  const encode = (text: string) => Buffer.from(text, 'utf8').toString('base64url')
  return [
    encode(claim.subscription),
    encode(claim.address),
    mac(key, claim.subscription, claim.address),
  ].join('.')
}

/**
 * What a token claims, unverified (to find the subscription whose key checks it); undefined when it
 * is not shaped like one.
 */
export function readUnsubscribe(token: string): UnsubscribeClaim | undefined {
  const parts = token.split('.')
  if (parts.length !== 3 || parts.some((part) => !/^[A-Za-z0-9_-]+$/.test(part))) return undefined
  const decode = (part: string) => Buffer.from(part, 'base64url').toString('utf8')
  return { subscription: decode(parts[0] ?? ''), address: decode(parts[1] ?? '') }
}

/** Whether the token's MAC is the one `key` makes for its claim (compared in constant time). */
export function verifyUnsubscribe(key: string, token: string): boolean {
  const claim = readUnsubscribe(token)
  if (claim === undefined) return false
  const expected = Buffer.from(mac(key, claim.subscription, claim.address))
  const given = Buffer.from(token.split('.')[2] ?? '')
  return expected.length === given.length && timingSafeEqual(expected, given)
}
