import { api, type DashboardSummary } from '../api.js'
import { ErrorMessage } from '../components/error-message.js'
import { Link, navigate } from '../router.js'
import { canUse, useSession } from '../session.js'
import { useLoad } from '../use-load.js'

/**
 * The dashboards (issue 17) shown to the signed-in person: each opens at /d/NAME. Editors add and
 * change them (the grid editor, dashboard-edit.tsx).
 */
export function DashboardsPage() {
  const role = useSession().session.user.role
  const { data, error } = useLoad<DashboardSummary[]>(api.dashboards, 'dashboards')
  const editor = canUse.editQueries(role)
  return (
    <section>
      <h1>Dashboards</h1>
      <p className="muted">
        Pages of panels — each a query shown as a table, a chart or a template — on a grid, sharing one bar of
        parameters.
      </p>
      {editor && (
        <div className="actions">
          <button type="button" className="primary" onClick={() => navigate('/dashboards/new')}>
            Add dashboard
          </button>
        </div>
      )}
      <ErrorMessage message={error} />
      {data && data.length === 0 && <p className="muted">No dashboards yet.</p>}
      {data && data.length > 0 && (
        <table className="list">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Title</th>
              <th scope="col">Panels</th>
              <th scope="col">Page</th>
            </tr>
          </thead>
          <tbody>
            {data.map((dashboard) => (
              <tr key={dashboard.name}>
                <td>
                  {editor ? (
                    <Link to={`/dashboards/${encodeURIComponent(dashboard.name)}`}>{dashboard.name}</Link>
                  ) : (
                    dashboard.name
                  )}
                </td>
                <td>{dashboard.title ?? ''}</td>
                <td>{dashboard.panels}</td>
                <td>
                  <a href={dashboard.url}>Open {dashboard.name}</a>
                  {dashboard.public && <span className="muted"> (public)</span>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  )
}
