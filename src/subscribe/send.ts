import type { EmailChannel } from '../domain/alert.js'
import { DEFAULT_CHANNEL_TIMEOUT_MS } from '../domain/alert.js'
import { maskSecrets } from '../domain/secret-mask.js'
import { joinSubscriptionSecrets, type Subscription } from '../domain/subscription.js'
import type { RunResult } from '../engine/index.js'
import { backoffMs, DEFAULT_RETRY, type DeliveryAttempt, type DeliveryOptions } from '../notify/index.js'
import { DeliveryFailure } from '../notify/delivery-failure.js'
import { describeMailError, secretsOf, transportOptions } from '../notify/email-channel.js'
import type { Row } from '../render/index.js'
import type { StoredSubscription, Store } from '../store/index.js'
import { UNSUBSCRIBE_KEY } from '../store/subscription-repo.js'
import { attachmentOf, composeMail, viewUrl, type MailFacts, type SubscriptionMail } from './mail.js'
import { signUnsubscribe } from './unsubscribe-token.js'

/** What mailing runs with: the server's public address (for the links) and delivery's retry and timing. */
export interface MailingOptions extends DeliveryOptions {
  /** Where people reach the server: the view and unsubscribe links start with it. */
  readonly baseUrl?: string
  /** Told when recording how a mailing went fails (the store closed meanwhile); default: ignored. */
  readonly onRecordError?: (error: unknown) => void
}

/** How one recipient's mail went: every try, as alerts' deliveries are recorded. */
export interface RecipientReport {
  readonly address: string
  readonly ok: boolean
  readonly attempts: readonly DeliveryAttempt[]
}

/** One subscription's mailing for one run. */
export interface MailingReport {
  readonly subscription: string
  readonly recipients: readonly RecipientReport[]
  /** Why nothing was sent at all (no public address for the links), else undefined. */
  readonly skipped?: string
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/**
 * The link that unsubscribes one address: `${baseUrl}/unsubscribe?token=…`.
 *
 * @example unsubscribeUrl('https://q.example.com', stored, 'ann@example.com')
 */
export function unsubscribeUrl(baseUrl: string, stored: StoredSubscription, address: string): string {
  const key = stored.secrets[UNSUBSCRIBE_KEY] ?? ''
  const url = new URL('/unsubscribe', baseUrl)
  url.searchParams.set('token', signUnsubscribe(key, { subscription: stored.name, address }))
  return url.toString()
}

/** The mail server as an email channel, so alerts' transport options and error wording apply unchanged. */
function channelOf(subscription: Subscription, address: string): EmailChannel {
  return { ...subscription.server, type: 'email', to: [address] }
}

/** Sends one mail with retries and backoff (as an alert's channel is tried); never throws. */
async function sendWithRetries(
  subscription: Subscription,
  mail: SubscriptionMail,
  options: MailingOptions,
): Promise<RecipientReport> {
  const policy = options.retry ?? DEFAULT_RETRY
  const now = options.now ?? Date.now
  const sleep = options.sleep ?? realSleep
  const random = options.random ?? Math.random
  const channel = channelOf(subscription, mail.to)
  const timeoutMs = channel.timeoutMs ?? options.timeoutMs ?? DEFAULT_CHANNEL_TIMEOUT_MS
  const { createTransport } = (await import('nodemailer')).default
  const attempts: DeliveryAttempt[] = []
  for (let n = 1; n <= policy.attempts; n++) {
    const at = new Date(now()).toISOString()
    const transport = createTransport(transportOptions(channel, timeoutMs))
    try {
      await transport.sendMail({ ...mail, attachments: [...mail.attachments], headers: { ...mail.headers } })
      attempts.push({ at, ok: true })
      return { address: mail.to, ok: true, attempts }
    } catch (error) {
      const failure =
        error instanceof DeliveryFailure ? error : describeMailError(error as object, channel, timeoutMs)
      attempts.push({
        at,
        ok: false,
        ...(failure.status === undefined ? {} : { status: failure.status }),
        error: maskSecrets(failure.message, secretsOf(channel)),
      })
      if (!failure.retryable || n === policy.attempts) break
      await sleep(backoffMs(policy, n, random, failure.retryAfterMs))
    } finally {
      transport.close()
    }
  }
  return { address: mail.to, ok: false, attempts }
}

/**
 * Mails one run's result to one subscription's recipients: one mail each (so no one sees the others'
 * addresses, and each unsubscribe link is theirs alone), the recipients one after another over a
 * fresh connection per try. Records when it ran and the first failure. Never throws.
 */
export async function mailSubscription(
  store: Store,
  stored: StoredSubscription,
  facts: Omit<MailFacts, 'viewUrl'>,
  options: MailingOptions,
): Promise<MailingReport> {
  const subscription = joinSubscriptionSecrets(stored.config, stored.secrets)
  const record = (error: string | null) =>
    store.subscriptions
      .recordSending(stored.name, new Date((options.now ?? Date.now)()), error)
      .catch(options.onRecordError ?? (() => undefined))
  if (options.baseUrl === undefined || options.baseUrl === '') {
    const skipped =
      'Not sent: the mail needs a view link and an unsubscribe link, and no public address of the server is known. Subscriptions are mailed by `quarry serve` (set --public-url).'
    await record(skipped)
    return { subscription: stored.name, recipients: [], skipped }
  }
  const full: MailFacts = { ...facts, viewUrl: viewUrl(options.baseUrl, facts.query, facts.params) }
  const attachments = await attachmentOf(subscription, full)
  const recipients: RecipientReport[] = []
  for (const address of subscription.to) {
    const link = unsubscribeUrl(options.baseUrl, stored, address)
    recipients.push(
      await sendWithRetries(
        subscription,
        await composeMail(subscription, full, address, link, attachments),
        options,
      ),
    )
  }
  const failed = recipients.find((report) => !report.ok)
  await record(
    failed === undefined ? null : `${failed.address}: ${failed.attempts.at(-1)?.error ?? 'not delivered'}`,
  )
  return { subscription: stored.name, recipients }
}

/**
 * Mails a schedule's successful run to every subscription of the schedule (a failed run mails
 * nothing: the schedule records its error). Answers the mailings, each settling on its own.
 *
 * @example await Promise.all(mailRun(store, 'bugs-monday', { query, params, result }, { baseUrl }))
 */
export async function mailRun(
  store: Store,
  schedule: string,
  run: {
    readonly query: string
    readonly params: Readonly<Record<string, string>>
    readonly result: RunResult
  },
  options: MailingOptions = {},
): Promise<Promise<MailingReport>[]> {
  const subscriptions = await store.subscriptions.forSchedule(schedule)
  if (subscriptions.length === 0) return []
  const rows = JSON.parse(run.result.rowsJson === '' ? '[]' : run.result.rowsJson) as Row[]
  const facts = { query: run.query, params: run.params, rows, fetchedAt: run.result.fetchedAt }
  return subscriptions.map((stored) =>
    mailSubscription(store, stored, facts, options).catch((error: unknown) => ({
      subscription: stored.name,
      recipients: [],
      skipped: `Not sent: ${error instanceof Error ? error.message : String(error)}`,
    })),
  )
}
