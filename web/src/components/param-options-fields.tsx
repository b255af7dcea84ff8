import type { ParamSpec } from '../query-defaults.js'
import { CheckboxField, Field, ListField, SelectField } from './field.js'

type ParamOptions = NonNullable<ParamSpec['options']>

/**
 * `NAME=:other` pairs (an options query's parameters) as typed in a list field; `:other` is a
 * parameter of this query, other text is passed as written.
 */
function pairsOf(params: Readonly<Record<string, string>>): string[] {
  return Object.entries(params).map(([name, value]) => `${name}=${value}`)
}

function paramsOf(pairs: readonly string[]): Record<string, string> {
  const params: Record<string, string> = {}
  for (const pair of pairs) {
    const at = pair.indexOf('=')
    if (at > 0) params[pair.slice(0, at).trim()] = pair.slice(at + 1).trim()
  }
  return params
}

/**
 * Whether a parameter's allowed values come from another query's rows (issue 17): which query, the
 * column of each value and of its label, and that query's parameters (`project=:project` makes a
 * sprint list follow the chosen project). The server refuses a missing query and circles on save.
 */
export function ParamOptionsFields({
  param,
  queryNames,
  onChange,
}: {
  param: ParamSpec
  /** The queries an options list may come from (not the query being edited). */
  queryNames: readonly string[]
  onChange: (options: ParamSpec['options']) => void
}) {
  const options = param.options
  const set = (patch: Partial<ParamOptions>) => {
    if (options === undefined) return
    const next: ParamOptions = { ...options, ...patch }
    if (next.value === '') delete next.value
    if (next.label === '') delete next.label
    onChange(next)
  }
  const choices =
    options === undefined || queryNames.includes(options.query) ? queryNames : [options.query, ...queryNames]
  return (
    <div className="param-options" role="group" aria-label={`Options: ${param.name || 'new parameter'}`}>
      <div className="row">
        <CheckboxField
          label="Values from a query"
          checked={options !== undefined}
          onChange={(on) => onChange(on ? { query: queryNames[0] ?? '', params: {} } : undefined)}
        />
        {options !== undefined && (
          <>
            <SelectField<string>
              label="Options query"
              value={options.query}
              options={choices}
              onChange={(query) => set({ query })}
            />
            <Field
              label="Value column"
              value={options.value ?? ''}
              onChange={(value) => set({ value })}
              hint="Empty: the first column."
            />
            <Field
              label="Label column"
              value={options.label ?? ''}
              onChange={(label) => set({ label })}
              hint="Empty: the value."
            />
            <ListField
              label="Its parameters"
              values={pairsOf(options.params)}
              onChange={(pairs) => set({ params: paramsOf(pairs) })}
              hint="Comma-separated name=:parameter (this query's) or name=text, e.g. project=:project."
            />
          </>
        )}
      </div>
    </div>
  )
}
