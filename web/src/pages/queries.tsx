import { api } from '../api.js'
import { ErrorMessage } from '../components/error-message.js'
import { Link, navigate } from '../router.js'
import { canUse, useSession } from '../session.js'
import { useLoad } from '../use-load.js'

/** Queries: the editor's list, or for a viewer the views they may open. */
export function QueriesPage() {
  const role = useSession().session.user.role
  return canUse.editQueries(role) ? <QueryList /> : <ViewList />
}

function viewHref(name: string): string {
  return `/v/${encodeURIComponent(name)}`
}

function QueryList() {
  const { data, error } = useLoad(api.queries)
  return (
    <section>
      <h1>Queries</h1>
      <div className="actions">
        <button type="button" className="primary" onClick={() => navigate('/queries/new')}>
          Add query
        </button>
      </div>
      <ErrorMessage message={error} />
      {data && data.length === 0 && <p className="muted">No queries yet.</p>}
      {data && data.length > 0 && (
        <table className="list">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Title</th>
              <th scope="col">Datasource</th>
              <th scope="col">Request</th>
              <th scope="col">View</th>
            </tr>
          </thead>
          <tbody>
            {data.map((query) => (
              <tr key={query.name}>
                <td>
                  <Link to={`/queries/${encodeURIComponent(query.name)}`}>{query.name}</Link>
                  {query.public && <PublicBadge />}
                </td>
                <td>{query.title ?? ''}</td>
                <td>{query.datasource}</td>
                <td>
                  <code className="one-line" title={query.sql}>
                    {query.sql ?? `${query.method} ${query.path ?? ''}`}
                  </code>
                </td>
                <td>
                  <a
                    href={viewHref(query.name)}
                    target="_blank"
                    rel="noopener"
                    aria-label={`Open view ${query.name}`}
                  >
                    Open view
                  </a>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  )
}

/** Marks a query whose view anyone with the link may open (issue 10). */
function PublicBadge() {
  return (
    <>
      {' '}
      <span className="badge" title="Anyone with the link can open its view, without signing in">
        Public
        <span className="visually-hidden">: anyone with the link can open its view</span>
      </span>
    </>
  )
}

function ViewList() {
  const { data, error } = useLoad(api.queries)
  return (
    <section>
      <h1>Queries</h1>
      <p className="muted">Open a query's view to see its data.</p>
      <ErrorMessage message={error} />
      {data && data.length === 0 && <p className="muted">No views are shared with you yet.</p>}
      {data && data.length > 0 && (
        <ul className="view-list">
          {data.map((query) => (
            <li key={query.name}>
              <a href={viewHref(query.name)}>{query.title ?? query.name}</a>
              {query.title && <span className="muted"> ({query.name})</span>}
            </li>
          ))}
        </ul>
      )}
    </section>
  )
}
