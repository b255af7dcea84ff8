import { describeCondition } from '../../../src/domain/alert-words.js'
import { api, type AlertSummary } from '../api.js'
import { ErrorMessage } from '../components/error-message.js'
import { Link, navigate } from '../router.js'
import { canUse, useSession } from '../session.js'
import { useLoad } from '../use-load.js'

/**
 * The alerts (issue 16): a condition on a query's result and the channels told when it changes. Each
 * row says what the last check found; an admin adds and changes them, an editor reads them.
 */
export function AlertsPage() {
  const role = useSession().session.user.role
  const { data, error } = useLoad<AlertSummary[]>(api.alerts, 'alerts')
  return (
    <section>
      <h1>Alerts</h1>
      <p className="muted">
        A condition on a query&rsquo;s result, checked when the query runs on its schedule (or by Check now).
        When it starts or stops holding, a webhook, a Slack channel or an email is told.
      </p>
      {canUse.editAlerts(role) && (
        <div className="actions">
          <button type="button" className="primary" onClick={() => navigate('/alerts/new')}>
            Add alert
          </button>
        </div>
      )}
      <ErrorMessage message={error} />
      {data && data.length === 0 && <p className="muted">No alerts yet.</p>}
      {data && data.length > 0 && (
        <table className="list">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Query</th>
              <th scope="col">Condition</th>
              <th scope="col">State</th>
              <th scope="col">Last checked</th>
              <th scope="col">Last changed</th>
            </tr>
          </thead>
          <tbody>
            {data.map((alert) => (
              <tr key={alert.name}>
                <td>
                  <Link to={`/alerts/${encodeURIComponent(alert.name)}`}>{alert.name}</Link>
                </td>
                <td>{alert.query}</td>
                <td>{describeCondition(alert.condition)}</td>
                <td className={`alert-state alert-${alert.state}`} title={alert.lastError ?? undefined}>
                  {alert.state}
                </td>
                <td>{alert.lastCheckedAt ? new Date(alert.lastCheckedAt).toLocaleString() : 'never'}</td>
                <td>{alert.lastChangedAt ? new Date(alert.lastChangedAt).toLocaleString() : '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  )
}
