import { CONTEXT_PARAMS, contextNamesIn } from '../../../src/domain/context-names.js'
import { PARAM_TYPES, type ParamSpec, type ParamType } from '../query-defaults.js'
import { visitorExposure } from '../visitor-exposure.js'
import { CheckboxField, Field, ListField, SelectField } from './field.js'
import { ParamOptionsFields } from './param-options-fields.js'

/**
 * Parameter rows: name, type, default, the allowed values of a constant or the query they come from; on a public query, also
 * what visitors may set each one to, and what that exposes.
 */
export function ParamsEditor({
  params,
  onChange,
  usedIn = 'request',
  isPublic = false,
  statement = '',
  timeZone,
  onTimeZone,
  queryNames = [],
}: {
  params: ParamSpec[]
  onChange: (params: ParamSpec[]) => void
  /** Where `:name` goes: a REST request's path and body, or a SQL statement. */
  usedIn?: 'request' | 'sql'
  /** The query is public: each parameter says whether visitors may change it. */
  isPublic?: boolean
  /** The path and body, or the SQL: where the context parameters it uses are read from. */
  statement?: string
  /** The query's time zone for :@now and :@today (absent: UTC). */
  timeZone?: string | undefined
  onTimeZone?: (timeZone: string | undefined) => void
  /** The other queries, which a parameter's options may come from. */
  queryNames?: readonly string[]
}) {
  const update = (index: number, change: Partial<ParamSpec>) =>
    onChange(params.map((param, i) => (i === index ? ({ ...param, ...change } as ParamSpec) : param)))
  return (
    <fieldset>
      <legend>Parameters</legend>
      <p className="muted">
        Use them as <code>:name</code> in the {usedIn === 'sql' ? 'SQL' : 'path or body'}; one used there but
        not listed here is added as a string when you save.
        {isPublic && ' The query is public: visitors get each default unless you let them change it.'}
      </p>
      {params.map((param, index) => (
        <div className="param" key={index}>
          <div className="row">
            <Field
              label="Parameter"
              value={param.name}
              onChange={(v) => update(index, { name: v })}
              required
            />
            <SelectField<ParamType>
              label="Type"
              value={param.type}
              options={PARAM_TYPES}
              onChange={(type) =>
                update(index, { type, values: type === 'constant' ? (param.values ?? []) : undefined })
              }
            />
            <Field
              label="Default"
              value={param.default ?? ''}
              onChange={(v) => update(index, { default: v === '' ? undefined : v })}
            />
            {param.type === 'constant' && (
              <ListField
                label="Allowed values"
                values={param.values ?? []}
                onChange={(values) => update(index, { values })}
                hint="Comma-separated."
              />
            )}
            <div className="field">
              <button type="button" onClick={() => onChange(params.filter((_, i) => i !== index))}>
                Remove parameter
              </button>
            </div>
          </div>
          {param.type !== 'boolean' && param.type !== 'constant' && (
            <ParamOptionsFields
              param={param}
              queryNames={queryNames}
              onChange={(options) => update(index, { options })}
            />
          )}
          {isPublic && (
            <VisitorInputFields param={param} onChange={(visitorInput) => update(index, { visitorInput })} />
          )}
        </div>
      ))}
      <button type="button" onClick={() => onChange([...params, { name: '', type: 'string' }])}>
        Add parameter
      </button>
      <ContextParams statement={statement} timeZone={timeZone} onTimeZone={onTimeZone} />
    </fieldset>
  )
}

/**
 * Whether visitors may change one parameter (`visitorInput` present), optionally only to listed
 * values or to values matching a pattern; the server checks the pattern compiles and names the field.
 */
function VisitorInputFields({
  param,
  onChange,
}: {
  param: ParamSpec
  onChange: (visitorInput: ParamSpec['visitorInput']) => void
}) {
  const input = param.visitorInput
  const exposure = visitorExposure(param)
  return (
    <div className="visitor-input" role="group" aria-label={`Visitors: ${param.name || 'new parameter'}`}>
      <div className="row">
        <CheckboxField
          label="Visitors may change this"
          checked={input !== undefined}
          onChange={(on) => onChange(on ? {} : undefined)}
        />
        {input !== undefined && (
          <>
            <ListField
              label="Allowed values"
              values={input.allowed ?? []}
              onChange={(allowed) =>
                onChange({ ...input, allowed: allowed.length > 0 ? allowed : undefined })
              }
              hint="Comma-separated; empty: any value."
            />
            <Field
              label="Pattern"
              value={input.pattern ?? ''}
              onChange={(v) => onChange({ ...input, pattern: v === '' ? undefined : v })}
              hint="A regular expression the whole value must match; empty: any value."
              spellCheck={false}
            />
          </>
        )}
      </div>
      <p className={exposure.warn ? 'notice' : 'muted'}>{exposure.text}</p>
    </div>
  )
}

/**
 * The context parameters (issue 15) the statement uses, read-only: Quarry fills them for each run
 * and nobody can set them from a URL or the API. With none used, a line says which exist.
 */
function ContextParams({
  statement,
  timeZone,
  onTimeZone,
}: {
  statement: string
  timeZone: string | undefined
  onTimeZone: ((timeZone: string | undefined) => void) | undefined
}) {
  const used = new Set(contextNamesIn(statement))
  const shown = CONTEXT_PARAMS.filter((param) => used.has(param.name))
  const unknown = [...used].filter((name) => !CONTEXT_PARAMS.some((param) => param.name === name))
  return (
    <div className="context-params" role="group" aria-label="Filled by Quarry">
      <h3>Filled by Quarry</h3>
      {shown.length === 0 ? (
        <p className="muted">
          Also available, filled for each run and never from the URL or the API:{' '}
          {CONTEXT_PARAMS.map((param, i) => (
            <span key={param.name}>
              {i > 0 && ', '}
              <code>:{param.name}</code>
            </span>
          ))}
          .
        </p>
      ) : (
        <table className="list">
          <tbody>
            {shown.map((param) => (
              <tr key={param.name}>
                <td>
                  <code>:{param.name}</code>
                </td>
                <td>{param.type}</td>
                <td>{param.description}</td>
                <td className="muted">filled by Quarry</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {unknown.length > 0 && (
        <p className="notice">Not a context parameter: {unknown.map((name) => `:${name}`).join(', ')}.</p>
      )}
      {onTimeZone && (
        <Field
          label="Time zone"
          value={timeZone ?? ''}
          onChange={(v) => onTimeZone(v.trim() === '' ? undefined : v.trim())}
          placeholder="UTC"
          hint="For :@now and :@today, as IANA names it (Europe/Berlin); empty: UTC."
        />
      )}
    </div>
  )
}
