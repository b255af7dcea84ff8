import { useState, type FormEvent } from 'react'
import { api, messageOf, type ScheduleView, type SubscriptionView } from '../api.js'
import { formatTime } from '../components/connection-state.js'
import { ErrorMessage } from '../components/error-message.js'
import { CheckboxField, Field, SelectField } from '../components/field.js'
import { useLoad } from '../use-load.js'

/** `name=value` lines as parameter values; blank lines are skipped. */
function paramsOf(text: string): Record<string, string> {
  const params: Record<string, string> = {}
  for (const line of text.split('\n')) {
    const trimmed = line.trim()
    if (trimmed === '') continue
    const eq = trimmed.indexOf('=')
    if (eq <= 0) throw new Error(`Parameters: write one name=value a line; got "${trimmed}".`)
    params[trimmed.slice(0, eq).trim()] = trimmed.slice(eq + 1).trim()
  }
  return params
}

function paramsText(params: Record<string, string>): string {
  const entries = Object.entries(params)
  return entries.length === 0 ? 'defaults' : entries.map(([name, value]) => `${name}=${value}`).join(', ')
}

function rowsText(count: number): string {
  return count === 1 ? '1 row' : `${count} rows`
}

function lastRun(schedule: ScheduleView): string {
  if (schedule.lastRunAt === null) return 'never'
  const outcome = schedule.lastStatus === 'ok' ? `ok, ${rowsText(schedule.lastRowCount ?? 0)}` : 'failed'
  return `${formatTime(schedule.lastRunAt)} (${outcome})`
}

/** The browser's own time zone: the likeliest one a new schedule is meant in. */
const LOCAL_ZONE = Intl.DateTimeFormat().resolvedOptions().timeZone

/**
 * Schedules (issue 16), for editors: queries refreshed on a cron pattern by the server, their views
 * then served from the refreshed result. Each shows its next run, last run and last error.
 */
export function SchedulesPage() {
  const { data, error, reload } = useLoad(api.schedules)
  const queries = useLoad(api.queries)
  const subscriptions = useLoad(api.subscriptions)
  const [name, setName] = useState('')
  const [query, setQuery] = useState('')
  const [cron, setCron] = useState('0 * * * *')
  const [timeZone, setTimeZone] = useState(LOCAL_ZONE)
  const [params, setParams] = useState('')
  const [snapshot, setSnapshot] = useState(false)
  const [actionError, setActionError] = useState<string | null>(null)
  const [notice, setNotice] = useState<string | null>(null)

  const act = async (action: () => Promise<string | void>) => {
    setActionError(null)
    setNotice(null)
    try {
      const said = await action()
      if (said) setNotice(said)
      reload()
    } catch (failure) {
      setActionError(messageOf(failure))
    }
  }

  const create = (event: FormEvent) => {
    event.preventDefault()
    void act(async () => {
      const saved = await api.createSchedule({
        name,
        query,
        params: paramsOf(params),
        cron,
        timeZone,
        snapshot,
      })
      setName('')
      setParams('')
      return `Added ${saved.name}; next run ${saved.nextRunAt ? formatTime(saved.nextRunAt) : 'none'}.`
    })
  }

  const queryNames = queries.data?.map((q) => q.name) ?? []
  return (
    <section>
      <h1>Schedules</h1>
      <p className="muted">
        The server refreshes each query with these parameter values on its cron pattern (minute hour day month
        weekday, read in the time zone); its views with the same values show the refreshed result.
      </p>
      <form className="panel" onSubmit={create} aria-label="Add schedule">
        <div className="row">
          <Field label="Name" value={name} onChange={setName} required placeholder="e.g. open-bugs-hourly" />
          <SelectField<string>
            label="Query"
            value={query}
            options={[{ value: '', label: 'Choose a query' }, ...queryNames]}
            onChange={setQuery}
          />
          <Field label="Cron" value={cron} onChange={setCron} required hint="e.g. 0 7 * * 1-5" />
          <Field
            label="Time zone"
            value={timeZone}
            onChange={setTimeZone}
            required
            hint="IANA, e.g. Europe/Berlin"
          />
        </div>
        <label className="field">
          <span>Parameters (name=value, one a line; empty: the query’s defaults)</span>
          <textarea value={params} onChange={(event) => setParams(event.target.value)} rows={3} />
        </label>
        <CheckboxField
          label="Take a snapshot of the rows at each run (kept by the query's retention rule)"
          checked={snapshot}
          onChange={setSnapshot}
        />
        <div className="actions">
          <button type="submit" className="primary">
            Add schedule
          </button>
        </div>
      </form>
      <ErrorMessage message={actionError ?? error ?? queries.error ?? subscriptions.error} />
      {notice && (
        <p className="notice" role="status">
          {notice}
        </p>
      )}
      {data && data.length === 0 && <p className="muted">No schedules.</p>}
      {data && data.length > 0 && (
        <table className="list" aria-label="Schedules">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Query</th>
              <th scope="col">When</th>
              <th scope="col">Next run</th>
              <th scope="col">Last run</th>
              <th scope="col">Last error</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {data.map((schedule) => (
              <tr key={schedule.name}>
                <td>{schedule.name}</td>
                <td>
                  {schedule.query} <span className="muted">({paramsText(schedule.params)})</span>
                </td>
                <td>
                  <code>{schedule.cron}</code> <span className="muted">{schedule.timeZone}</span>
                </td>
                <td>
                  {schedule.enabled ? (schedule.nextRunAt ? formatTime(schedule.nextRunAt) : '—') : 'off'}
                </td>
                <td>{lastRun(schedule)}</td>
                <td>
                  {schedule.lastError === null
                    ? '—'
                    : `${schedule.lastErrorAt ? formatTime(schedule.lastErrorAt) : ''}: ${schedule.lastError} (${schedule.lastErrorCode ?? ''})`}
                  {schedule.failures > 0 && (
                    <span className="muted"> — {schedule.failures} failed in a row</span>
                  )}
                </td>
                <td className="actions">
                  <button
                    type="button"
                    onClick={() =>
                      act(async () => {
                        const run = await api.runSchedule(schedule.name)
                        return run.status === 'ok'
                          ? `Ran ${schedule.name}: ${rowsText(run.rowCount ?? 0)}.`
                          : `${schedule.name} failed: ${run.error ?? ''}`
                      })
                    }
                  >
                    Run now
                  </button>
                  <button
                    type="button"
                    onClick={() =>
                      act(() =>
                        api.updateSchedule(schedule.name, { enabled: !schedule.enabled }).then(() => {}),
                      )
                    }
                  >
                    {schedule.enabled ? 'Switch off' : 'Switch on'}
                  </button>
                  <button
                    type="button"
                    className="danger"
                    onClick={() => {
                      if (window.confirm(`Remove the schedule ${schedule.name}?`))
                        void act(() => api.deleteSchedule(schedule.name))
                    }}
                  >
                    Remove
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {subscriptions.data && <SubscriptionList subscriptions={subscriptions.data} />}
    </section>
  )
}

/**
 * The schedules' subscriptions (issue 16): who each run is mailed to, and how the last mailing went.
 * Read-only here; they are added and removed with `quarry subscription` or the API (docs/subscriptions.md).
 */
function SubscriptionList({ subscriptions }: { readonly subscriptions: readonly SubscriptionView[] }) {
  return (
    <>
      <h2>Subscriptions</h2>
      <p className="muted">
        Each run of the schedule is mailed to these addresses: a table of the rows, the rows attached, a link
        to the view and an unsubscribe link. Add or remove them with <code>quarry subscription</code> or the
        API.
      </p>
      {subscriptions.length === 0 ? (
        <p className="muted">No subscriptions.</p>
      ) : (
        <table className="list" aria-label="Subscriptions">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Schedule</th>
              <th scope="col">Mailed to</th>
              <th scope="col">Attachment</th>
              <th scope="col">Last sent</th>
              <th scope="col">Last error</th>
            </tr>
          </thead>
          <tbody>
            {subscriptions.map((subscription) => (
              <tr key={subscription.name}>
                <td>{subscription.name}</td>
                <td>{subscription.schedule}</td>
                <td>{subscription.to.length === 0 ? 'no one' : subscription.to.join(', ')}</td>
                <td>{subscription.format === 'none' ? 'none' : subscription.format.toUpperCase()}</td>
                <td>{subscription.lastSentAt ? formatTime(subscription.lastSentAt) : 'never'}</td>
                <td>{subscription.lastError ?? '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  )
}
