import { z } from 'zod'
import { httpUrl } from './http-url.js'
import { nameSchema } from './name.js'
import { ALERT_STATES, COMPARISONS, QUANTIFIERS, describeCondition } from './alert-words.js'
import { SECRET_MASK } from './secret-mask.js'

export { ALERT_STATES, COMPARISONS, QUANTIFIERS, describeCondition }
export type { AlertState, Comparison, Quantifier } from './alert-words.js'

/**
 * Alerts (issue 16, done-when 3): a condition on a query's result, checked when the query runs on its
 * schedule, and the channels told when the condition starts or stops holding. The shapes here are
 * shared by the store, the CLI, the API and the admin UI; the check itself is src/notify/check.ts.
 */

/** The value a column is compared with: JSON's scalars. */
export const CellValueSchema = z.union([z.string().max(2000), z.number(), z.boolean(), z.null()])
export type CellValue = z.infer<typeof CellValueSchema>

export const RowCountConditionSchema = z.object({
  kind: z.literal('row-count'),
  op: z.enum(COMPARISONS),
  value: z.number().int().min(0),
})

export const ColumnConditionSchema = z.object({
  kind: z.literal('column'),
  column: z.string().min(1).max(500),
  op: z.enum(COMPARISONS),
  value: CellValueSchema,
  quantifier: z.enum(QUANTIFIERS).default('exists'),
})

/**
 * When an alert fires: a comparison of the row count, or a comparison on a column of the rows.
 *
 * @example ConditionSchema.parse({ kind: 'column', column: 'Priority', op: '=', value: 'Blocker' })
 */
export const ConditionSchema = z.discriminatedUnion('kind', [RowCountConditionSchema, ColumnConditionSchema])
export type Condition = z.infer<typeof ConditionSchema>

/** Every channel's delivery gives up after this long per attempt. */
export const DEFAULT_CHANNEL_TIMEOUT_MS = 10_000

const timeoutMs = z.number().int().min(100).max(120_000).optional()

/**
 * A JSON POST signed with HMAC-SHA256 (docs/alerts.md, "Verifying a webhook"). The URL is shown; the
 * secret is not.
 */
export const WebhookChannelSchema = z.object({
  type: z.literal('webhook'),
  url: httpUrl,
  secret: z
    .string()
    .min(16, 'use a secret of at least 16 characters (openssl rand -hex 32 makes one)')
    .max(500),
  timeoutMs,
})

/** A Slack-compatible incoming webhook. Its URL is the credential, so it is kept and shown as a secret. */
export const SlackChannelSchema = z.object({
  type: z.literal('slack'),
  url: httpUrl,
  timeoutMs,
})

/** SMTP's three ways with TLS: TLS from the first byte (465), STARTTLS required (587), or none (25, tests). */
export const SMTP_TLS_MODES = ['tls', 'starttls', 'none'] as const
export type SmtpTlsMode = (typeof SMTP_TLS_MODES)[number]

const address = z.email({ error: 'must be an email address' })

/** Mail over SMTP (nodemailer). The user name and password are secrets. */
export const EmailChannelSchema = z.object({
  type: z.literal('email'),
  host: z.string().min(1).max(255),
  port: z.number().int().min(1).max(65_535),
  tls: z.enum(SMTP_TLS_MODES).default('starttls'),
  /** PEM certificates of the authority that signed the server's certificate, besides Node's own. */
  ca: z.string().max(100_000).optional(),
  rejectUnauthorized: z.boolean().default(true),
  from: address,
  to: z.array(address).min(1, 'name at least one recipient').max(100),
  user: z.string().min(1).max(500).optional(),
  password: z.string().min(1).max(500).optional(),
  timeoutMs,
})

export const ChannelSchema = z.discriminatedUnion('type', [
  WebhookChannelSchema,
  SlackChannelSchema,
  EmailChannelSchema,
])
export type Channel = z.infer<typeof ChannelSchema>
export type WebhookChannel = z.infer<typeof WebhookChannelSchema>
export type SlackChannel = z.infer<typeof SlackChannelSchema>
export type EmailChannel = z.infer<typeof EmailChannelSchema>
export const CHANNEL_TYPES = ['webhook', 'slack', 'email'] as const
export type ChannelType = (typeof CHANNEL_TYPES)[number]

/**
 * An alert as an admin defines it.
 *
 * @example
 * AlertSchema.parse({
 *   name: 'blockers', query: 'open-issues', params: { project: 'DEMO' },
 *   condition: { kind: 'column', column: 'Priority', op: '=', value: 'Blocker' },
 *   channels: [{ type: 'slack', url: 'https://hooks.slack.com/services/T/B/x' }],
 * })
 */
export const AlertSchema = z.object({
  name: nameSchema,
  description: z.string().max(2000).optional(),
  query: nameSchema,
  params: z.record(z.string(), z.string().max(10_000)).default({}),
  condition: ConditionSchema,
  channels: z.array(ChannelSchema).min(1, 'name at least one channel to notify').max(20),
})
export type Alert = z.infer<typeof AlertSchema>

/** Which fields of each channel type are secrets (kept encrypted, never shown). */
export const CHANNEL_SECRET_FIELDS = {
  webhook: ['secret'],
  slack: ['url'],
  email: ['user', 'password'],
} as const satisfies Record<ChannelType, readonly string[]>

/**
 * An alert split into what the store keeps in the open and its secrets, keyed `INDEX.FIELD`
 * (`0.secret`, `1.password`).
 *
 * @example splitAlertSecrets(alert).secrets // { '0.url': 'https://hooks.slack.com/services/…' }
 */
export function splitAlertSecrets(alert: Alert): { config: unknown; secrets: Record<string, string> } {
  const secrets: Record<string, string> = {}
  const channels = alert.channels.map((channel, index) => {
    const open: Record<string, unknown> = { ...channel }
    for (const field of CHANNEL_SECRET_FIELDS[channel.type]) {
      const value = open[field]
      if (typeof value === 'string') secrets[`${index}.${field}`] = value
      delete open[field]
    }
    return open
  })
  return { config: { ...alert, channels }, secrets }
}

/**
 * The alert again from what splitAlertSecrets made (the store's config and secrets).
 *
 * @example joinAlertSecrets(config, secrets).channels[0].url // the Slack URL
 */
export function joinAlertSecrets(config: unknown, secrets: Readonly<Record<string, string>>): Alert {
  const open = config as { channels?: Record<string, unknown>[] }
  const channels = (open.channels ?? []).map((channel, index) => {
    const joined: Record<string, unknown> = { ...channel }
    const type = channel['type'] as ChannelType
    for (const field of CHANNEL_SECRET_FIELDS[type] ?? []) {
      const value = secrets[`${index}.${field}`]
      if (value !== undefined) joined[field] = value
    }
    return joined
  })
  return AlertSchema.parse({ ...open, channels })
}

const masked = z.literal(SECRET_MASK)

/** A channel as it is shown: each secret field, when set, reads SECRET_MASK. */
export const ShownChannelSchema = z.discriminatedUnion('type', [
  WebhookChannelSchema.extend({ secret: masked }),
  SlackChannelSchema.extend({ url: masked }),
  EmailChannelSchema.extend({ user: masked.optional(), password: masked.optional() }),
])

/** An alert as it is shown (maskAlert): the API's replies, `quarry alert show`, the admin UI. */
export const ShownAlertSchema = AlertSchema.extend({ channels: z.array(ShownChannelSchema) })
export type ShownAlert = z.infer<typeof ShownAlertSchema>

/**
 * The alert as it may be shown (the CLI's `alert show`, the API, the admin UI): every secret field
 * replaced by SECRET_MASK. Sent back unchanged, a masked field keeps the stored value (keepSecrets).
 *
 * @example maskAlert(alert).channels[0] // { type: 'webhook', url: 'https://…', secret: '••••••' }
 */
export function maskAlert(alert: Alert): ShownAlert {
  const channels = alert.channels.map((channel) => {
    const shown: Record<string, unknown> = { ...channel }
    for (const field of CHANNEL_SECRET_FIELDS[channel.type])
      if (shown[field] !== undefined) shown[field] = SECRET_MASK

    return shown as ShownAlert['channels'][number]
  })
  return { ...alert, channels }
}

/**
 * An edited alert whose secret fields still read SECRET_MASK (as maskAlert showed them) gets the
 * stored values back: the same channel type at the same place keeps its secrets.
 *
 * @example keepSecrets(edited, stored) // edited, with the stored webhook secret in place of '••••••'
 */
export function keepSecrets(edited: unknown, stored: Alert): unknown {
  const draft = edited as { channels?: unknown }
  if (!Array.isArray(draft.channels)) return edited
  const channels = draft.channels.map((channel: unknown, index) => {
    const before = stored.channels[index]
    if (typeof channel !== 'object' || channel === null || before === undefined) return channel
    const open = { ...(channel as Record<string, unknown>) }
    if (open['type'] !== before.type) return open
    for (const field of CHANNEL_SECRET_FIELDS[before.type])
      if (open[field] === SECRET_MASK) open[field] = (before as Record<string, unknown>)[field]

    return open
  })
  return { ...draft, channels }
}

/** A one-line description of a channel that shows no secret: `webhook https://example.com/hook`, `slack`. */
export function describeChannel(channel: Channel): string {
  switch (channel.type) {
    case 'webhook': {
      const url = new URL(channel.url)
      return `webhook ${url.origin}${url.pathname}`
    }
    case 'slack':
      return `slack ${new URL(channel.url).host}`
    case 'email':
      return `email ${channel.to.join(', ')} via ${channel.host}:${channel.port}`
  }
}
