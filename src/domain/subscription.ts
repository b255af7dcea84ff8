import { z } from 'zod'
import { EmailChannelSchema } from './alert.js'
import { nameSchema } from './name.js'
import { SECRET_MASK } from './secret-mask.js'

/**
 * Subscriptions (issue 16, done-when 4): a schedule's runs mailed to people — the result as an HTML
 * table in the body (the first `bodyRows` rows), all rows attached as CSV or XLSX, a link to the view
 * and a link to unsubscribe. The mail server is given as an alert's email channel is (same fields,
 * same TLS settings, the login kept as a secret); the recipients are addresses. Quarry's users have
 * no email address in the store, so users are subscribed by their address.
 */

export const ATTACHMENT_FORMATS = ['csv', 'xlsx', 'none'] as const
export type AttachmentFormat = (typeof ATTACHMENT_FORMATS)[number]

/** The SMTP server a subscription sends through: an email channel without its recipients. */
export const MailServerSchema = EmailChannelSchema.omit({ type: true, to: true })
export type MailServer = z.infer<typeof MailServerSchema>

/** The most rows the body's table shows by default: a mail, not a report; the attachment has them all. */
export const DEFAULT_BODY_ROWS = 50

const address = z.email({ error: 'must be an email address' })

/**
 * A subscription as the CLI and the API define it.
 *
 * @example
 * SubscriptionSchema.parse({
 *   name: 'weekly-bugs', schedule: 'bugs-monday', to: ['ann@example.com'],
 *   server: { host: 'smtp.example.com', port: 587, from: 'quarry@example.com' }, format: 'xlsx',
 * })
 */
export const SubscriptionSchema = z.object({
  name: nameSchema,
  schedule: nameSchema,
  to: z.array(address).max(500).default([]),
  server: MailServerSchema,
  format: z.enum(ATTACHMENT_FORMATS).default('csv'),
  /** The mail's subject; default: the query's name and the run's time. */
  subject: z.string().min(1).max(300).optional(),
  bodyRows: z.number().int().min(0).max(1000).default(DEFAULT_BODY_ROWS),
})
export type Subscription = z.infer<typeof SubscriptionSchema>
export type SubscriptionInput = z.input<typeof SubscriptionSchema>

/** Which fields of the mail server are secrets (kept encrypted, never shown). */
export const MAIL_SERVER_SECRET_FIELDS = ['user', 'password'] as const

/**
 * The subscription split into what the store keeps in the open and its secrets (the SMTP login).
 *
 * @example splitSubscriptionSecrets(subscription).secrets // { user: 'quarry', password: '…' }
 */
export function splitSubscriptionSecrets(subscription: Subscription): {
  config: unknown
  secrets: Record<string, string>
} {
  const server: Record<string, unknown> = { ...subscription.server }
  const secrets: Record<string, string> = {}
  for (const field of MAIL_SERVER_SECRET_FIELDS) {
    const value = server[field]
    if (typeof value === 'string') secrets[field] = value
    delete server[field]
  }
  return { config: { ...subscription, server }, secrets }
}

/** The subscription again from the store's config and secrets. */
export function joinSubscriptionSecrets(
  config: unknown,
  secrets: Readonly<Record<string, string>>,
): Subscription {
  const open = config as { server?: Record<string, unknown> }
  const server: Record<string, unknown> = { ...open.server }
  for (const field of MAIL_SERVER_SECRET_FIELDS)
    if (secrets[field] !== undefined) server[field] = secrets[field]
  return SubscriptionSchema.parse({ ...open, server })
}

/** The subscription as it may be shown: the SMTP login masked. */
export function maskSubscription(subscription: Subscription): z.infer<typeof ShownSubscriptionSchema> {
  const { user, password, ...server } = subscription.server
  return {
    ...subscription,
    server: {
      ...server,
      ...(user === undefined ? {} : { user: SECRET_MASK }),
      ...(password === undefined ? {} : { password: SECRET_MASK }),
    },
  }
}

const masked = z.literal(SECRET_MASK)

/** A subscription as it is shown (maskSubscription): the API's replies, `quarry subscription list`. */
export const ShownSubscriptionSchema = SubscriptionSchema.extend({
  server: MailServerSchema.extend({ user: masked.optional(), password: masked.optional() }),
})
