import { PARAM_TYPES_LIST, type ParamSpec, type ParamType } from '../query-defaults.js'
import { splitList } from '../lists.js'
import { Field, SelectField } from './field.js'

/** Parameter rows: name, type, default, and the allowed values of a constant. */
export function ParamsEditor({
  params,
  onChange,
  usedIn = 'request',
}: {
  params: ParamSpec[]
  onChange: (params: ParamSpec[]) => void
  /** Where `:name` goes: a REST request's path and body, or a SQL statement. */
  usedIn?: 'request' | 'sql'
}) {
  const update = (index: number, change: Partial<ParamSpec>) =>
    onChange(params.map((param, i) => (i === index ? ({ ...param, ...change } as ParamSpec) : param)))
  return (
    <fieldset>
      <legend>Parameters</legend>
      <p className="muted">
        Use them as <code>:name</code> in the {usedIn === 'sql' ? 'SQL' : 'path or body'}.
      </p>
      {params.map((param, index) => (
        <div className="row" key={index}>
          <Field label="Parameter" value={param.name} onChange={(v) => update(index, { name: v })} required />
          <SelectField<ParamType>
            label="Type"
            value={param.type}
            options={PARAM_TYPES_LIST}
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
            <Field
              label="Allowed values"
              value={(param.values ?? []).join(', ')}
              onChange={(v) => update(index, { values: splitList(v) })}
              hint="Comma-separated."
            />
          )}
          <div className="field">
            <button type="button" onClick={() => onChange(params.filter((_, i) => i !== index))}>
              Remove parameter
            </button>
          </div>
        </div>
      ))}
      <button type="button" onClick={() => onChange([...params, { name: '', type: 'string' }])}>
        Add parameter
      </button>
    </fieldset>
  )
}
