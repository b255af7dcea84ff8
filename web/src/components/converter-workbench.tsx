import { useEffect, useId, useMemo, useState } from 'react'
import { api, ApiError, messageOf, type Rows } from '../api.js'
import { CONVERTER_PLACEHOLDER } from '../query-defaults.js'
import { useDebounced } from '../use-debounced.js'
import { CodeEditor } from './code-editor.js'
import { DataTable } from './data-table.js'
import { ErrorMessage } from './error-message.js'

/** Big samples are sent whole to the preview but shown only in part. */
const SHOWN_SAMPLE_CHARS = 200_000

/**
 * The converter's editor with a live preview: "Fetch sample" gets the saved query's first raw
 * response (left), and the rows (right) follow the converter as it is edited.
 */
export function ConverterWorkbench({
  queryName,
  converter,
  onChange,
  params,
  onRows,
  sql = false,
}: {
  /** The saved query's name; null while it is not saved (no sample yet). */
  queryName: string | null
  converter: string
  onChange: (converter: string) => void
  params: Record<string, string>
  onRows: (rows: Rows) => void
  /** A SQL query's: the converter gets the rows as a JSON array text. */
  sql?: boolean
}) {
  const labelId = useId()
  const [sample, setSample] = useState<string | null>(null)
  const [sampleError, setSampleError] = useState<string | null>(null)
  const [fetching, setFetching] = useState(false)
  const [preview, setPreview] = useState<Rows | null>(null)
  const [error, setError] = useState<{ message: string; line: number | null } | null>(null)
  // One object per change (not per render): a new one each render would re-arm the debounce forever.
  const changed = useMemo(() => ({ converter, sample }), [converter, sample])
  const input = useDebounced(changed, 400)

  const fetchSample = async () => {
    if (queryName === null) return
    setFetching(true)
    setSampleError(null)
    try {
      setSample((await api.sampleQuery(queryName, { params })).text)
    } catch (failure) {
      setSampleError(messageOf(failure))
    } finally {
      setFetching(false)
    }
  }

  useEffect(() => {
    if (input.sample === null) return
    let current = true
    api
      .previewConverter({
        converter: input.converter,
        json: input.sample,
        ...(queryName === null ? {} : { query: queryName }),
        params,
      })
      .then(
        (rows) => {
          if (!current) return
          setPreview(rows)
          setError(null)
          onRows(rows)
        },
        (failure: unknown) => {
          if (!current) return
          setError({
            message: messageOf(failure),
            line: failure instanceof ApiError && failure.line !== undefined ? failure.line : null,
          })
        },
      )
    return () => {
      current = false
    }
    // The parameters and callbacks at the time of the edit are the ones wanted: not a reason to run again.
  }, [input])

  const shown = useMemo(() => (sample === null ? null : readable(sample)), [sample])

  return (
    <fieldset>
      <legend>Converter</legend>
      <label id={labelId}>Converter</label>
      <CodeEditor
        labelId={labelId}
        value={converter}
        onChange={onChange}
        errorLine={error?.line ?? null}
        placeholder={CONVERTER_PLACEHOLDER}
      />
      <p className="muted">
        <code>function convert(json, metadata)</code>: <code>json</code> is{' '}
        {sql ? 'the rows as a JSON array text' : 'the raw response text'}; return an array of row objects.
        Empty = the default converter{sql ? ' (the rows as they are)' : ''}.
      </p>
      {error && (
        <p className="error" role="alert">
          {error.line !== null && <>Line {error.line}: </>}
          {error.message}
        </p>
      )}
      <div className="actions">
        <button type="button" onClick={fetchSample} disabled={queryName === null || fetching}>
          {fetching ? 'Fetching…' : 'Fetch sample'}
        </button>
        {queryName === null && <span className="muted">Save the query first to fetch a sample.</span>}
      </div>
      <ErrorMessage message={sampleError} />
      {sample !== null && (
        <div className="grid2">
          <div>
            <h3 id={`${labelId}-raw`}>{sql ? 'Sample rows (JSON)' : 'Sample response'}</h3>
            <pre className="raw" aria-labelledby={`${labelId}-raw`}>
              {shown}
            </pre>
          </div>
          <div>
            <h3>Rows</h3>
            {preview ? (
              <DataTable rows={preview.rows} columns={preview.columns} />
            ) : (
              <p className="muted">Converting…</p>
            )}
          </div>
        </div>
      )}
    </fieldset>
  )
}

/** The raw response for reading: JSON indented, and cut short when long (the converter still gets all of it). */
function readable(text: string): string {
  let shown = text
  if (text.length <= 4 * SHOWN_SAMPLE_CHARS) {
    try {
      shown = JSON.stringify(JSON.parse(text), null, 2)
    } catch {
      // Not JSON (XML, text): shown as it came.
    }
  }
  if (shown.length <= SHOWN_SAMPLE_CHARS) return shown
  return `${shown.slice(0, SHOWN_SAMPLE_CHARS)}\n… (${shown.length - SHOWN_SAMPLE_CHARS} more characters)`
}
