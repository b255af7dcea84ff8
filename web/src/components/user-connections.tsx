import { useState } from 'react'
import { api, messageOf, type UserConnection } from '../api.js'
import { formatTime } from './connection-state.js'
import { ErrorMessage } from './error-message.js'
import { useLoad } from '../use-load.js'

/** A person's connection state in words: connected (expires …) or needs consent (why). */
export function UserConnectionState({ connection }: { connection: Omit<UserConnection, 'user'> | null }) {
  if (connection === null) return <span className="muted">not connected</span>
  if (connection.status === 'needs_consent') {
    return (
      <span className="error">
        needs consent{connection.statusMessage ? `: ${connection.statusMessage}` : ''}
      </span>
    )
  }
  return (
    <span className="ok">
      connected{connection.expiresAt && <> · expires {formatTime(connection.expiresAt)}</>}
    </span>
  )
}

/**
 * Revokes a connection once the person confirms it, then reloads the list; a failure is shown.
 *
 * @example await revokeConnection({ question: 'Revoke …?', revoke: () => api.revokeMine('jira'), reload, setError })
 */
export async function revokeConnection(action: {
  readonly question: string
  readonly revoke: () => Promise<void>
  readonly reload: () => void
  readonly setError: (message: string | null) => void
}): Promise<void> {
  if (!window.confirm(action.question)) return
  action.setError(null)
  try {
    await action.revoke()
    action.reload()
  } catch (failure) {
    action.setError(messageOf(failure))
  }
}

/**
 * Each person's own connection to a per-user datasource (issue 15), for admins: state, last refresh
 * and use, and Revoke (that person's views ask them to connect again).
 */
export function UserConnections({ name }: { name: string }) {
  const { data, error, reload } = useLoad(() => api.userConnections(name), name)
  const [actionError, setActionError] = useState<string | null>(null)
  const revoke = (user: string) =>
    revokeConnection({
      question: `Revoke ${user}'s connection to ${name}? Their views ask them to connect again.`,
      revoke: () => api.revokeUserConnection(name, user),
      reload,
      setError: setActionError,
    })

  return (
    <div className="panel" role="region" aria-label="People's connections">
      <h2>People's connections</h2>
      <p className="muted">
        Per-user: each person connects their own account (from a view's Connect prompt or their Connections
        page), and their queries run with it.
      </p>
      <ErrorMessage message={actionError ?? error} />
      {data && data.length === 0 && <p className="muted">Nobody has connected yet.</p>}
      {data && data.length > 0 && (
        <table className="list" aria-label="Connections">
          <thead>
            <tr>
              <th scope="col">User</th>
              <th scope="col">State</th>
              <th scope="col">Last refresh</th>
              <th scope="col">Last used</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {data.map((connection) => (
              <tr key={connection.user}>
                <td>{connection.user}</td>
                <td>
                  <UserConnectionState connection={connection} />
                </td>
                <td>{connection.lastRefreshAt ? formatTime(connection.lastRefreshAt) : 'never'}</td>
                <td>{connection.lastUsedAt ? formatTime(connection.lastUsedAt) : 'never'}</td>
                <td>
                  <button
                    type="button"
                    className="danger"
                    onClick={() => revoke(connection.user)}
                    aria-label={`Revoke ${connection.user}`}
                  >
                    Revoke
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  )
}
