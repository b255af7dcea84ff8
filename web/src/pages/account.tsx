import { useState, type FormEvent } from 'react'
import { MIN_PASSWORD_LENGTH } from '../../../src/domain/password-rules.js'
import { api, messageOf } from '../api.js'
import { ErrorMessage } from '../components/error-message.js'
import { Field } from '../components/field.js'
import { Link } from '../router.js'
import { CONNECTIONS_PATH } from './connections.js'
import { useSession } from '../session.js'

/** The signed-in user's own account, for every role: who they are, and changing their password. */
export function AccountPage() {
  const { session, setSession } = useSession()
  const { user } = session
  const [current, setCurrent] = useState('')
  const [next, setNext] = useState('')
  const [repeat, setRepeat] = useState('')
  const [error, setError] = useState<string | null>(null)
  const [done, setDone] = useState(false)
  const [busy, setBusy] = useState(false)

  const submit = async (event: FormEvent) => {
    event.preventDefault()
    setDone(false)
    if (next !== repeat) {
      setError('The two new passwords differ.')
      return
    }
    setBusy(true)
    setError(null)
    try {
      // The server signs this browser in again: the new session carries a new CSRF token.
      setSession(await api.changePassword({ currentPassword: current, newPassword: next }))
      setCurrent('')
      setNext('')
      setRepeat('')
      setDone(true)
    } catch (failure) {
      setError(messageOf(failure))
    } finally {
      setBusy(false)
    }
  }

  return (
    <section>
      <h1>Account</h1>
      <dl className="facts">
        <dt>Name</dt>
        <dd>{user.name}</dd>
        <dt>Role</dt>
        <dd>{user.role}</dd>
        <dt>Groups</dt>
        <dd>{user.groups.length === 0 ? 'none' : user.groups.join(', ')}</dd>
      </dl>
      <p>
        <Link to={CONNECTIONS_PATH}>My connections</Link>: the accounts you connected to datasources that run
        with each person's own account.
      </p>
      <h2>Change password</h2>
      <p className="muted">
        Changing it signs you out everywhere else and revokes your API tokens; this browser stays signed in.
      </p>
      <form className="panel" onSubmit={submit} aria-label="Change password">
        <Field
          label="Current password"
          type="password"
          value={current}
          onChange={setCurrent}
          autoComplete="current-password"
          required
        />
        <Field
          label="New password"
          type="password"
          value={next}
          onChange={setNext}
          autoComplete="new-password"
          minLength={MIN_PASSWORD_LENGTH}
          hint={`At least ${MIN_PASSWORD_LENGTH} characters.`}
          required
        />
        <Field
          label="Repeat new password"
          type="password"
          value={repeat}
          onChange={setRepeat}
          autoComplete="new-password"
          required
        />
        <ErrorMessage message={error} />
        {done && (
          <p className="notice" role="status">
            Password changed. Other sessions are signed out and your API tokens revoked.
          </p>
        )}
        <div className="actions">
          <button type="submit" className="primary" disabled={busy}>
            Change password
          </button>
        </div>
      </form>
    </section>
  )
}
