import { createHmac, timingSafeEqual } from 'node:crypto'

/**
 * How a webhook proves it came from this Quarry (docs/alerts.md, "Verifying a webhook"): the header
 * `X-Quarry-Timestamp` holds the sending time in Unix seconds, and `X-Quarry-Signature` holds
 * `sha256=` and the hex HMAC-SHA256, keyed with the channel's secret, of `TIMESTAMP.BODY` — the
 * timestamp, a dot, and the exact bytes of the body. Signing the timestamp with the body lets a
 * receiver refuse a replayed delivery by its age (Stripe and Slack sign their webhooks the same way).
 */
export const SIGNATURE_HEADER = 'x-quarry-signature'
export const TIMESTAMP_HEADER = 'x-quarry-timestamp'

/** How old a delivery verifyWebhook accepts by default: five minutes, as Slack's and Stripe's guides advise. */
export const DEFAULT_TOLERANCE_SECONDS = 300

/**
 * The signature header's value for a body sent at `timestamp` (Unix seconds).
 *
 * @example signWebhook('0123456789abcdef', 1767225600, '{"alert":"x"}') // 'sha256=…64 hex…'
 */
export function signWebhook(secret: string, timestamp: number, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`
}

/**
 * Whether a received webhook is genuine and fresh: the signature matches (compared in constant time)
 * and the timestamp is within `toleranceSeconds` of `nowSeconds`. What a receiver runs, in any
 * language; this one is Quarry's tests' receiver.
 *
 * @example verifyWebhook(secret, headers['x-quarry-timestamp'], rawBody, headers['x-quarry-signature'], Date.now() / 1000)
 */
export function verifyWebhook(
  secret: string,
  timestamp: string | undefined,
  body: string,
  signature: string | undefined,
  nowSeconds: number,
  toleranceSeconds = DEFAULT_TOLERANCE_SECONDS,
): boolean {
  if (timestamp === undefined || signature === undefined || !/^\d+$/.test(timestamp)) return false
  if (Math.abs(nowSeconds - Number(timestamp)) > toleranceSeconds) return false
  const expected = Buffer.from(signWebhook(secret, Number(timestamp), body))
  const given = Buffer.from(signature)
  return expected.length === given.length && timingSafeEqual(expected, given)
}
