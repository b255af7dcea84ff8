import { useId } from 'react'
import type { ParamSpec } from '../api.js'

/** The values a run starts with: each parameter's default. */
export function defaultParamValues(params: readonly ParamSpec[]): Record<string, string> {
  return Object.fromEntries(params.map((param) => [param.name, param.default ?? '']))
}

/**
 * The values a run takes after the parameters changed from `before` to `after`: a parameter renamed
 * in place (same position, same count) keeps the value typed for its old name, unless that was just
 * the old default; values of parameters that are gone are dropped, new ones start at their default.
 *
 * @example carryParamValues([{ name: 'jql', … }], [{ name: 'filter', … }], { jql: 'key = A-1' }) // { filter: 'key = A-1' }
 */
export function carryParamValues(
  before: readonly ParamSpec[],
  after: readonly ParamSpec[],
  values: Readonly<Record<string, string>>,
): Record<string, string> {
  const renamed = before.length === after.length
  return Object.fromEntries(
    after.map((param, index) => {
      if (param.name in values) return [param.name, values[param.name] as string]
      const old = renamed ? before[index] : undefined
      const typed = old === undefined ? undefined : values[old.name]
      if (old !== undefined && typed !== undefined && typed !== (old.default ?? ''))
        return [param.name, typed]
      return [param.name, param.default ?? '']
    }),
  )
}

/** One input per parameter, its kind chosen by the parameter's type; values stay strings (the API parses them). */
export function ParamInputs({
  params,
  values,
  onChange,
}: {
  params: readonly ParamSpec[]
  values: Record<string, string>
  onChange: (values: Record<string, string>) => void
}) {
  if (params.length === 0) return <p className="muted">This query has no parameters.</p>
  return (
    <div className="row">
      {params.map((param) => (
        <ParamInput
          key={param.name}
          param={param}
          value={values[param.name] ?? ''}
          onChange={(value) => onChange({ ...values, [param.name]: value })}
        />
      ))}
    </div>
  )
}

function ParamInput({
  param,
  value,
  onChange,
}: {
  param: ParamSpec
  value: string
  onChange: (v: string) => void
}) {
  const id = useId()
  const label = (
    <label htmlFor={id} title={param.description}>
      {param.name}
    </label>
  )
  switch (param.type) {
    case 'boolean':
      return (
        <div className="field checkbox">
          <input
            id={id}
            type="checkbox"
            checked={value === 'true'}
            onChange={(event) => onChange(event.target.checked ? 'true' : 'false')}
          />
          {label}
        </div>
      )
    case 'constant':
      return (
        <div className="field">
          {label}
          <select id={id} value={value} onChange={(event) => onChange(event.target.value)}>
            {(param.values ?? []).map((allowed) => (
              <option key={allowed} value={allowed}>
                {allowed}
              </option>
            ))}
          </select>
        </div>
      )
    default:
      return (
        <div className="field">
          {label}
          <input
            id={id}
            type={inputType(param.type)}
            step={param.type === 'integer' ? 1 : param.type === 'number' ? 'any' : undefined}
            value={value}
            onChange={(event) => onChange(event.target.value)}
            placeholder={param.type === 'list' ? 'a, b, c' : undefined}
          />
        </div>
      )
  }
}

function inputType(type: ParamSpec['type']): string {
  if (type === 'integer' || type === 'number') return 'number'
  if (type === 'date') return 'date'
  return 'text'
}
