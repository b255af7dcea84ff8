import { useState, type FormEvent } from 'react'
import { api, messageOf, type ParamSpec, type RunResult } from '../api.js'
import { formatTime } from './connection-state.js'
import { DataTable } from './data-table.js'
import { ErrorMessage } from './error-message.js'
import { CheckboxField } from './field.js'
import { ParamInputs } from './param-inputs.js'

/** Runs the saved query with the given parameters and shows rows, notices and whether they came from the cache. */
export function RunPanel({
  name,
  params,
  values,
  onValuesChange,
  onResult,
}: {
  name: string
  params: readonly ParamSpec[]
  values: Record<string, string>
  onValuesChange: (values: Record<string, string>) => void
  onResult?: (result: RunResult) => void
}) {
  const [refresh, setRefresh] = useState(false)
  const [result, setResult] = useState<RunResult | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)

  const run = async (event: FormEvent) => {
    event.preventDefault()
    setBusy(true)
    setError(null)
    try {
      const answer = await api.runQuery(name, { params: values, refresh })
      setResult(answer)
      onResult?.(answer)
    } catch (failure) {
      setError(messageOf(failure))
    } finally {
      setBusy(false)
    }
  }

  return (
    <section className="panel" aria-label="Run">
      <h2>Run</h2>
      <form onSubmit={run} aria-label="Run parameters">
        <ParamInputs params={params} values={values} onChange={onValuesChange} />
        <div className="actions">
          <CheckboxField label="Refresh (bypass the cache)" checked={refresh} onChange={setRefresh} />
          <button type="submit" className="primary" disabled={busy}>
            {busy ? 'Running…' : 'Run'}
          </button>
        </div>
      </form>
      <ErrorMessage message={error} />
      {result && (
        <div role="status" aria-label="Run result">
          <p className="muted">
            {result.rowCount} rows from {result.pages} {result.pages === 1 ? 'page' : 'pages'}, fetched{' '}
            {formatTime(result.fetchedAt)}
            {result.fromCache && <strong> · from cache</strong>}
          </p>
          {result.notices.length > 0 && (
            <ul className="notice">
              {result.notices.map((notice, index) => (
                <li key={index}>{notice}</li>
              ))}
            </ul>
          )}
          <DataTable rows={result.rows} columns={result.columns} />
        </div>
      )}
    </section>
  )
}
