import { useState, type FormEvent } from 'react'
import { api, messageOf, ROLE_RANK, SCOPE_ROLE, TOKEN_SCOPES, type Role, type TokenScope } from '../api.js'
import { formatTime } from '../components/connection-state.js'
import { CopyButton } from '../components/copy-button.js'
import { ErrorMessage } from '../components/error-message.js'
import { Field, SelectField } from '../components/field.js'
import { useSession } from '../session.js'
import { useLoad } from '../use-load.js'

/** What a token of each scope may do, in one line (src/domain/token-scope.ts). */
const SCOPE_TEXT: Record<TokenScope, string> = {
  run: 'run — view and run the queries shown to you',
  edit: 'edit — also create, change and delete queries',
  admin: 'admin — everything you may do, datasources and users included',
}

/** The scopes a user of this role may give a token: none wider than the role (the server refuses those). */
function scopesFor(role: Role): TokenScope[] {
  return TOKEN_SCOPES.filter((scope) => ROLE_RANK[SCOPE_ROLE[scope]] <= ROLE_RANK[role])
}

/** An expiry as a date, or "never"; a past one says so. */
function expiryText(expiresAt: string | null): string {
  if (expiresAt === null) return 'never'
  const date = new Date(expiresAt)
  return `${date.getTime() <= Date.now() ? 'expired ' : ''}${date.toLocaleDateString()}`
}

/** API tokens (every signed-in user): list, create with a scope and expiry (shown once), revoke. */
export function TokensPage() {
  const role = useSession().session.user.role
  const { data, error, reload } = useLoad(api.tokens)
  const [name, setName] = useState('')
  const [scope, setScope] = useState<TokenScope>('run')
  const [days, setDays] = useState('')
  const [created, setCreated] = useState<{ name: string; token: string } | null>(null)
  const [actionError, setActionError] = useState<string | null>(null)

  const create = async (event: FormEvent) => {
    event.preventDefault()
    setActionError(null)
    try {
      const token = await api.createToken({
        name,
        scope,
        ...(days.trim() === '' ? {} : { expiresInDays: Number(days) }),
      })
      setCreated({ name: token.name, token: token.token })
      setName('')
      setDays('')
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
        A token lets a program call the API as you: <code>Authorization: Bearer TOKEN</code>. It never does
        more than your role ({role}) allows.
      </p>
      <form className="panel row" onSubmit={create} aria-label="Create token">
        <Field label="Name" value={name} onChange={setName} required placeholder="e.g. reporting script" />
        <SelectField<TokenScope>
          label="Scope"
          value={scope}
          options={scopesFor(role).map((value) => ({ value, label: SCOPE_TEXT[value] }))}
          onChange={setScope}
        />
        <Field
          label="Expires after (days)"
          type="number"
          min={1}
          max={3650}
          value={days}
          onChange={setDays}
          hint="Empty: until you revoke it."
        />
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
        <table className="list" aria-label="Tokens">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Scope</th>
              <th scope="col">Created</th>
              <th scope="col">Expires</th>
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
                <td>{token.scope}</td>
                <td>{formatTime(token.createdAt)}</td>
                <td>{expiryText(token.expiresAt)}</td>
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
