import { useState, type FormEvent } from 'react'
import { api, messageOf } from '../api.js'
import { ErrorMessage } from '../components/error-message.js'
import { Field, SelectField } from '../components/field.js'
import { navigate } from '../router.js'

/**
 * The Jira Cloud quick form: an OAuth 2.0 (3LO) app's client id and secret are all it takes;
 * the server fills in the Atlassian URLs and scopes and adds ready-made queries.
 */
export function JiraCloudPage() {
  const [name, setName] = useState('jira')
  const [clientId, setClientId] = useState('')
  const [clientSecret, setClientSecret] = useState('')
  const [apiVersion, setApiVersion] = useState<'3' | '2'>('3')
  const [error, setError] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)

  const submit = async (event: FormEvent) => {
    event.preventDefault()
    setBusy(true)
    setError(null)
    try {
      const created = await api.createJiraCloud({
        name,
        clientId,
        clientSecret,
        apiVersion: Number(apiVersion) as 3 | 2,
      })
      navigate(`/datasources/${encodeURIComponent(created.name)}`)
    } catch (failure) {
      setError(messageOf(failure))
      setBusy(false)
    }
  }

  return (
    <section>
      <h1>Jira Cloud</h1>
      <p className="muted">
        Create an OAuth 2.0 (3LO) app in the Atlassian developer console, then paste its client ID and secret.
        Saving also adds the queries {name || 'NAME'}-issues, {name || 'NAME'}-projects and {name || 'NAME'}
        -count. Then press Connect and give consent.
      </p>
      <form className="panel" onSubmit={submit} aria-label="Jira Cloud">
        <Field label="Name" value={name} onChange={setName} required />
        <Field label="Client ID" value={clientId} onChange={setClientId} required autoComplete="off" />
        <Field
          label="Client secret"
          type="password"
          value={clientSecret}
          onChange={setClientSecret}
          required
          autoComplete="new-password"
        />
        <SelectField
          label="API version"
          value={apiVersion}
          options={[
            { value: '3', label: '3 (rich text as ADF)' },
            { value: '2', label: '2 (rich text as wiki markup)' },
          ]}
          onChange={setApiVersion}
        />
        <ErrorMessage message={error} />
        <div className="actions">
          <button type="submit" className="primary" disabled={busy}>
            Save
          </button>
          <button type="button" onClick={() => navigate('/datasources')}>
            Cancel
          </button>
        </div>
      </form>
    </section>
  )
}
