import { once } from 'node:events'
import type { AuditEntry, AuditFilter, FieldChange } from '../domain/audit.js'
import { AuditFilterSchema } from '../domain/audit-schemas.js'
import { describeIssues } from '../domain/field-issues.js'
import { withStore, type StoreFlags } from './context.js'

export interface AuditFlags {
  readonly actor?: string
  readonly kind?: string
  readonly object?: string
  readonly since?: string
  readonly until?: string
  readonly limit?: string
  readonly json?: boolean
}

/** A date alone (2026-12-01) means its start, in UTC. */
function time(text: string | undefined): string | undefined {
  if (text === undefined) return undefined
  return /^\d{4}-\d{2}-\d{2}$/.test(text) ? `${text}T00:00:00Z` : text
}

function filterOf(flags: AuditFlags): AuditFilter {
  const raw = {
    actor: flags.actor,
    kind: flags.kind,
    object: flags.object,
    since: time(flags.since),
    until: time(flags.until),
    limit: flags.limit,
  }
  const parsed = AuditFilterSchema.safeParse(raw)
  if (!parsed.success) {
    throw describeIssues(parsed.error, 'audit filter', raw, {
      actor: '--actor',
      kind: '--kind',
      object: '--object',
      since: '--since',
      until: '--until',
      limit: '--limit',
    })
  }
  return parsed.data
}

function shown(value: unknown): string {
  return value === undefined ? '(none)' : JSON.stringify(value)
}

/**
 * One change in a line's words: `config.baseUrl: "a" → "b"`, a secret as `changed`.
 *
 * @example changeText({ field: 'role', before: 'viewer', after: 'editor' }) // 'role: "viewer" → "editor"'
 */
export function changeText(change: FieldChange): string {
  if (change.secret)
    return `${change.field}: ${change.after === undefined ? 'removed' : change.before === undefined ? 'set' : 'changed'}`
  return `${change.field}: ${shown(change.before)} → ${shown(change.after)}`
}

function entryText(entry: AuditEntry): string {
  const version = entry.version === null ? '' : ` (v${entry.version})`
  const head = `${entry.at}  ${entry.actorName}  ${entry.action} ${entry.kind} "${entry.object}"${version}`
  return [head, ...entry.changes.map((change) => `    ${changeText(change)}`)].join('\n')
}

export async function listAudit(flags: AuditFlags, global: StoreFlags): Promise<void> {
  const filter = filterOf(flags)
  const entries = await withStore(global, (store) => store.audit.list(filter))
  if (flags.json) {
    console.log(JSON.stringify(entries, null, 2))
    return
  }
  if (entries.length === 0) console.log('No changes recorded match.')
  for (const entry of entries) console.log(entryText(entry))
}

export async function exportAudit(flags: AuditFlags, global: StoreFlags): Promise<void> {
  const { limit: _limit, ...filter } = filterOf(flags)
  await withStore(global, async (store) => {
    for await (const entry of store.audit.stream(filter)) {
      // Waits for the pipe when it is full: a long log streams without piling up in memory. A reader
      // that closed the pipe (`| head`) ends the export: that is its choice, not an error (main.ts).
      if (!process.stdout.write(`${JSON.stringify(entry)}\n`)) {
        const closed = await once(process.stdout, 'drain').then(
          () => false,
          (error: NodeJS.ErrnoException) => {
            if (error.code === 'EPIPE') return true
            throw error
          },
        )
        if (closed) return
      }
    }
  })
}
