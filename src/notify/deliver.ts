import {
  DEFAULT_CHANNEL_TIMEOUT_MS,
  CHANNEL_SECRET_FIELDS,
  describeChannel,
  type Channel,
} from '../domain/alert.js'
import { maskSecrets } from '../domain/secret-mask.js'
import type { ChannelSender, SendContext } from './channel.js'
import { DeliveryFailure } from './delivery-failure.js'
import { sendEmail } from './email-channel.js'
import type { AlertNotice } from './notice.js'
import { sendSlack } from './slack-channel.js'
import { sendWebhook } from './webhook-channel.js'

/** One try at one channel, as recorded with the alert's event. */
export interface DeliveryAttempt {
  /** When the attempt started (ISO-8601). */
  readonly at: string
  readonly ok: boolean
  /** The receiver's HTTP status or SMTP reply code, when it answered. */
  readonly status?: number
  /** Why it failed, naming no secret. */
  readonly error?: string
}

/** Every try at one channel, and how it ended. */
export interface DeliveryReport {
  /** The channel in words (describeChannel): no secret. */
  readonly channel: string
  readonly ok: boolean
  readonly attempts: readonly DeliveryAttempt[]
}

/** How hard delivery tries: attempts per channel, and the backoff between them. */
export interface RetryPolicy {
  /** Tries per channel, the first included. */
  readonly attempts: number
  /** The first wait; each next one doubles, up to maxDelayMs. */
  readonly baseDelayMs: number
  readonly maxDelayMs: number
}

/** Four tries over about a minute: a receiver restarting is caught, a dead one is given up on. */
export const DEFAULT_RETRY: RetryPolicy = { attempts: 4, baseDelayMs: 2_000, maxDelayMs: 30_000 }

/** What delivery runs with; tests inject the transport, the clock, the sleep and the randomness. */
export interface DeliveryOptions {
  readonly retry?: RetryPolicy
  readonly fetch?: typeof fetch
  readonly now?: () => number
  readonly sleep?: (ms: number) => Promise<void>
  readonly random?: () => number
  /** The attempt timeout for channels that set none. */
  readonly timeoutMs?: number
}

/** The sender of each channel type: a new type is a `*-channel.ts` file and one line here. */
const SENDERS: { readonly [T in Channel['type']]: ChannelSender<Extract<Channel, { type: T }>> } = {
  webhook: sendWebhook,
  slack: sendSlack,
  email: sendEmail,
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/**
 * The wait before attempt `n + 1` (n ≥ 1): exponential, capped, with "equal jitter" — half the step
 * fixed, half random — so that retries of many alerts spread out but never come sooner than half the
 * step. A receiver's Retry-After is a minimum (capped like the rest).
 *
 * @example backoffMs(DEFAULT_RETRY, 1, () => 0) // 1000
 */
export function backoffMs(
  policy: RetryPolicy,
  n: number,
  random: () => number,
  retryAfterMs?: number,
): number {
  const step = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (n - 1))
  const jittered = step / 2 + random() * (step / 2)
  return Math.min(policy.maxDelayMs, Math.max(jittered, retryAfterMs ?? 0))
}

/** The values of a channel that no recorded error may contain. */
function secretValues(channel: Channel): string[] {
  const fields = CHANNEL_SECRET_FIELDS[channel.type] as readonly string[]
  return fields
    .map((field) => (channel as Record<string, unknown>)[field])
    .filter((value): value is string => typeof value === 'string')
}

/**
 * Delivers a notice to one channel: up to `attempts` tries, each cut off at the channel's timeout,
 * with backoff between retryable failures. Never throws: the report says how it went.
 *
 * @example const report = await deliver(channel, notice, { retry: { attempts: 3, baseDelayMs: 100, maxDelayMs: 1000 } })
 */
export async function deliver(
  channel: Channel,
  notice: AlertNotice,
  options: DeliveryOptions = {},
): Promise<DeliveryReport> {
  const policy = options.retry ?? DEFAULT_RETRY
  const now = options.now ?? Date.now
  const sleep = options.sleep ?? realSleep
  const random = options.random ?? Math.random
  const timeoutMs = channel.timeoutMs ?? options.timeoutMs ?? DEFAULT_CHANNEL_TIMEOUT_MS
  const send = SENDERS[channel.type] as ChannelSender<Channel>
  const secrets = secretValues(channel)
  const attempts: DeliveryAttempt[] = []
  for (let n = 1; n <= policy.attempts; n++) {
    const at = new Date(now()).toISOString()
    const controller = new AbortController()
    const timer = setTimeout(() => controller.abort(), timeoutMs)
    const context: SendContext = { fetch: options.fetch ?? fetch, signal: controller.signal, timeoutMs, now }
    try {
      // The race makes the deadline hold even for a sender that ignores its signal.
      await Promise.race([
        send(channel, notice, context),
        new Promise<never>((_resolve, reject) =>
          controller.signal.addEventListener('abort', () =>
            reject(
              new DeliveryFailure(`${describeChannel(channel)} did not answer within ${timeoutMs} ms.`, {
                retryable: true,
              }),
            ),
          ),
        ),
      ])
      attempts.push({ at, ok: true })
      return { channel: describeChannel(channel), ok: true, attempts }
    } catch (error) {
      const failure =
        error instanceof DeliveryFailure
          ? error
          : new DeliveryFailure(
              `${describeChannel(channel)}: ${(error as Error)?.message ?? String(error)}`,
              { retryable: false },
            )
      attempts.push({
        at,
        ok: false,
        ...(failure.status === undefined ? {} : { status: failure.status }),
        error: maskSecrets(failure.message, secrets),
      })
      if (!failure.retryable || n === policy.attempts) break
      await sleep(backoffMs(policy, n, random, failure.retryAfterMs))
    } finally {
      clearTimeout(timer)
    }
  }
  return { channel: describeChannel(channel), ok: false, attempts }
}

/**
 * Delivers a notice to every channel at once: a dead or slow receiver delays only its own report.
 *
 * @example const reports = await deliverAll(alert.channels, notice)
 */
export function deliverAll(
  channels: readonly Channel[],
  notice: AlertNotice,
  options: DeliveryOptions = {},
): Promise<DeliveryReport[]> {
  return Promise.all(channels.map((channel) => deliver(channel, notice, options)))
}
