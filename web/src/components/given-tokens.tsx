import { useState, type FormEvent } from 'react'
import { api, messageOf } from '../api.js'
import { Field } from './field.js'

/**
 * A 3LO datasource's connection from tokens obtained elsewhere — the PocketQuery guide's curl steps
 * give a refresh and an access token to paste (issue 13). Connect is the better way; this one is for
 * bringing such a datasource over as it is. Quarry refreshes (and rotates) them from the first use.
 */
export function GivenTokens({ name, onStored }: { name: string; onStored: () => void }) {
  const [refreshToken, setRefreshToken] = useState('')
  const [accessToken, setAccessToken] = useState('')
  const [outcome, setOutcome] = useState<{ ok: boolean; message: string } | null>(null)

  const store = async (event: FormEvent) => {
    event.preventDefault()
    setOutcome(null)
    try {
      await api.storeDatasourceTokens(name, {
        refreshToken,
        ...(accessToken.trim() === '' ? {} : { accessToken }),
      })
      setRefreshToken('')
      setAccessToken('')
      setOutcome({ ok: true, message: 'Tokens stored: the first use refreshes them.' })
      onStored()
    } catch (failure) {
      setOutcome({ ok: false, message: messageOf(failure) })
    }
  }

  return (
    <details>
      <summary>Tokens obtained elsewhere</summary>
      <form onSubmit={store} aria-label="Tokens obtained elsewhere">
        <div className="row">
          <Field
            label="Refresh token"
            type="password"
            autoComplete="off"
            value={refreshToken}
            onChange={setRefreshToken}
            required
          />
          <Field
            label="Access token"
            type="password"
            autoComplete="off"
            value={accessToken}
            onChange={setAccessToken}
            hint="Optional."
          />
        </div>
        <button type="submit">Store tokens</button>
        {outcome && (
          <p className={outcome.ok ? 'ok' : 'error'} role="status">
            {outcome.message}
          </p>
        )}
      </form>
    </details>
  )
}
