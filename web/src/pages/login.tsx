import { useEffect, useState, type FormEvent } from 'react'
import { api, ApiError, messageOf, type Session } from '../api.js'
import { ErrorMessage } from '../components/error-message.js'
import { Field } from '../components/field.js'

/** Sign in with name and password. Says so when the first-run setup is still open. */
export function LoginPage({ onSession }: { onSession: (session: Session) => void }) {
  const [name, setName] = useState('')
  const [password, setPassword] = useState('')
  const [error, setError] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)
  const [setupRequired, setSetupRequired] = useState(false)

  useEffect(() => {
    api.setupRequired().then(
      (answer) => setSetupRequired(answer.required),
      () => setSetupRequired(false),
    )
  }, [])

  const submit = async (event: FormEvent) => {
    event.preventDefault()
    setBusy(true)
    setError(null)
    try {
      onSession(await api.signIn({ name, password }))
    } catch (failure) {
      setError(
        failure instanceof ApiError && failure.status === 429
          ? `Too many attempts. ${failure.message}`
          : messageOf(failure),
      )
    } finally {
      setBusy(false)
    }
  }

  return (
    <main className="narrow">
      <h1>Sign in to Quarry</h1>
      {setupRequired && (
        <p className="notice">
          No admin exists yet. Open the setup link that <code>quarry serve</code> printed (it carries the
          setup token).
        </p>
      )}
      <form onSubmit={submit}>
        <Field label="Name" value={name} onChange={setName} autoComplete="username" required />
        <Field
          label="Password"
          type="password"
          value={password}
          onChange={setPassword}
          autoComplete="current-password"
          required
        />
        <ErrorMessage message={error} />
        <button type="submit" className="primary" disabled={busy}>
          Sign in
        </button>
      </form>
    </main>
  )
}
