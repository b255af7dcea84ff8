import { useEffect, useState, type FormEvent } from 'react'
import { api, messageOf, type Session } from '../api.js'
import { ErrorMessage } from '../components/error-message.js'
import { Field } from '../components/field.js'
import { Link, navigate, useLocation } from '../router.js'

/** First run: create the admin with the setup token from the URL (?token=…). */
export function SetupPage({ onSession }: { onSession: (session: Session) => void }) {
  const { query } = useLocation()
  const token = query.get('token') ?? ''
  const [name, setName] = useState('admin')
  const [password, setPassword] = useState('')
  const [repeat, setRepeat] = useState('')
  const [error, setError] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)
  const [done, setDone] = useState(false)

  useEffect(() => {
    api.setupRequired().then(
      (answer) => setDone(!answer.required),
      () => setDone(false),
    )
  }, [])

  const submit = async (event: FormEvent) => {
    event.preventDefault()
    if (password !== repeat) {
      setError('The two passwords differ.')
      return
    }
    setBusy(true)
    setError(null)
    try {
      const session = await api.setup({ token, name, password })
      navigate('/datasources', { replace: true })
      onSession(session)
    } catch (failure) {
      setError(messageOf(failure))
    } finally {
      setBusy(false)
    }
  }

  return (
    <main className="narrow">
      <h1>Set up Quarry</h1>
      <p>Create the first admin. They can then add datasources, queries and other users.</p>
      {done && (
        <p className="notice">
          Setup is already done. <Link to="/login">Sign in</Link> instead.
        </p>
      )}
      {token === '' && (
        <p className="error">This link has no setup token: open the one `quarry serve` printed.</p>
      )}
      <form onSubmit={submit}>
        <Field label="Name" value={name} onChange={setName} autoComplete="username" required />
        <Field
          label="Password"
          type="password"
          value={password}
          onChange={setPassword}
          autoComplete="new-password"
          required
        />
        <Field
          label="Confirm"
          type="password"
          value={repeat}
          onChange={setRepeat}
          autoComplete="new-password"
          required
        />
        <ErrorMessage message={error} />
        <button type="submit" className="primary" disabled={busy}>
          Create admin
        </button>
      </form>
    </main>
  )
}
