import { useState } from 'react'
import { api, messageOf } from '../api.js'
import { ConnectResult } from '../components/connect-result.js'
import { ErrorMessage } from '../components/error-message.js'
import { revokeConnection, UserConnectionState } from '../components/user-connections.js'
import { BASE } from '../router.js'
import { useLoad } from '../use-load.js'

/** The admin UI's path of this page (the server's MY_CONNECTIONS_PAGE). */
export const CONNECTIONS_PATH = '/connections'

/**
 * My connections (every signed-in person, issue 15): the per-user datasources, each with this
 * person's own connection — Connect (consent through the server's callback, back here) or Revoke.
 */
export function ConnectionsPage() {
  const { data, error, reload } = useLoad(api.myConnections)
  const [actionError, setActionError] = useState<string | null>(null)

  const connect = async (datasource: string) => {
    setActionError(null)
    try {
      const { authorizeUrl } = await api.connectMine(datasource, `${BASE}${CONNECTIONS_PATH}?connected=1`)
      window.location.assign(authorizeUrl)
    } catch (failure) {
      setActionError(messageOf(failure))
    }
  }

  const revoke = (datasource: string) =>
    revokeConnection({
      question: `Revoke your connection to ${datasource}? Its views ask you to connect again.`,
      revoke: () => api.revokeMine(datasource),
      reload,
      setError: setActionError,
    })

  return (
    <section>
      <h1>My connections</h1>
      <p className="muted">
        Some datasources run with each person's own account: the queries on them show what your account may
        see. Connect yours here or from a view that asks for it.
      </p>
      <ConnectResult />
      <ErrorMessage message={actionError ?? error} />
      {data && data.length === 0 && <p className="muted">No datasource asks for your own account.</p>}
      {data && data.length > 0 && (
        <table className="list" aria-label="My connections">
          <thead>
            <tr>
              <th scope="col">Datasource</th>
              <th scope="col">State</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {data.map(({ datasource, connection }) => {
              // The button's name starts with its visible text (WCAG 2.5.3), then says which datasource.
              const connectLabel = connection === null ? 'Connect' : 'Connect again'
              return (
                <tr key={datasource}>
                  <td>{datasource}</td>
                  <td>
                    <UserConnectionState connection={connection} />
                  </td>
                  <td className="actions">
                    <button
                      type="button"
                      onClick={() => connect(datasource)}
                      aria-label={`${connectLabel} ${datasource}`}
                    >
                      {connectLabel}
                    </button>
                    {connection !== null && (
                      <button
                        type="button"
                        className="danger"
                        onClick={() => revoke(datasource)}
                        aria-label={`Revoke ${datasource}`}
                      >
                        Revoke
                      </button>
                    )}
                  </td>
                </tr>
              )
            })}
          </tbody>
        </table>
      )}
    </section>
  )
}
