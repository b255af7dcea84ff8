import { useEffect, useMemo, useState, type FormEvent } from 'react'
import { HTTP_METHODS } from '../../../src/domain/query-choices.js'
import { api, messageOf, type ParamSpec, type QueryDocument, type Rows } from '../api.js'
import { cloneQuery, copyName } from '../clone-query.js'
import { ConverterWorkbench } from '../components/converter-workbench.js'
import { VersionHistory } from '../components/version-history.js'
import { ErrorMessage } from '../components/error-message.js'
import { CheckboxField, Field, ListField, SelectField } from '../components/field.js'
import { PaginationFields } from '../components/pagination-fields.js'
import { carryParamValues, defaultParamValues } from '../components/param-inputs.js'
import { ParamsEditor } from '../components/params-editor.js'
import { RunPanel } from '../components/run-panel.js'
import { SnapshotPanel } from '../components/snapshot-panel.js'
import { SqlField } from '../components/sql-field.js'
import { TemplateEditor } from '../components/template-editor.js'
import { ViewLinks } from '../components/view-links.js'
import { usedByText } from './library.js'
import { NEW_QUERY } from '../query-defaults.js'
import { ALWAYS_SEE, CACHE_TTL_HINT, GROUPS_HINT, whoSees } from '../query-hints.js'
import { Link, navigate, useUnsavedChanges } from '../router.js'
import { useLoad } from '../use-load.js'

/**
 * Create (name null) or edit a query: the request (or, on a database, the SQL), parameters, pagination,
 * converter, template, visibility; run it.
 */
export function QueryEditPage({ name }: { name: string | null }) {
  const [query, setQuery] = useState<QueryDocument | null>(name === null ? NEW_QUERY : null)
  const [error, setError] = useState<string | null>(null)
  const [saved, setSaved] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)
  const [dirty, setDirty] = useState(false)
  // Run and Fetch sample use the saved query: its parameters are the ones they take (and show).
  const [savedParams, setSavedParams] = useState<ParamSpec[]>([])
  const [paramValues, setParamValues] = useState<Record<string, string>>({})
  // Null until a sample is fetched or the query is run: nothing to preview yet.
  const [rows, setRows] = useState<Rows | null>(null)
  const datasources = useLoad(api.datasources)
  // The queries a parameter's options may come from (issue 17).
  const queries = useLoad(api.queries)
  useUnsavedChanges(dirty)

  useEffect(() => {
    if (name === null) return
    api.query(name).then(
      (loaded) => {
        setQuery({
          ...loaded,
          template: loaded.template ?? { type: 'table' },
          converter: loaded.converter ?? '',
        })
        setSavedParams(loaded.params)
        setParamValues(defaultParamValues(loaded.params))
      },
      (failure: unknown) => setError(messageOf(failure)),
    )
  }, [name])

  const datasourceNames = useMemo(() => (datasources.data ?? []).map((d) => d.name), [datasources.data])
  const queryNames = useMemo(
    () => (queries.data ?? []).map((q) => q.name).filter((other) => other !== name),
    [queries.data, name],
  )
  const datasourceType = datasources.data?.find((d) => d.name === query?.datasource)?.type

  if (query === null) return error ? <ErrorMessage message={error} /> : <p>Loading…</p>

  // A database's query is SQL; while the datasource is unknown, what the query holds decides.
  const sql = datasourceType === undefined ? query.sql !== undefined : datasourceType !== 'rest'

  const change = (patch: Partial<QueryDocument>) => {
    setQuery({ ...query, ...patch })
    setDirty(true)
    setSaved(null)
  }

  const save = async (event: FormEvent) => {
    event.preventDefault()
    setBusy(true)
    setError(null)
    const body = toSaved(query, sql)
    try {
      if (name === null) {
        const created = await api.createQuery(body)
        navigate(`/queries/${encodeURIComponent(created.name)}`, { replace: true, force: true })
        return
      }
      // The server declares the :name parameters the query uses but does not list (issue 13): show them.
      const { params } = await api.updateQuery(name, body)
      setQuery({ ...query, params })
      setDirty(false)
      setSaved(
        params.length > query.params.length ? 'Saved; parameters found in the query were added.' : 'Saved.',
      )
      // A renamed parameter keeps its value under the new name: Run works at once (issue 10).
      setParamValues((values) => carryParamValues(savedParams, params, values))
      setSavedParams(params)
    } catch (failure) {
      setError(messageOf(failure))
    } finally {
      setBusy(false)
    }
  }

  const remove = async () => {
    if (name === null || !window.confirm(`Delete the query ${name}?`)) return
    try {
      await api.deleteQuery(name)
      navigate('/queries', { force: true })
    } catch (failure) {
      setError(messageOf(failure))
    }
  }

  const clone = async () => {
    if (name === null) return
    const copy = window.prompt(`Clone the saved query ${name} as:`, copyName(name))?.trim()
    if (!copy) return
    setError(null)
    try {
      const created = await cloneQuery(name, copy)
      navigate(`/queries/${encodeURIComponent(created)}`)
    } catch (failure) {
      setError(messageOf(failure))
    }
  }

  const visibility = query.visibility
  // Only `viewer` decides anything: a stored `editor` is kept as it is (editors see every query).
  const toggleViewers = (on: boolean) =>
    change({
      visibility: {
        ...visibility,
        roles: on
          ? [...new Set([...visibility.roles, 'viewer' as const])]
          : visibility.roles.filter((r) => r !== 'viewer'),
      },
    })

  return (
    <section>
      <p>
        <Link to="/queries">← Queries</Link>
      </p>
      <h1>{name === null ? 'New query' : `Query ${name}`}</h1>
      {name !== null && <ViewLinks name={name} />}
      <form onSubmit={save} aria-label="Query">
        <div className="panel">
          <div className="row">
            <Field
              label="Name"
              value={query.name}
              onChange={(v) => change({ name: v })}
              required
              readOnly={name !== null}
            />
            <Field
              label="Title"
              value={query.title ?? ''}
              onChange={(v) => change({ title: v === '' ? null : v })}
            />
          </div>
          <div className="row">
            {datasources.error === null && datasources.data ? (
              <SelectField
                label="Datasource"
                value={query.datasource}
                options={[
                  { value: '', label: '(choose)' },
                  ...[...new Set([...datasourceNames, ...(query.datasource ? [query.datasource] : [])])].map(
                    (d) => ({
                      value: d,
                      label: d,
                    }),
                  ),
                ]}
                onChange={(v) => change({ datasource: v })}
              />
            ) : (
              <Field
                label="Datasource"
                value={query.datasource}
                onChange={(v) => change({ datasource: v })}
                required
              />
            )}
            {!sql && (
              <SelectField
                label="Method"
                value={query.method}
                options={HTTP_METHODS}
                onChange={(method) => change({ method })}
              />
            )}
          </div>
          {sql ? (
            <SqlField value={query.sql ?? ''} onChange={(v) => change({ sql: v })} />
          ) : (
            <>
              <Field
                label="Path"
                value={query.path ?? ''}
                onChange={(v) => change({ path: v })}
                required
                size={80}
                hint="Relative to the datasource's base URL, with :name parameters, e.g. /search/jql?jql=:jql"
              />
              {query.method !== 'GET' && (
                <BodyField value={query.body ?? ''} onChange={(v) => change({ body: v })} />
              )}
            </>
          )}
        </div>
        <ParamsEditor
          params={query.params}
          onChange={(params) => change({ params })}
          usedIn={sql ? 'sql' : 'request'}
          isPublic={visibility.public}
          statement={sql ? (query.sql ?? '') : `${query.path ?? ''}\n${query.body ?? ''}`}
          timeZone={query.timeZone}
          onTimeZone={(timeZone) => change({ timeZone })}
          queryNames={queryNames}
        />
        {!sql && (
          <PaginationFields pagination={query.pagination} onChange={(pagination) => change({ pagination })} />
        )}
        <fieldset>
          <legend>{sql ? 'Cache' : 'Limits and cache'}</legend>
          <div className="row">
            {!sql && (
              <Field
                label="Max pages"
                type="number"
                min={1}
                value={String(query.maxPages)}
                onChange={(v) => change({ maxPages: Number(v) })}
              />
            )}
            <Field
              label="Cache TTL (seconds)"
              type="number"
              min={0}
              value={query.cacheTtlSeconds === undefined ? '' : String(query.cacheTtlSeconds)}
              onChange={(v) => change({ cacheTtlSeconds: v === '' ? undefined : Number(v) })}
              hint={CACHE_TTL_HINT}
            />
          </div>
        </fieldset>
        <fieldset>
          <legend>Visibility</legend>
          <p className="muted">{ALWAYS_SEE}</p>
          <div className="row">
            <CheckboxField
              label="Viewers"
              checked={visibility.roles.includes('viewer')}
              onChange={toggleViewers}
            />
            <ListField
              label="Groups"
              values={visibility.groups}
              onChange={(groups) => change({ visibility: { ...visibility, groups } })}
              hint={GROUPS_HINT}
            />
          </div>
          <CheckboxField
            label="Public: anyone with the link can open its view, without signing in; embeds on other sites too"
            checked={visibility.public}
            onChange={(on) => change({ visibility: { ...visibility, public: on } })}
          />
          <p className="muted">{whoSees(visibility)}</p>
        </fieldset>
        {/* Mounted again after a save: its counts of queries using each one are read again. */}
        <LibraryPicker key={saved ?? ''} query={query} onChange={change} />
        {query.converterName ? null : (
          <ConverterWorkbench
            queryName={name}
            converter={query.converter ?? ''}
            onChange={(converter) => change({ converter })}
            params={paramValues}
            onRows={setRows}
            sql={sql}
          />
        )}
        {query.templateName ? null : (
          <TemplateEditor
            template={query.template ?? { type: 'table' }}
            onChange={(template) => change({ template })}
            rows={rows?.rows ?? null}
            columns={rows?.columns ?? []}
          />
        )}
        {/* The bar stays in sight while the form scrolls: so does a save's error (or "Saved."). */}
        <div className="sticky-actions">
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
                <button type="button" onClick={clone}>
                  Clone
                </button>
                <button type="button" className="danger" onClick={remove}>
                  Delete
                </button>
              </>
            )}
            {dirty && name !== null && (
              <span className="muted">
                Unsaved changes: Fetch sample and Run use the saved query until you save.
              </span>
            )}
          </div>
        </div>
      </form>
      {name !== null && (
        <RunPanel
          name={name}
          params={savedParams}
          values={paramValues}
          onValuesChange={setParamValues}
          onResult={(result) => setRows({ rows: result.rows, columns: result.columns })}
        />
      )}
      {name !== null && <SnapshotPanel name={name} values={paramValues} />}
      {name !== null && <VersionHistory kind="query" name={name} />}
    </section>
  )
}

/**
 * A named converter and template (issue 13) instead of the query's own: each offered with how many
 * queries use it, and a link to edit it (which changes every query that uses it).
 */
function LibraryPicker({
  query,
  onChange,
}: {
  query: QueryDocument
  onChange: (patch: Partial<QueryDocument>) => void
}) {
  const converters = useLoad(api.converters)
  const templates = useLoad(api.templates)
  const options = (list: { name: string; usedBy: readonly string[] }[] | undefined, own: string) => [
    { value: '', label: own },
    ...(list ?? []).map((item) => ({ value: item.name, label: `${item.name} (${usedByText(item.usedBy)})` })),
  ]
  const link = (kind: 'converter' | 'template', chosen: string | undefined) =>
    chosen ? (
      <small className="hint">
        Edit it on <Link to={`/${kind}s/${encodeURIComponent(chosen)}`}>its page</Link>: the change reaches
        every query that uses it.
      </small>
    ) : null
  return (
    <fieldset>
      <legend>Named converter and template</legend>
      <SelectField
        label="Named converter"
        value={query.converterName ?? ''}
        options={options(converters.data, 'None: the query’s own converter (below)')}
        onChange={(value) => onChange({ converterName: value === '' ? undefined : value })}
      />
      {link('converter', query.converterName)}
      <SelectField
        label="Named template"
        value={query.templateName ?? ''}
        options={options(templates.data, 'None: the query’s own template (below)')}
        onChange={(value) => onChange({ templateName: value === '' ? undefined : value })}
      />
      {link('template', query.templateName)}
      <ErrorMessage message={converters.error ?? templates.error} />
    </fieldset>
  )
}

function BodyField({ value, onChange }: { value: string; onChange: (v: string) => void }) {
  return (
    <div className="field">
      <label htmlFor="query-body">Body</label>
      <textarea
        id="query-body"
        className="code"
        value={value}
        onChange={(event) => onChange(event.target.value)}
        placeholder={'{ "jql": :jql, "maxResults": 100 }'}
        spellCheck={false}
      />
      <small className="hint">
        JSON; :name inside a string is escaped into it, a bare :name becomes a JSON value.
      </small>
    </div>
  )
}

/**
 * What is sent: empty optional texts left out rather than saved as "", and only the request's kind:
 * SQL (`sql`) on a database, method/path/body/pagination on a REST API.
 */
function toSaved(query: QueryDocument, sql: boolean): QueryDocument {
  const saved: QueryDocument = { ...query }
  if (sql) {
    saved.sql = query.sql ?? ''
    saved.pagination = { type: 'none' }
    delete saved.path
    delete saved.body
  } else {
    saved.path = query.path ?? ''
    delete saved.sql
  }
  if (!saved.converter) delete saved.converter
  if (!saved.body || saved.method === 'GET') delete saved.body
  if (!saved.title) delete saved.title
  return saved
}
