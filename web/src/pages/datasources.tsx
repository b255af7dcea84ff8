import { api } from '../api.js'
import { ConnectionState } from '../components/connection-state.js'
import { ConnectResult } from '../components/connect-result.js'
import { ErrorMessage } from '../components/error-message.js'
import { Link, navigate } from '../router.js'
import { DATASOURCE_TYPE_LABELS } from '../datasource-defaults.js'
import { useLoad } from '../use-load.js'

/** Datasources (admin): the list, with where each is and the 3LO connection state. */
export function DatasourcesPage() {
  const { data, error } = useLoad(api.datasources)
  // One quick-form button per preset the server has (src/auth/presets).
  const presets = useLoad(api.presets)
  return (
    <section>
      <h1>Datasources</h1>
      <ConnectResult />
      <div className="actions">
        <button type="button" className="primary" onClick={() => navigate('/datasources/new')}>
          Add datasource
        </button>
        {presets.data?.map((preset) => (
          <button
            key={preset.name}
            type="button"
            onClick={() => navigate(`/datasources/presets/${encodeURIComponent(preset.name)}`)}
          >
            {preset.title}
          </button>
        ))}
      </div>
      <ErrorMessage message={error} />
      {data && data.length === 0 && <p className="muted">No datasources yet.</p>}
      {data && data.length > 0 && (
        <table className="list">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Type</th>
              <th scope="col">Where</th>
              <th scope="col">Auth</th>
              <th scope="col">Connection</th>
            </tr>
          </thead>
          <tbody>
            {data.map((datasource) => (
              <tr key={datasource.name}>
                <td>
                  <Link to={`/datasources/${encodeURIComponent(datasource.name)}`}>{datasource.name}</Link>
                </td>
                <td>
                  {DATASOURCE_TYPE_LABELS[datasource.type] ?? datasource.type}
                  {datasource.preset && ` (${datasource.preset.name})`}
                </td>
                <td>
                  <code>{datasource.baseUrl}</code>
                </td>
                <td>{datasource.type === 'rest' ? datasource.authType : '—'}</td>
                <td>
                  <ConnectionState datasource={datasource} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  )
}
