import { useState, type FormEvent } from 'react'
import { api, messageOf, type PresetView } from '../api.js'
import { ErrorMessage } from '../components/error-message.js'
import { Field, SelectField } from '../components/field.js'
import { navigate } from '../router.js'
import { useLoad } from '../use-load.js'

/**
 * A preset's quick form (Jira Cloud, …), rendered from what GET /api/presets says of it: its fields,
 * its words and the queries it adds; the server fills in the rest (src/auth/presets).
 */
export function PresetPage({ preset }: { preset: string }) {
  const { data, error } = useLoad(api.presets)
  if (error) return <ErrorMessage message={error} />
  if (!data) return <p>Loading…</p>
  const view = data.find((candidate) => candidate.name === preset)
  if (!view) return <ErrorMessage message={`There is no preset "${preset}".`} />
  return <PresetForm view={view} />
}

/** "a, b and c". */
function listed(names: readonly string[]): string {
  return names.length < 2 ? names.join('') : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`
}

function PresetForm({ view }: { view: PresetView }) {
  const [name, setName] = useState(view.defaultName)
  const [values, setValues] = useState<Record<string, string>>(() =>
    Object.fromEntries(view.fields.map((field) => [field.key, field.choices?.[0]?.value ?? ''])),
  )
  // Where the provider is, when not at its real hosts (a stand-in, a national cloud): the CLI's --auth-url/--api-url.
  const [hosts, setHosts] = useState({ authUrl: '', apiUrl: '' })
  const [error, setError] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)
  const set = (key: string) => (value: string) => setValues((previous) => ({ ...previous, [key]: value }))

  const submit = async (event: FormEvent) => {
    event.preventDefault()
    setBusy(true)
    setError(null)
    try {
      const given = Object.fromEntries(Object.entries(hosts).filter(([, url]) => url.trim() !== ''))
      const created = await api.createFromPreset(view.name, { ...values, ...given, name })
      navigate(`/datasources/${encodeURIComponent(created.name)}`)
    } catch (failure) {
      setError(messageOf(failure))
      setBusy(false)
    }
  }

  const queries = view.queries.map((query) => query.replaceAll('{name}', name || 'NAME'))
  return (
    <section>
      <h1>{view.title}</h1>
      <p className="muted">
        {view.intro} Saving also adds the {queries.length === 1 ? 'query' : 'queries'} {listed(queries)}.{' '}
        {view.next}
      </p>
      <form className="panel" onSubmit={submit} aria-label={view.title}>
        <Field label="Name" value={name} onChange={setName} required />
        {view.fields.map((field) =>
          field.kind === 'choice' ? (
            <SelectField
              key={field.key}
              label={field.label}
              value={values[field.key] ?? ''}
              options={field.choices ?? []}
              onChange={set(field.key)}
            />
          ) : (
            <Field
              key={field.key}
              label={field.label}
              value={values[field.key] ?? ''}
              onChange={set(field.key)}
              required={field.required}
              autoComplete={field.kind === 'secret' ? 'new-password' : 'off'}
              {...(field.kind === 'secret' ? { type: 'password' } : {})}
            />
          ),
        )}
        <details>
          <summary>Provider hosts</summary>
          <p className="muted">
            Only when the provider is not at its usual address (a stand-in such as quarry sim, a national
            cloud): leave empty for the real one.
          </p>
          <Field
            label="Authorization server URL"
            type="url"
            value={hosts.authUrl}
            onChange={(authUrl) => setHosts((previous) => ({ ...previous, authUrl }))}
          />
          <Field
            label="API URL"
            type="url"
            value={hosts.apiUrl}
            onChange={(apiUrl) => setHosts((previous) => ({ ...previous, apiUrl }))}
          />
        </details>
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
