import { parseCondition } from '../domain/alert-condition.js'
import { AlertSchema, describeCondition, maskAlert, splitAlertSecrets, type Alert } from '../domain/alert.js'
import { QuarryError } from '../domain/errors.js'
import { describeIssues } from '../domain/field-issues.js'
import {
  alertOf,
  DEFAULT_RETRY,
  runAndCheckAlert,
  testAlert,
  type CheckOptions,
  type DeliveryReport,
} from '../notify/index.js'
import { alertNotFound, type Store } from '../store/index.js'
import { withEngine, withStore, type StoreFlags } from './context.js'
import { parseAssignments, parseInteger, readFlagFile } from './flags.js'
import { secretsFromInput, type SecretFlag } from './secret-input.js'
import { SMTP_SECRET_FLAGS, smtpServerOf, type SmtpFlags } from './smtp-flags.js'

/** The flags of `alert add|edit`. */
export interface AlertFlags extends SmtpFlags {
  readonly query?: string
  readonly param?: string[]
  readonly when?: string
  readonly description?: string
  readonly rename?: string
  readonly webhook?: string
  readonly webhookSecret?: string
  readonly slack?: string
  readonly email?: string[]
  readonly file?: string
}

/** The alert flags whose values are secrets: given as env:NAME or - (stdin) they stay out of the shell's history. */
const ALERT_SECRET_FLAGS: readonly SecretFlag[] = [
  { key: 'webhookSecret', flag: '--webhook-secret', label: 'Webhook secret' },
  { key: 'slack', flag: '--slack', label: 'Slack webhook URL' },
  ...SMTP_SECRET_FLAGS,
]

/** Field names as the flags spell them, for messages. */
const LABELS = {
  name: 'the name',
  query: '--query',
  condition: '--when',
  channels: 'the channels (--webhook, --slack, --email)',
}

/** The channels the flags describe, in order webhook, Slack, email; [] when no channel flag is given. */
function channelsOf(flags: AlertFlags): unknown[] {
  const channels: unknown[] = []
  if (flags.webhook !== undefined || flags.webhookSecret !== undefined)
    channels.push({ type: 'webhook', url: flags.webhook, secret: flags.webhookSecret })
  if (flags.slack !== undefined) channels.push({ type: 'slack', url: flags.slack })
  const smtp = [flags.smtpHost, flags.smtpFrom, flags.smtpPort, flags.smtpTls, flags.smtpCa, flags.smtpUser]
  if (flags.email !== undefined || smtp.some((value) => value !== undefined)) {
    channels.push({
      type: 'email',
      to: flags.email ?? [],
      ...smtpServerOf(flags),
    })
  }
  return channels
}

function fileOf(flags: AlertFlags): Record<string, unknown> {
  if (flags.file === undefined) return {}
  const text = readFlagFile('--file', flags.file, { stdin: true })
  try {
    const parsed = JSON.parse(text) as unknown
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed))
      return parsed as Record<string, unknown>
  } catch (error) {
    throw new QuarryError(
      'QUARRY_CONFIG_INVALID',
      `--file: an alert must be JSON: ${(error as Error).message}`,
    )
  }
  throw new QuarryError(
    'QUARRY_CONFIG_INVALID',
    '--file: an alert is a JSON object ({"query", "condition", "channels"})',
  )
}

/** The alert the flags make from `base` (a stored alert when editing): only the flags given change. */
function alertFrom(name: string, flags: AlertFlags, base: Partial<Alert>): Alert {
  const channels = channelsOf(flags)
  const raw = {
    ...base,
    ...fileOf(flags),
    name,
    ...(flags.query === undefined ? {} : { query: flags.query }),
    ...(flags.param === undefined ? {} : { params: parseAssignments('--param', flags.param) }),
    ...(flags.when === undefined ? {} : { condition: parseCondition(flags.when) }),
    ...(flags.description === undefined ? {} : { description: flags.description || undefined }),
    ...(channels.length === 0 ? {} : { channels }),
  }
  const parsed = AlertSchema.safeParse(raw)
  if (!parsed.success) throw describeIssues(parsed.error, `alert "${name}"`, raw, LABELS)
  return parsed.data
}

async function storedAlert(store: Store, name: string): Promise<Alert> {
  const stored = await store.alerts.get(name)
  if (stored === undefined) throw alertNotFound(name)
  return alertOf(stored)
}

export async function addAlert(name: string, flags: AlertFlags, global: StoreFlags): Promise<void> {
  const resolved = await secretsFromInput(flags, undefined, ALERT_SECRET_FLAGS)
  const alert = alertFrom(name, resolved, {})
  await withStore(global, (store) =>
    store.alerts.create({ name, query: alert.query, ...splitAlertSecrets(alert) }),
  )
  console.log(
    `Added alert "${name}" on query "${alert.query}": ${describeCondition(alert.condition)}. ` +
      `Try it: quarry alert check ${name}  ·  quarry alert test ${name}`,
  )
}

export async function editAlert(name: string, flags: AlertFlags, global: StoreFlags): Promise<void> {
  const resolved = await secretsFromInput(flags, undefined, ALERT_SECRET_FLAGS)
  const saved = await withStore(global, async (store) => {
    const current = await storedAlert(store, name)
    const newName = resolved.rename ?? name
    const { description: _description, ...rest } = current
    const base = resolved.description === undefined ? current : rest
    const alert = alertFrom(newName, resolved, base)
    return store.alerts.update(name, {
      ...(newName === name ? {} : { name: newName }),
      query: alert.query,
      ...splitAlertSecrets(alert),
    })
  })
  console.log(`Updated alert "${saved.name}".`)
}

export async function listAlerts(global: StoreFlags): Promise<void> {
  await withStore(global, async (store) => {
    const all = await store.alerts.list()
    if (all.length === 0) {
      console.log(
        'No alerts yet. Add one: quarry alert add NAME --query QUERY --when "rows > 0" --slack env:SLACK_URL',
      )
    }
    for (const stored of all) {
      const alert = alertOf(stored)
      console.log(
        [
          stored.name,
          `${stored.query}: ${describeCondition(alert.condition)}`,
          stored.state,
          stored.lastCheckedAt === null ? 'never checked' : `checked ${stored.lastCheckedAt.toISOString()}`,
        ].join('  ·  '),
      )
    }
  })
}

export async function showAlert(name: string, global: StoreFlags): Promise<void> {
  await withStore(global, async (store) => {
    const stored = await store.alerts.get(name)
    if (stored === undefined) throw alertNotFound(name)
    const events = await store.alerts.events(name, 10)
    const shown = {
      ...maskAlert(alertOf(stored)),
      state: stored.state,
      lastError: stored.lastError,
      lastCheckedAt: stored.lastCheckedAt?.toISOString() ?? null,
      lastChangedAt: stored.lastChangedAt?.toISOString() ?? null,
      events: events.map((event) => ({ ...event, at: event.at.toISOString() })),
    }
    console.log(JSON.stringify(shown, null, 2))
  })
}

export async function removeAlert(name: string, global: StoreFlags): Promise<void> {
  await withStore(global, (store) => store.alerts.remove(name))
  console.log(`Removed alert "${name}".`)
}

function deliveryOptions(flags: { readonly attempts?: string }): CheckOptions {
  if (flags.attempts === undefined) return {}
  return { retry: { ...DEFAULT_RETRY, attempts: parseInteger('--attempts', flags.attempts, 1) } }
}

/** One line per channel: how its delivery ended, and the last error if it failed. */
function deliveryLines(reports: readonly DeliveryReport[]): string[] {
  return reports.map((report) => {
    const tries = report.attempts.length === 1 ? '1 attempt' : `${report.attempts.length} attempts`
    const last = report.attempts.at(-1)
    return report.ok
      ? `  ${report.channel}: delivered (${tries})`
      : `  ${report.channel}: failed after ${tries}: ${last?.error ?? 'no attempt made'}`
  })
}

export async function checkAlertNow(
  name: string,
  flags: { readonly attempts?: string },
  global: StoreFlags,
): Promise<void> {
  await withEngine(global, async (deps) => {
    const check = await runAndCheckAlert(deps, name, deliveryOptions(flags))
    const change = check.changed ? ` (was ${check.previous}; notifying)` : ''
    console.log(`Alert "${name}" is ${check.state}${change}: ${check.summary}`)
    for (const line of deliveryLines(await check.delivered)) console.log(line)
    if (check.state === 'error') process.exitCode = 1
  })
}

export async function testAlertNow(
  name: string,
  flags: { readonly attempts?: string },
  global: StoreFlags,
): Promise<void> {
  await withStore(global, async (store) => {
    const stored = await store.alerts.get(name)
    if (stored === undefined) throw alertNotFound(name)
    const reports = await testAlert(store, stored, deliveryOptions(flags))
    const failed = reports.filter((report) => !report.ok)
    if (failed.length > 0) {
      throw new QuarryError(
        'QUARRY_NOTIFY_FAILED',
        `The test of alert "${name}" reached ${reports.length - failed.length} of ${reports.length} channels; ` +
          `${deliveryLines(failed)
            .map((line) => line.trim())
            .join('; ')}. Check the channels (quarry alert show ${name}) and try again.`,
      )
    }
    console.log(`Sent a test of alert "${name}" to every channel:`)
    for (const line of deliveryLines(reports)) console.log(line)
  })
}
