import { useState, type FormEvent } from 'react'
import { AUDIT_KIND_NAMES, type AuditKind } from '../../../src/domain/audit-kinds.js'
import { api, type AuditEntry, type AuditFilter } from '../api.js'
import { ErrorMessage } from '../components/error-message.js'
import { Field, SelectField } from '../components/field.js'
import { useLoad } from '../use-load.js'

/** What the filter form holds: text as typed; times as a datetime-local input gives them (local time). */
interface Draft {
  actor: string
  kind: AuditKind | ''
  object: string
  since: string
  until: string
}

const EMPTY: Draft = { actor: '', kind: '', object: '', since: '', until: '' }

/** A datetime-local value (the browser's local time) as ISO 8601 UTC, or undefined when empty. */
function isoOf(local: string): string | undefined {
  return local === '' ? undefined : new Date(local).toISOString()
}

function filterOf(draft: Draft): AuditFilter {
  return {
    ...(draft.actor.trim() === '' ? {} : { actor: draft.actor.trim() }),
    ...(draft.kind === '' ? {} : { kind: draft.kind }),
    ...(draft.object.trim() === '' ? {} : { object: draft.object.trim() }),
    ...(isoOf(draft.since) === undefined ? {} : { since: isoOf(draft.since) }),
    ...(isoOf(draft.until) === undefined ? {} : { until: isoOf(draft.until) }),
  }
}

function actorText(entry: AuditEntry): string {
  if (entry.actor.type === 'token') return `${entry.actor.user} (API token “${entry.actor.token}”)`
  return entry.actorName
}

function valueText(value: unknown): string {
  return value === undefined ? '—' : JSON.stringify(value)
}

/**
 * The audit log (admins, issue 19): who changed which datasource, query, converter, template, user,
 * API token, connection or setting, when, and what changed field by field — secrets only as "changed".
 * Filters by actor, kind, object and time; the same filters export the log as NDJSON.
 */
export function AuditPage() {
  const [draft, setDraft] = useState<Draft>(EMPTY)
  const [filter, setFilter] = useState<AuditFilter>({})
  const { data, error } = useLoad(() => api.audit(filter), JSON.stringify(filter))
  const change = (fields: Partial<Draft>) => setDraft((current) => ({ ...current, ...fields }))
  const apply = (event: FormEvent) => {
    event.preventDefault()
    setFilter(filterOf(draft))
  }

  return (
    <section>
      <h1>Audit log</h1>
      <p>
        Every change to datasources, queries, converters, templates, users, API tokens, connections and
        settings — through this UI, the API or the command line — with who made it and what changed. Secrets
        are never shown, only that they changed.
      </p>
      <form className="audit-filters" onSubmit={apply} aria-label="Filters">
        <Field
          label="Actor"
          value={draft.actor}
          onChange={(actor) => change({ actor })}
          hint="a user, cli:OSUSER or system"
        />
        <SelectField
          label="Kind"
          value={draft.kind}
          options={[{ value: '', label: 'Any' }, ...AUDIT_KIND_NAMES]}
          onChange={(kind) => change({ kind })}
        />
        <Field label="Object" value={draft.object} onChange={(object) => change({ object })} />
        <Field
          label="Since"
          type="datetime-local"
          value={draft.since}
          onChange={(since) => change({ since })}
        />
        <Field
          label="Until"
          type="datetime-local"
          value={draft.until}
          onChange={(until) => change({ until })}
        />
        <div className="actions">
          <button type="submit" className="primary">
            Filter
          </button>
          <a href={api.auditExportUrl(filter)} download>
            Export as NDJSON
          </a>
        </div>
      </form>
      <ErrorMessage message={error} />
      {data !== undefined && data.length === 0 && <p className="hint">No change matches.</p>}
      {data !== undefined && data.length > 0 && (
        <table className="list" aria-label="Changes">
          <thead>
            <tr>
              <th>When</th>
              <th>Who</th>
              <th>What</th>
              <th>Changes</th>
            </tr>
          </thead>
          <tbody>
            {data.map((entry) => (
              <tr key={entry.id}>
                <td>{new Date(entry.at).toLocaleString()}</td>
                <td>{actorText(entry)}</td>
                <td>
                  {entry.action} {entry.kind} <code>{entry.object}</code>
                  {entry.version !== null && ` (version ${entry.version})`}
                </td>
                <td>
                  <ul className="changes">
                    {entry.changes.map((change) => (
                      <li key={change.field}>
                        <code>{change.field}</code>:{' '}
                        {change.secret
                          ? change.after === undefined
                            ? 'removed'
                            : change.before === undefined
                              ? 'set'
                              : 'changed'
                          : `${valueText(change.before)} → ${valueText(change.after)}`}
                      </li>
                    ))}
                  </ul>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  )
}
