import { useState, type FormEvent } from 'react'
import { api, messageOf } from '../api.js'
import { formatTime } from './connection-state.js'
import { ErrorMessage } from './error-message.js'
import { Field } from './field.js'
import { useLoad } from '../use-load.js'

const DAY_SECONDS = 86_400

function viewHref(name: string, search: string): string {
  return `/v/${encodeURIComponent(name)}?${search}`
}

/**
 * A query's snapshots (issue 16): take one with the Run panel's parameters, open one (or what changed
 * since the one before) in the view, remove one, and set how many are kept.
 */
export function SnapshotPanel({ name, values }: { name: string; values: Record<string, string> }) {
  const list = useLoad(() => api.snapshots(name), name)
  const [error, setError] = useState<string | null>(null)
  const [status, setStatus] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)

  const act = async (what: () => Promise<string>) => {
    setBusy(true)
    setError(null)
    setStatus(null)
    try {
      setStatus(await what())
      list.reload()
    } catch (failure) {
      setError(messageOf(failure))
    } finally {
      setBusy(false)
    }
  }

  const take = () =>
    act(async () => {
      const { snapshot, pruned } = await api.takeSnapshot(name, { params: values, refresh: true })
      const removed = pruned > 0 ? ` The retention rule removed ${pruned} older.` : ''
      return `Snapshot ${snapshot.id} taken: ${snapshot.rowCount} rows.${removed}`
    })
  const remove = (id: string) =>
    act(async () => {
      if (!window.confirm(`Remove snapshot ${id}?`)) return ''
      await api.removeSnapshot(name, id)
      return `Snapshot ${id} removed.`
    })

  const snapshots = list.data?.snapshots ?? []
  return (
    <section className="panel" aria-label="Snapshots">
      <h2>Snapshots</h2>
      <p className="muted">
        A snapshot keeps the rows as they are now, with the parameters above and the query as it is; later
        edits of the query do not change it. Kept: {list.data?.retention.description ?? '…'}
        {list.data && !list.data.retention.own ? ' (the default)' : ''}.
      </p>
      <div className="actions">
        <button type="button" className="primary" disabled={busy} onClick={() => void take()}>
          Take snapshot
        </button>
      </div>
      <ErrorMessage message={error ?? list.error} />
      {status && (
        <p className="ok" role="status">
          {status}
        </p>
      )}
      {list.data && snapshots.length === 0 && <p className="muted">No snapshots yet.</p>}
      {snapshots.length > 0 && (
        <table className="list">
          <thead>
            <tr>
              <th scope="col">Taken</th>
              <th scope="col">Rows</th>
              <th scope="col">By</th>
              <th scope="col">Parameters</th>
              <th scope="col">Query version</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {snapshots.map((snapshot, index) => {
              const before = snapshots[index + 1]
              return (
                <tr key={snapshot.id}>
                  <td>
                    <a href={viewHref(name, `snapshot=${snapshot.id}`)} target="_blank" rel="noopener">
                      {formatTime(snapshot.takenAt)}
                    </a>
                  </td>
                  <td>{snapshot.rowCount}</td>
                  <td>{snapshot.takenBy}</td>
                  <td>
                    {Object.entries(snapshot.params)
                      .map(([param, value]) => `${param}=${value}`)
                      .join(', ')}
                  </td>
                  <td>
                    <code>{snapshot.definitionHash.slice(0, 8)}</code>
                  </td>
                  <td>
                    {before && (
                      <a
                        href={viewHref(name, `snapshot=${snapshot.id}&compare=${before.id}`)}
                        target="_blank"
                        rel="noopener"
                      >
                        Changes
                      </a>
                    )}{' '}
                    <button
                      type="button"
                      className="danger"
                      disabled={busy}
                      onClick={() => void remove(snapshot.id)}
                      aria-label={`Remove snapshot ${snapshot.id}`}
                    >
                      Remove
                    </button>
                  </td>
                </tr>
              )
            })}
          </tbody>
        </table>
      )}
      {list.data && (
        <RetentionForm
          key={JSON.stringify(list.data.retention)}
          rule={list.data.retention.rule}
          onSave={(rule) =>
            act(async () => {
              const saved = await api.setSnapshotRetention(name, rule)
              const removed = saved.pruned > 0 ? ` ${saved.pruned} removed.` : ''
              return `Keeps ${saved.description}.${removed}`
            })
          }
          busy={busy}
        />
      )}
    </section>
  )
}

function RetentionForm({
  rule,
  onSave,
  busy,
}: {
  rule: { keepLast: number | null; maxAgeSeconds: number | null }
  onSave: (rule: { keepLast: number | null; maxAgeSeconds: number | null } | null) => Promise<void>
  busy: boolean
}) {
  const [keep, setKeep] = useState(rule.keepLast === null ? '' : String(rule.keepLast))
  const [days, setDays] = useState(
    rule.maxAgeSeconds === null ? '' : String(rule.maxAgeSeconds / DAY_SECONDS),
  )
  const save = (event: FormEvent) => {
    event.preventDefault()
    void onSave({
      keepLast: keep.trim() === '' ? null : Number(keep),
      maxAgeSeconds: days.trim() === '' ? null : Math.round(Number(days) * DAY_SECONDS),
    })
  }
  return (
    <form onSubmit={save} aria-label="Retention">
      <Field
        label="Keep the newest"
        value={keep}
        onChange={setKeep}
        hint="How many snapshots to keep; empty: no count limit."
      />
      <Field
        label="Remove older than (days)"
        value={days}
        onChange={setDays}
        hint="Empty: no age limit. Applied when a snapshot is taken and by the server every hour."
      />
      <div className="actions">
        <button type="submit" disabled={busy}>
          Save retention
        </button>
        <button type="button" disabled={busy} onClick={() => void onSave(null)}>
          Use the default
        </button>
      </div>
    </form>
  )
}
