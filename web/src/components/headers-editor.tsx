import type { RestDatasource as Datasource } from '../api.js'
import { CheckboxField, Field } from './field.js'

type Header = Datasource['headers'][number]

/** Default headers: rows of name, value and a secret checkbox (secret values are encrypted at rest). */
export function HeadersEditor({
  headers,
  onChange,
}: {
  headers: Header[]
  onChange: (headers: Header[]) => void
}) {
  const update = (index: number, change: Partial<Header>) =>
    onChange(headers.map((header, i) => (i === index ? { ...header, ...change } : header)))
  return (
    <fieldset>
      <legend>Headers</legend>
      {headers.map((header, index) => (
        <div className="row" key={index}>
          <Field label="Header" value={header.name} onChange={(v) => update(index, { name: v })} />
          <Field
            label="Value"
            type={header.secret ? 'password' : 'text'}
            value={header.value}
            onChange={(v) => update(index, { value: v })}
            autoComplete="off"
          />
          <CheckboxField
            label="Secret"
            checked={header.secret}
            onChange={(v) => update(index, { secret: v })}
          />
          <button type="button" onClick={() => onChange(headers.filter((_, i) => i !== index))}>
            Remove header
          </button>
        </div>
      ))}
      <button type="button" onClick={() => onChange([...headers, { name: '', value: '', secret: false }])}>
        Add header
      </button>
    </fieldset>
  )
}
