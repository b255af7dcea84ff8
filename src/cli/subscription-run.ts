import { describeIssues } from '../domain/field-issues.js'
import {
  joinSubscriptionSecrets,
  splitSubscriptionSecrets,
  SubscriptionSchema,
} from '../domain/subscription.js'
import { withStore, type StoreFlags } from './context.js'
import { parseInteger, readFlagFile } from './flags.js'
import { secretsFromInput, type SecretFlag } from './secret-input.js'

/** The flags of `subscription add`. */
export interface SubscriptionFlags {
  readonly schedule?: string
  readonly to?: string[]
  readonly format?: string
  readonly subject?: string
  readonly bodyRows?: string
  readonly smtpHost?: string
  readonly smtpPort?: string
  readonly smtpTls?: string
  readonly smtpCa?: string
  readonly smtpInsecure?: boolean
  readonly smtpFrom?: string
  readonly smtpUser?: string
  readonly smtpPassword?: string
}

const SECRET_FLAGS: readonly SecretFlag[] = [
  { key: 'smtpUser', flag: '--smtp-user', label: 'SMTP user' },
  { key: 'smtpPassword', flag: '--smtp-password', label: 'SMTP password' },
]

const LABELS = {
  name: 'the name',
  schedule: '--schedule',
  to: '--to',
  format: '--format',
  bodyRows: '--body-rows',
}

export async function addSubscription(
  name: string,
  given: SubscriptionFlags,
  global: StoreFlags,
): Promise<void> {
  const flags = await secretsFromInput(given, undefined, SECRET_FLAGS)
  const raw = {
    name,
    schedule: flags.schedule,
    to: flags.to ?? [],
    ...(flags.format === undefined ? {} : { format: flags.format }),
    ...(flags.subject === undefined ? {} : { subject: flags.subject }),
    ...(flags.bodyRows === undefined ? {} : { bodyRows: parseInteger('--body-rows', flags.bodyRows, 0) }),
    server: {
      host: flags.smtpHost,
      port: flags.smtpPort === undefined ? 587 : parseInteger('--smtp-port', flags.smtpPort, 1),
      ...(flags.smtpTls === undefined ? {} : { tls: flags.smtpTls }),
      ...(flags.smtpCa === undefined ? {} : { ca: readFlagFile('--smtp-ca', flags.smtpCa) }),
      ...(flags.smtpInsecure === true ? { rejectUnauthorized: false } : {}),
      from: flags.smtpFrom,
      ...(flags.smtpUser === undefined ? {} : { user: flags.smtpUser }),
      ...(flags.smtpPassword === undefined ? {} : { password: flags.smtpPassword }),
    },
  }
  const parsed = SubscriptionSchema.safeParse(raw)
  if (!parsed.success) throw describeIssues(parsed.error, `subscription "${name}"`, raw, LABELS)
  const subscription = parsed.data
  await withStore(global, (store) =>
    store.subscriptions.create({
      name,
      schedule: subscription.schedule,
      ...splitSubscriptionSecrets(subscription),
    }),
  )
  console.log(
    `Added subscription "${name}": each run of schedule "${subscription.schedule}" is mailed to ${subscription.to.length} address(es).`,
  )
}

export async function listSubscriptions(global: StoreFlags): Promise<void> {
  await withStore(global, async (store) => {
    const all = await store.subscriptions.list()
    if (all.length === 0) {
      console.log(
        'No subscriptions yet. Add one: quarry subscription add NAME --schedule SCHEDULE --to ADDRESS --smtp-host HOST --smtp-from ADDRESS',
      )
    }
    for (const stored of all) {
      const subscription = joinSubscriptionSecrets(stored.config, stored.secrets)
      console.log(
        [
          stored.name,
          `schedule ${stored.schedule}`,
          `to ${subscription.to.join(', ') || '(no one)'}`,
          subscription.format,
          `last sent ${stored.lastSentAt?.toISOString() ?? 'never'}`,
          ...(stored.lastError === null ? [] : [`last error: ${stored.lastError}`]),
        ].join('  ·  '),
      )
    }
  })
}

export async function removeSubscription(name: string, global: StoreFlags): Promise<void> {
  await withStore(global, (store) => store.subscriptions.remove(name))
  console.log(`Removed subscription "${name}".`)
}
