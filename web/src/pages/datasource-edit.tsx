import { useEffect, useState, type FormEvent } from 'react'
import { api, messageOf, type Datasource, type DatasourceSummary } from '../api.js'
import { AUTH_LABELS, AuthFields, authOfType } from '../components/auth-fields.js'
import { ConnectionState } from '../components/connection-state.js'
import { ConnectResult } from '../components/connect-result.js'
import { ErrorMessage } from '../components/error-message.js'
import { Field, SelectField } from '../components/field.js'
import { HeadersEditor } from '../components/headers-editor.js'
import { splitList } from '../lists.js'
import { Link, navigate } from '../router.js'

const NEW_DATASOURCE: Datasource = {
  name: '',
  type: 'rest',
  baseUrl: '',
  testPath: '/',
  headers: [],
  timeoutMs: 30_000,
  maxResponseBytes: 64 * 1024 * 1024,
  allowedHosts: [],
  auth: { type: 'none' },
}

type AuthType = Datasource['auth']['type']

/** Create (name null) or edit a datasource; test it; connect it (3LO). */
export function DatasourceEditPage({ name }: { name: string | null }) {
  const [datasource, setDatasource] = useState<Datasource | null>(name === null ? NEW_DATASOURCE : null)
  const [summary, setSummary] = useState<DatasourceSummary | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [saved, setSaved] = useState<string | null>(null)
  const [dirty, setDirty] = useState(false)
  const [busy, setBusy] = useState(false)
  const [test, setTest] = useState<{ ok: boolean; message: string } | null>(null)

  useEffect(() => {
    if (name === null) return
    api.datasource(name).then(setDatasource, (failure: unknown) => setError(messageOf(failure)))
    api.datasources().then(
      (all) => setSummary(all.find((d) => d.name === name) ?? null),
      () => setSummary(null),
    )
  }, [name])

  if (datasource === null) return error ? <ErrorMessage message={error} /> : <p>Loading…</p>

  const change = (patch: Partial<Datasource>) => {
    setDatasource({ ...datasource, ...patch })
    setDirty(true)
    setSaved(null)
  }

  const save = async (event: FormEvent) => {
    event.preventDefault()
    setBusy(true)
    setError(null)
    try {
      if (name === null) {
        const created = await api.createDatasource(datasource)
        navigate(`/datasources/${encodeURIComponent(created.name)}`, { replace: true })
        return
      }
      setDatasource(await api.updateDatasource(name, datasource))
      setDirty(false)
      setSaved('Saved.')
    } catch (failure) {
      setError(messageOf(failure))
    } finally {
      setBusy(false)
    }
  }

  const runTest = async () => {
    if (name === null) return
    setTest(null)
    try {
      setTest(await api.testDatasource(name))
    } catch (failure) {
      setTest({ ok: false, message: messageOf(failure) })
    }
  }

  const connect = async () => {
    if (name === null) return
    setError(null)
    try {
      const { authorizeUrl } = await api.connectDatasource(name)
      window.location.assign(authorizeUrl)
    } catch (failure) {
      setError(messageOf(failure))
    }
  }

  const remove = async () => {
    if (name === null || !window.confirm(`Delete the datasource ${name}?`)) return
    try {
      await api.deleteDatasource(name)
      navigate('/datasources')
    } catch (failure) {
      setError(messageOf(failure))
    }
  }

  const isThreeLegged = datasource.auth.type === 'oauth2-authorization-code'
  return (
    <section>
      <p>
        <Link to="/datasources">← Datasources</Link>
      </p>
      <h1>{name === null ? 'New datasource' : `Datasource ${name}`}</h1>
      <ConnectResult />
      {summary && isThreeLegged && (
        <p>
          Connection: <ConnectionState datasource={summary} />
        </p>
      )}
      <form onSubmit={save} aria-label="Datasource">
        <div className="panel">
          <Field
            label="Name"
            value={datasource.name}
            onChange={(v) => change({ name: v })}
            required
            readOnly={name !== null}
          />
          <Field
            label="Base URL"
            type="url"
            value={datasource.baseUrl}
            onChange={(v) => change({ baseUrl: v })}
            required
          />
          <Field
            label="Test path"
            value={datasource.testPath}
            onChange={(v) => change({ testPath: v })}
            hint="Relative to the base URL; Test connection requests it."
          />
          <Field
            label="Timeout (ms)"
            type="number"
            min={100}
            max={600000}
            value={String(datasource.timeoutMs)}
            onChange={(v) => change({ timeoutMs: Number(v) })}
          />
          <Field
            label="Allowed hosts"
            value={datasource.allowedHosts.join(', ')}
            onChange={(v) => change({ allowedHosts: splitList(v) })}
            hint="Comma-separated; empty = only the base URL's host."
          />
        </div>
        <HeadersEditor headers={datasource.headers} onChange={(headers) => change({ headers })} />
        <fieldset>
          <legend>Authentication</legend>
          <SelectField
            label="Auth type"
            value={datasource.auth.type}
            options={(Object.keys(AUTH_LABELS) as AuthType[]).map((type) => ({
              value: type,
              label: AUTH_LABELS[type],
            }))}
            onChange={(type) => change({ auth: authOfType(type, datasource.auth) })}
          />
          <AuthFields auth={datasource.auth} onChange={(auth) => change({ auth })} />
        </fieldset>
        <ErrorMessage message={error} />
        {saved && (
          <p className="ok" role="status">
            {saved}
          </p>
        )}
        <div className="actions">
          <button type="submit" className="primary" disabled={busy}>
            Save
          </button>
          {name !== null && (
            <>
              <button type="button" onClick={runTest}>
                Test connection
              </button>
              {isThreeLegged && (
                <button type="button" onClick={connect} disabled={dirty}>
                  Connect
                </button>
              )}
              <button type="button" className="danger" onClick={remove}>
                Delete
              </button>
            </>
          )}
          {dirty && name !== null && (
            <span className="muted">Unsaved changes: Test and Connect use the saved datasource.</span>
          )}
        </div>
        {test && (
          <p className={test.ok ? 'ok' : 'error'} role="status">
            {test.ok ? '✓' : '✗'} {test.message}
          </p>
        )}
      </form>
    </section>
  )
}
