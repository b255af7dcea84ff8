import { useEffect, useId, useState, type FormEvent } from 'react'
import { CONDITION_HELP, describeCondition, readCondition } from '../../../src/domain/alert-words.js'
import { api, messageOf, type AlertDetail, type AlertTestResult, type QuerySummary } from '../api.js'
import { ErrorMessage } from '../components/error-message.js'
import { Field, SelectField } from '../components/field.js'
import { navigate } from '../router.js'
import { canUse, useSession } from '../session.js'

/**
 * One alert (issue 16): its query and parameter values, its condition in words ("Priority = Blocker
 * exists"), and its channels as JSON (secrets show as ••••••; left so, they keep their stored values).
 * Check now runs the query and notifies on a change; Send test tells every channel once.
 */

interface Draft {
  name: string
  description: string
  query: string
  /** One `name=value` a line. */
  params: string
  condition: string
  channels: string
}

const CHANNELS_EXAMPLE = JSON.stringify(
  [
    { type: 'slack', url: 'https://hooks.slack.com/services/…' },
    { type: 'webhook', url: 'https://example.com/hook', secret: 'at least 16 characters' },
    {
      type: 'email',
      host: 'smtp.example.com',
      port: 587,
      tls: 'starttls',
      from: 'quarry@example.com',
      to: ['team@example.com'],
      user: 'quarry',
      password: '…',
    },
  ],
  null,
  2,
)

const NEW_DRAFT: Draft = {
  name: '',
  description: '',
  query: '',
  params: '',
  condition: 'rows > 0',
  channels: '[]',
}

function draftOf(alert: AlertDetail): Draft {
  return {
    name: alert.name,
    description: alert.description ?? '',
    query: alert.query,
    params: Object.entries(alert.params)
      .map(([name, value]) => `${name}=${value}`)
      .join('\n'),
    condition: describeCondition(alert.condition),
    channels: JSON.stringify(alert.channels, null, 2),
  }
}

/** The Condition field read as the CLI's --when reads it. */
function conditionOf(text: string) {
  const read = readCondition(text)
  if ('problem' in read) throw new Error(`Condition: ${read.problem}. ${CONDITION_HELP}`)
  return read.condition
}

/** The request body a draft makes; a condition or channels that do not read say which field. */
function bodyOf(draft: Draft): object {
  const params = Object.fromEntries(
    draft.params
      .split('\n')
      .map((line) => line.trim())
      .filter(Boolean)
      .map((line) => {
        const at = line.indexOf('=')
        if (at < 1) throw new Error(`Parameter values: write name=value, one a line ("${line}").`)
        return [line.slice(0, at).trim(), line.slice(at + 1)]
      }),
  )
  let channels: unknown
  try {
    channels = JSON.parse(draft.channels)
  } catch (error) {
    throw new Error(`Channels: not JSON (${(error as Error).message}).`, { cause: error })
  }
  return {
    name: draft.name,
    ...(draft.description ? { description: draft.description } : {}),
    query: draft.query,
    params,
    condition: conditionOf(draft.condition),
    channels,
  }
}

export function AlertEditPage({ name }: { name: string | null }) {
  const admin = canUse.editAlerts(useSession().session.user.role)
  const [alert, setAlert] = useState<AlertDetail | null>(null)
  const [draft, setDraft] = useState<Draft | null>(name === null ? NEW_DRAFT : null)
  const [queries, setQueries] = useState<QuerySummary[]>([])
  const [error, setError] = useState<string | null>(null)
  const [status, setStatus] = useState<string | null>(null)
  const [tested, setTested] = useState<AlertTestResult | null>(null)
  const [busy, setBusy] = useState(false)
  const paramsId = useId()
  const channelsId = useId()

  const reload = async (which: string) => {
    const loaded = await api.alert(which)
    setAlert(loaded)
    setDraft(draftOf(loaded))
  }

  useEffect(() => {
    api.queries().then(setQueries, () => setQueries([]))
    if (name !== null) reload(name).catch((failure: unknown) => setError(messageOf(failure)))
  }, [name])

  if (draft === null) return error ? <ErrorMessage message={error} /> : <p>Loading…</p>
  const change = (patch: Partial<Draft>) => {
    setDraft({ ...draft, ...patch })
    setStatus(null)
  }

  const act = async (what: () => Promise<void>) => {
    setBusy(true)
    setError(null)
    setStatus(null)
    try {
      await what()
    } catch (failure) {
      setError(messageOf(failure))
    } finally {
      setBusy(false)
    }
  }

  const save = (event: FormEvent) => {
    event.preventDefault()
    void act(async () => {
      const body = bodyOf(draft)
      if (name === null) await api.createAlert(body)
      else await api.updateAlert(name, body)
      if (name !== draft.name) {
        navigate(`/alerts/${encodeURIComponent(draft.name)}`, { replace: true, force: true })
        return
      }
      await reload(name)
      setStatus('Saved.')
    })
  }

  const check = () =>
    act(async () => {
      if (name === null) return
      const result = await api.checkAlert(name)
      await reload(name)
      setStatus(
        `${result.state}${result.changed ? ` (was ${result.previous}; the channels are being told)` : ''}: ${result.summary}`,
      )
    })

  const test = () =>
    act(async () => {
      if (name === null) return
      setTested(await api.testAlert(name))
      await reload(name)
    })

  const remove = () =>
    act(async () => {
      if (name === null || !window.confirm(`Delete the alert "${name}"?`)) return
      await api.deleteAlert(name)
      navigate('/alerts', { force: true })
    })

  const queryOptions = [
    { value: '', label: 'Choose a query' },
    ...queries.map((query) => ({ value: query.name, label: query.name })),
  ]

  return (
    <section>
      <h1>{name === null ? 'Add alert' : `Alert ${name}`}</h1>
      {alert && (
        <p className="muted">
          State: <strong className={`alert-state alert-${alert.state}`}>{alert.state}</strong>
          {alert.lastCheckedAt && ` · checked ${new Date(alert.lastCheckedAt).toLocaleString()}`}
          {alert.lastChangedAt && ` · changed ${new Date(alert.lastChangedAt).toLocaleString()}`}
          {alert.lastError && ` · last error: ${alert.lastError}`}
        </p>
      )}
      <form onSubmit={save}>
        <fieldset disabled={!admin}>
          <Field label="Name" value={draft.name} onChange={(v) => change({ name: v })} required />
          <Field label="Description" value={draft.description} onChange={(v) => change({ description: v })} />
          <SelectField
            label="Query"
            value={draft.query}
            options={queryOptions}
            onChange={(v) => change({ query: v })}
          />
          <div className="field">
            <label htmlFor={paramsId}>Parameter values</label>
            <textarea
              id={paramsId}
              className="code"
              rows={3}
              value={draft.params}
              placeholder="project=DEMO"
              onChange={(event) => change({ params: event.target.value })}
            />
          </div>
          <Field
            label="Condition"
            value={draft.condition}
            onChange={(v) => change({ condition: v })}
            hint='"rows > 5", or COLUMN OP VALUE [exists|none|all], e.g. "Priority = Blocker exists"'
            required
          />
          <div className="field">
            <label htmlFor={channelsId}>Channels</label>
            <textarea
              id={channelsId}
              className="code"
              rows={10}
              value={draft.channels}
              placeholder={CHANNELS_EXAMPLE}
              spellCheck={false}
              onChange={(event) => change({ channels: event.target.value })}
            />
            <small className="hint">
              JSON: webhook (url, secret), slack (url) or email (host, port, tls: starttls | tls | none, ca,
              rejectUnauthorized, from, to, user, password). Secrets show as ••••••; left so, they are kept.
            </small>
          </div>
        </fieldset>
        <ErrorMessage message={error} />
        {status && (
          <p className="ok" role="status">
            {status}
          </p>
        )}
        {admin && (
          <div className="actions">
            <button type="submit" className="primary" disabled={busy}>
              Save
            </button>
            {name !== null && (
              <>
                <button type="button" disabled={busy} onClick={() => void check()}>
                  Check now
                </button>
                <button type="button" disabled={busy} onClick={() => void test()}>
                  Send test
                </button>
                <button type="button" className="danger" disabled={busy} onClick={() => void remove()}>
                  Delete
                </button>
              </>
            )}
          </div>
        )}
      </form>
      {tested && (
        <ul aria-label="Test deliveries">
          {tested.deliveries.map((report) => (
            <li key={report.channel}>
              {report.channel}: {report.ok ? 'delivered' : `failed: ${report.attempts.at(-1)?.error ?? ''}`}
            </li>
          ))}
        </ul>
      )}
      {alert && alert.events.length > 0 && (
        <>
          <h2>History</h2>
          <table className="list">
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">What</th>
                <th scope="col">Result</th>
                <th scope="col">Deliveries</th>
              </tr>
            </thead>
            <tbody>
              {alert.events.map((event) => (
                <tr key={`${event.at}-${event.kind}`}>
                  <td>{new Date(event.at).toLocaleString()}</td>
                  <td>{event.kind === 'change' ? `${event.from} → ${event.to}` : event.kind}</td>
                  <td>{event.summary}</td>
                  <td>
                    {event.deliveries === null
                      ? 'under way'
                      : event.deliveries
                          .map((report) =>
                            report.ok
                              ? `${report.channel}: delivered (${report.attempts.length} attempt${report.attempts.length === 1 ? '' : 's'})`
                              : `${report.channel}: failed after ${report.attempts.length}: ${report.attempts.at(-1)?.error ?? ''}`,
                          )
                          .join('; ')}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  )
}
