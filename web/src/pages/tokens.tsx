import { useState, type FormEvent } from 'react'
import { api, messageOf } from '../api.js'
import { formatTime } from '../components/connection-state.js'
import { CopyButton } from '../components/copy-button.js'
import { ErrorMessage } from '../components/error-message.js'
import { Field } from '../components/field.js'
import { useLoad } from '../use-load.js'

/** API tokens (every signed-in user): list, create (shown once), revoke. */
export function TokensPage() {
  const { data, error, reload } = useLoad(api.tokens)
  const [name, setName] = useState('')
  const [created, setCreated] = useState<{ name: string; token: string } | null>(null)
  const [actionError, setActionError] = useState<string | null>(null)

  const create = async (event: FormEvent) => {
    event.preventDefault()
    setActionError(null)
    try {
      const token = await api.createToken({ name })
      setCreated({ name: token.name, token: token.token })
      setName('')
      reload()
    } catch (failure) {
      setActionError(messageOf(failure))
    }
  }

  const revoke = async (id: string, tokenName: string) => {
    if (!window.confirm(`Revoke the token ${tokenName}? Programs using it stop working.`)) return
    setActionError(null)
    try {
      await api.revokeToken(id)
      reload()
    } catch (failure) {
      setActionError(messageOf(failure))
    }
  }

  return (
    <section>
      <h1>API tokens</h1>
      <p className="muted">
        A token lets a program call the API as you: <code>Authorization: Bearer TOKEN</code>.
      </p>
      <form className="panel row" onSubmit={create} aria-label="Create token">
        <Field label="Name" value={name} onChange={setName} required placeholder="e.g. reporting script" />
        <div className="field">
          <button type="submit" className="primary">
            Create token
          </button>
        </div>
      </form>
      {created && (
        <div className="panel" role="status">
          <p>
            The token <strong>{created.name}</strong> — copy it now, it is not shown again:
          </p>
          <p className="token-once" aria-label="New token">
            {created.token}
          </p>
          <div className="actions">
            <CopyButton text={created.token} label="Copy token" />
            <button type="button" onClick={() => setCreated(null)}>
              Done
            </button>
          </div>
        </div>
      )}
      <ErrorMessage message={actionError ?? error} />
      {data && data.length === 0 && <p className="muted">No tokens.</p>}
      {data && data.length > 0 && (
        <table className="list">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Created</th>
              <th scope="col">Last used</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {data.map((token) => (
              <tr key={token.id}>
                <td>{token.name}</td>
                <td>{formatTime(token.createdAt)}</td>
                <td>{token.lastUsedAt ? formatTime(token.lastUsedAt) : 'never'}</td>
                <td>
                  <button type="button" className="danger" onClick={() => revoke(token.id, token.name)}>
                    Revoke
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  )
}
