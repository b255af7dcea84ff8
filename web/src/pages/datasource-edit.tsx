import { useEffect, useState, type FormEvent } from 'react'
import { api, messageOf, type Datasource, type DatasourceSummary, type DatasourceType } from '../api.js'
import { ConnectionState } from '../components/connection-state.js'
import { ConnectResult } from '../components/connect-result.js'
import { ErrorMessage } from '../components/error-message.js'
import { GivenTokens } from '../components/given-tokens.js'
import { Field, SelectField } from '../components/field.js'
import { RestDatasourceFields } from '../components/rest-datasource-fields.js'
import { UserConnections } from '../components/user-connections.js'
import { SqlDatasourceFields } from '../components/sql-datasource-fields.js'
import {
  DATASOURCE_TYPE_LABELS,
  NEW_REST_DATASOURCE,
  datasourceOfType,
  toSavedDatasource,
} from '../datasource-defaults.js'
import { Link, navigate, useUnsavedChanges } from '../router.js'

/** Create (name null) or edit a datasource; test it; connect it (3LO). */
export function DatasourceEditPage({ name }: { name: string | null }) {
  const [datasource, setDatasource] = useState<Datasource | null>(name === null ? NEW_REST_DATASOURCE : null)
  const [summary, setSummary] = useState<DatasourceSummary | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [saved, setSaved] = useState<string | null>(null)
  const [dirty, setDirty] = useState(false)
  const [busy, setBusy] = useState(false)
  const [test, setTest] = useState<{ ok: boolean; message: string } | null>(null)
  useUnsavedChanges(dirty)

  const loadSummary = (of: string) =>
    api.datasources().then(
      (all) => setSummary(all.find((d) => d.name === of) ?? null),
      () => setSummary(null),
    )

  useEffect(() => {
    if (name === null) return
    api.datasource(name).then(setDatasource, (failure: unknown) => setError(messageOf(failure)))
    void loadSummary(name)
  }, [name])

  if (datasource === null) return error ? <ErrorMessage message={error} /> : <p>Loading…</p>

  const replace = (next: Datasource) => {
    setDatasource(next)
    setDirty(true)
    setSaved(null)
  }

  const save = async (event: FormEvent) => {
    event.preventDefault()
    setBusy(true)
    setError(null)
    try {
      if (name === null) {
        const created = await api.createDatasource(toSavedDatasource(datasource))
        navigate(`/datasources/${encodeURIComponent(created.name)}`, { replace: true, force: true })
        return
      }
      setDatasource(await api.updateDatasource(name, toSavedDatasource(datasource)))
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
      navigate('/datasources', { force: true })
    } catch (failure) {
      setError(messageOf(failure))
    }
  }

  const isThreeLegged = datasource.type === 'rest' && datasource.auth.type === 'oauth2-authorization-code'
  // Per-user (issue 15): each person connects their own account; the admin sees and revokes them.
  const perUser = isThreeLegged && datasource.connectionMode === 'per-user'
  const shared = isThreeLegged && !perUser
  return (
    <section>
      <p>
        <Link to="/datasources">← Datasources</Link>
      </p>
      <h1>{name === null ? 'New datasource' : `Datasource ${name}`}</h1>
      <ConnectResult />
      {name !== null && (
        // Test and Connect sit with the connection state and the test's answer: when it says
        // "press Connect", the button is right there (issue 10).
        <div className="panel" role="region" aria-label="Connection">
          {summary && shared && (
            <p>
              Connection: <ConnectionState datasource={summary} />
            </p>
          )}
          <div className="actions">
            <button type="button" onClick={runTest}>
              Test connection
            </button>
            {shared && (
              <button type="button" onClick={connect} disabled={dirty}>
                Connect
              </button>
            )}
            {dirty && (
              <span className="muted">Unsaved changes: Test and Connect use the saved datasource.</span>
            )}
          </div>
          {test && (
            <p className={test.ok ? 'ok' : 'error'} role="status">
              {test.ok ? '✓' : '✗'} {test.message}
            </p>
          )}
          {shared && !dirty && <GivenTokens name={name} onStored={() => void loadSummary(name)} />}
        </div>
      )}
      {name !== null && perUser && !dirty && <UserConnections name={name} />}
      <form onSubmit={save} aria-label="Datasource">
        <div className="panel">
          <Field
            label="Name"
            value={datasource.name}
            onChange={(v) => replace({ ...datasource, name: v })}
            required
            readOnly={name !== null}
          />
          <SelectField<DatasourceType>
            label="Type"
            value={datasource.type}
            options={(Object.keys(DATASOURCE_TYPE_LABELS) as DatasourceType[])
              .filter((type) => name === null || type === datasource.type)
              .map((type) => ({ value: type, label: DATASOURCE_TYPE_LABELS[type] }))}
            onChange={(type) => replace(datasourceOfType(type, datasource.name))}
          />
        </div>
        {datasource.type === 'rest' ? (
          <RestDatasourceFields datasource={datasource} onChange={replace} />
        ) : (
          <SqlDatasourceFields key={datasource.type} datasource={datasource} onChange={replace} />
        )}
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
            <button type="button" className="danger" onClick={remove}>
              Delete
            </button>
          )}
          {dirty && name !== null && <span className="muted">Unsaved changes.</span>}
        </div>
      </form>
    </section>
  )
}
