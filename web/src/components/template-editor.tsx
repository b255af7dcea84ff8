import { Fragment, useEffect, useId, useMemo, useState } from 'react'
import {
  CHART_AGGREGATES,
  CHART_MARKS,
  CHART_SIZE,
  VELOCITY_EXAMPLE,
} from '../../../src/domain/query-choices.js'
import { api, messageOf, type ChartAggregateChoice, type ChartMark, type Template } from '../api.js'
import { useDebounced } from '../use-debounced.js'
import { CodeEditor } from './code-editor.js'
import { ErrorMessage } from './error-message.js'
import { LIQUID_HINT_FILTERS, LIQUID_HINT_VARIABLES } from '../liquid-hint.js'
import { CheckboxField, Field, ListField, SelectField } from './field.js'
import { StatFields, TableFields } from './panel-fields.js'
import {
  CHART_SORTS,
  LEGEND_POSITIONS,
  type ChartSort,
  type LegendPosition,
} from '../../../src/domain/panel-choices.js'

type TemplateType = Template['type']

const TEMPLATE_LABELS: Record<TemplateType, string> = {
  table: 'Table',
  stat: 'Stat',
  liquid: 'Liquid',
  chart: 'Chart',
  'vega-lite': 'Vega-Lite',
  velocity: 'Velocity (PocketQuery)',
}
const SORT_LABELS: Record<ChartSort, string> = {
  none: 'as the rows come',
  x: 'x ascending',
  '-x': 'x descending',
  y: 'value ascending',
  '-y': 'value descending',
}
const AGGREGATE_CHOICES: readonly ChartAggregateChoice[] = ['none', ...CHART_AGGREGATES]

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
    case 'stat':
      return { type, aggregate: 'count' }
    case 'velocity':
      return { type, source: VELOCITY_EXAMPLE }
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
  /** A sample's or a run's rows; null before there is either. */
  rows: Record<string, unknown>[] | null
  columns: string[]
}) {
  const labelId = useId()
  const listId = useId()
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
          <LiquidHint />
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
      {template.type === 'velocity' && (
        <>
          <label id={labelId}>Velocity template</label>
          <CodeEditor
            labelId={labelId}
            language="plain"
            value={template.source}
            onChange={(source) => onChange({ ...template, source })}
            height="12rem"
          />
          <p className="muted" aria-label="Velocity hint">
            PocketQuery&apos;s Velocity: <code>$result</code>, <code>$queryParameters</code>,{' '}
            <code>$queryName</code>, <code>$PQ.toList</code>, <code>$PQ.template(&quot;default&quot;)</code>,{' '}
            <code>$PQ.templateByName</code>; <code>## @param emptymsg:TEXT</code> for an empty result. Every{' '}
            <code>$value</code> is HTML-escaped (there is no raw output), and scripts do not run: use a Chart
            template instead of <code>PocketQuery.chart</code>.
          </p>
        </>
      )}
      {template.type === 'chart' && <ChartFields template={template} onChange={onChange} columns={columns} />}
      {(template.type === 'stat' || template.type === 'table') && (
        <>
          <datalist id={listId}>
            {columns.map((column) => (
              <option key={column} value={column} />
            ))}
          </datalist>
          {template.type === 'stat' ? (
            <StatFields template={template} onChange={onChange} listId={listId} />
          ) : (
            <TableFields template={template} onChange={onChange} listId={listId} columns={columns} />
          )}
        </>
      )}
      <TemplatePreview template={template} rows={rows} />
    </fieldset>
  )
}

/** What a Liquid template can use, and that its output cannot be raw HTML. */
function LiquidHint() {
  return (
    <p className="muted" aria-label="Liquid hint">
      Available:{' '}
      {LIQUID_HINT_VARIABLES.map((name, index) => (
        <Fragment key={name}>
          {index > 0 && ', '}
          <code>{name}</code>
        </Fragment>
      ))}
      . Every <code>{'{{ }}'}</code> output is HTML-escaped; there is no way to output raw HTML (write the
      markup in the template itself). Liquid&apos;s standard filters work, e.g.{' '}
      {LIQUID_HINT_FILTERS.map((filter, index) => (
        <Fragment key={filter}>
          {index > 0 && ', '}
          <code>| {filter}</code>
        </Fragment>
      ))}
      .
    </p>
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
  // Typed, not picked: the columns are known only after a sample or a run, and the fields may be
  // filled before (issue 10). The known columns are offered as suggestions.
  const listId = useId()
  const hint = columns.length === 0 ? 'Type a column name; Fetch sample or Run suggests them.' : undefined
  return (
    <div className="row">
      <datalist id={listId}>
        {columns.map((column) => (
          <option key={column} value={column} />
        ))}
      </datalist>
      <SelectField<ChartMark>
        label="Mark"
        value={template.mark}
        options={CHART_MARKS}
        onChange={(mark) => onChange({ ...template, mark })}
      />
      <Field
        label="X"
        value={template.x}
        list={listId}
        hint={hint}
        onChange={(x) => onChange({ ...template, x })}
      />
      <ListField
        label="Y"
        values={typeof template.y === 'string' ? [template.y] : template.y}
        hint={hint ?? 'One column, or several separated by commas (one series each).'}
        onChange={(ys) => onChange({ ...template, y: ys.length === 1 ? (ys[0] ?? '') : ys })}
      />
      <Field
        label="Series"
        value={template.series ?? ''}
        list={listId}
        placeholder="(none)"
        onChange={(series) => onChange({ ...template, series: series === '' ? undefined : series })}
      />
      <SelectField<ChartAggregateChoice>
        label="Aggregate"
        value={template.aggregate ?? 'none'}
        options={AGGREGATE_CHOICES}
        onChange={(aggregate) => onChange({ ...template, aggregate })}
      />
      <Field
        label="Chart title"
        value={template.title ?? ''}
        placeholder="(none)"
        onChange={(title) => onChange({ ...template, title: title === '' ? undefined : title })}
      />
      <SelectField<ChartSort>
        label="Sort"
        value={template.sort ?? 'none'}
        options={CHART_SORTS.map((value) => ({ value, label: SORT_LABELS[value] }))}
        onChange={(sort) => onChange({ ...template, sort: sort === 'none' ? undefined : sort })}
      />
      <SelectField<LegendPosition | 'auto'>
        label="Legend"
        value={template.legend ?? 'auto'}
        options={['auto', ...LEGEND_POSITIONS]}
        onChange={(legend) => onChange({ ...template, legend: legend === 'auto' ? undefined : legend })}
      />
      <CheckboxField
        label="Stacked"
        checked={template.stacked !== false}
        onChange={(stacked) => onChange({ ...template, stacked: stacked ? undefined : false })}
      />
      <CheckboxField
        label="Value labels"
        checked={template.labels === true}
        onChange={(labels) => onChange({ ...template, labels: labels ? true : undefined })}
      />
      <SizeField
        label="Width"
        value={template.width}
        onChange={(width) => onChange({ ...template, width })}
      />
      <SizeField
        label="Height"
        value={template.height}
        onChange={(height) => onChange({ ...template, height })}
      />
    </div>
  )
}

/** A chart's width or height in pixels, within the schema's bounds; empty: the renderer's default. */
function SizeField({
  label,
  value,
  onChange,
}: {
  label: string
  value: number | undefined
  onChange: (value: number | undefined) => void
}) {
  return (
    <Field
      label={label}
      type="number"
      {...CHART_SIZE}
      value={value === undefined ? '' : String(value)}
      placeholder="(default)"
      onChange={(text) => onChange(text === '' ? undefined : Number(text))}
    />
  )
}

/** The server's rendering in a sandboxed iframe (`sandbox=""`: no scripts, no same-origin access). */
function TemplatePreview({ template, rows }: { template: Template; rows: Record<string, unknown>[] | null }) {
  // One object per change (not per render): a new one each render would re-arm the debounce forever.
  const changed = useMemo(() => ({ template, rows }), [template, rows])
  const input = useDebounced(changed, 400)
  const [html, setHtml] = useState<string | null>(null)
  const [error, setError] = useState<string | null>(null)

  useEffect(() => {
    // Before a sample there is nothing to render: the server would say "No rows", which is not true.
    if (input.rows === null) return
    let current = true
    api.previewTemplate({ template: input.template, rows: input.rows }).then(
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
      {rows === null ? (
        <p className="muted" role="status">
          Fetch a sample or Run to preview the {template.type === 'chart' ? 'chart' : 'template'} with the
          query&apos;s rows.
        </p>
      ) : (
        <>
          <ErrorMessage message={error} />
          {html !== null && <iframe className="preview" title="Template preview" sandbox="" srcDoc={html} />}
        </>
      )}
    </div>
  )
}
