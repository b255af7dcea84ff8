import { useEffect, useId, useMemo, useState } from 'react'
import { api, messageOf, type ChartAggregate, type ChartMark, type Template } from '../api.js'
import { useDebounced } from '../use-debounced.js'
import { CodeEditor } from './code-editor.js'
import { ErrorMessage } from './error-message.js'
import { SelectField } from './field.js'

type TemplateType = Template['type']

const TEMPLATE_LABELS: Record<TemplateType, string> = {
  table: 'Table',
  liquid: 'Liquid',
  chart: 'Chart',
  'vega-lite': 'Vega-Lite',
}
const MARKS: readonly ChartMark[] = ['bar', 'line', 'point', 'area', 'arc']
const AGGREGATES: readonly ChartAggregate[] = ['none', 'sum', 'count', 'mean', 'min', 'max']

const LIQUID_EXAMPLE = `<ul>
{% for row in rows %}
  <li>{{ row["Issue Key"] }}</li>
{% endfor %}
</ul>`

/** A template of `type`, chart axes taken from the first columns. */
function templateOfType(type: TemplateType, columns: string[]): Template {
  switch (type) {
    case 'table':
      return { type }
    case 'liquid':
      return { type, source: LIQUID_EXAMPLE }
    case 'chart':
      return { type, mark: 'bar', x: columns[0] ?? '', y: columns[1] ?? columns[0] ?? '', aggregate: 'none' }
    case 'vega-lite':
      return {
        type,
        spec: JSON.stringify(
          {
            mark: 'bar',
            encoding: {
              x: { field: columns[0] ?? 'x', type: 'nominal' },
              y: { field: columns[1] ?? 'y', type: 'quantitative' },
            },
          },
          null,
          2,
        ),
      }
  }
}

/** The template's editor and a live preview of `rows` rendered by the server. */
export function TemplateEditor({
  template,
  onChange,
  rows,
  columns,
}: {
  template: Template
  onChange: (template: Template) => void
  rows: Record<string, unknown>[]
  columns: string[]
}) {
  const labelId = useId()
  return (
    <fieldset>
      <legend>Template</legend>
      <SelectField<TemplateType>
        label="Template"
        value={template.type}
        options={(Object.keys(TEMPLATE_LABELS) as TemplateType[]).map((type) => ({
          value: type,
          label: TEMPLATE_LABELS[type],
        }))}
        onChange={(type) => onChange(templateOfType(type, columns))}
      />
      {template.type === 'liquid' && (
        <>
          <label id={labelId}>Liquid template</label>
          <CodeEditor
            labelId={labelId}
            language="plain"
            value={template.source}
            onChange={(source) => onChange({ ...template, source })}
            height="12rem"
          />
          <p className="muted">
            <code>rows</code> and <code>columns</code> are available; output is escaped unless you use{' '}
            <code>| raw</code>.
          </p>
        </>
      )}
      {template.type === 'vega-lite' && (
        <>
          <label id={labelId}>Vega-Lite spec</label>
          <CodeEditor
            labelId={labelId}
            value={template.spec}
            onChange={(spec) => onChange({ ...template, spec })}
            height="14rem"
          />
          <p className="muted">The rows are the spec's data (leave out "data").</p>
        </>
      )}
      {template.type === 'chart' && <ChartFields template={template} onChange={onChange} columns={columns} />}
      <TemplatePreview template={template} rows={rows} />
    </fieldset>
  )
}

function ChartFields({
  template,
  onChange,
  columns,
}: {
  template: Extract<Template, { type: 'chart' }>
  onChange: (template: Template) => void
  columns: string[]
}) {
  const choices = (current: string | undefined, empty?: string) => {
    const names = [...new Set([...columns, ...(current ? [current] : [])])]
    const options = names.map((name) => ({ value: name, label: name }))
    return empty === undefined ? options : [{ value: '', label: empty }, ...options]
  }
  return (
    <div className="row">
      <SelectField<ChartMark>
        label="Mark"
        value={template.mark}
        options={MARKS}
        onChange={(mark) => onChange({ ...template, mark })}
      />
      <SelectField
        label="X"
        value={template.x}
        options={choices(template.x, '(choose)')}
        onChange={(x) => onChange({ ...template, x })}
      />
      <SelectField
        label="Y"
        value={template.y}
        options={choices(template.y, '(choose)')}
        onChange={(y) => onChange({ ...template, y })}
      />
      <SelectField
        label="Series"
        value={template.series ?? ''}
        options={choices(template.series, '(none)')}
        onChange={(series) => onChange({ ...template, series: series === '' ? undefined : series })}
      />
      <SelectField<ChartAggregate>
        label="Aggregate"
        value={template.aggregate ?? 'none'}
        options={AGGREGATES}
        onChange={(aggregate) => onChange({ ...template, aggregate })}
      />
    </div>
  )
}

/** The server's rendering in a sandboxed iframe (`sandbox=""`: no scripts, no same-origin access). */
function TemplatePreview({ template, rows }: { template: Template; rows: Record<string, unknown>[] }) {
  // One object per change (not per render): a new one each render would re-arm the debounce forever.
  const changed = useMemo(() => ({ template, rows }), [template, rows])
  const input = useDebounced(changed, 400)
  const [html, setHtml] = useState<string | null>(null)
  const [error, setError] = useState<string | null>(null)

  useEffect(() => {
    let current = true
    api.previewTemplate(input).then(
      (answer) => {
        if (!current) return
        setHtml(answer.html)
        setError(null)
      },
      (failure: unknown) => {
        if (current) setError(messageOf(failure))
      },
    )
    return () => {
      current = false
    }
  }, [input])

  return (
    <div>
      <h3>Template preview</h3>
      {rows.length === 0 && (
        <p className="muted">Fetch a sample or run the query to preview with its rows.</p>
      )}
      <ErrorMessage message={error} />
      {html !== null && <iframe className="preview" title="Template preview" sandbox="" srcDoc={html} />}
    </div>
  )
}
