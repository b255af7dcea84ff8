import { describeIssues } from '../domain/field-issues.js'
import {
  joinSubscriptionSecrets,
  splitSubscriptionSecrets,
  SubscriptionSchema,
} from '../domain/subscription.js'
import { withStore, type StoreFlags } from './context.js'
import { parseInteger } from './flags.js'
import { secretsFromInput } from './secret-input.js'
import { SMTP_SECRET_FLAGS, smtpServerOf, type SmtpFlags } from './smtp-flags.js'

/** The flags of `subscription add`. */
export interface SubscriptionFlags extends SmtpFlags {
  readonly schedule?: string
  readonly to?: string[]
  readonly format?: string
  readonly subject?: string
  readonly bodyRows?: string
}

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
  const flags = await secretsFromInput(given, undefined, SMTP_SECRET_FLAGS)
  const raw = {
    name,
    schedule: flags.schedule,
    to: flags.to ?? [],
    ...(flags.format === undefined ? {} : { format: flags.format }),
    ...(flags.subject === undefined ? {} : { subject: flags.subject }),
    ...(flags.bodyRows === undefined ? {} : { bodyRows: parseInteger('--body-rows', flags.bodyRows, 0) }),
    server: smtpServerOf(flags),
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
          // The time is the last attempt's: one that failed sent nothing.
          `${stored.lastError === null ? 'last sent' : 'last tried'} ${stored.lastSentAt?.toISOString() ?? 'never'}`,
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
