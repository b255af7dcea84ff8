import {
  COLUMN_FORMATS,
  DURATION_UNITS,
  NUMBER_UNITS,
  PANEL_COLORS,
  STAT_REDUCERS,
  TABLE_PAGE_SIZE,
  type ColumnFormatType,
  type DurationUnit,
  type NumberUnit,
  type PanelColor,
  type StatReducer,
} from '../../../src/domain/panel-choices.js'
import type { Template } from '../api.js'
import { CheckboxField, Field, SelectField } from './field.js'

/**
 * The settings forms of the stat and table panels (issue 17): every setting TemplateSchema reads,
 * so nobody has to write the template's JSON. An empty field is a setting left out (the default).
 */

type StatTemplate = Extract<Template, { type: 'stat' }>
type TableTemplate = Extract<Template, { type: 'table' }>
type TableColumn = NonNullable<TableTemplate['columns']>[number]
type ColumnFormat = NonNullable<TableColumn['format']>

const NO_COLOR = 'default'
const text = (value: string): string | undefined => (value.trim() === '' ? undefined : value)
const whole = (value: string): number | undefined => (value.trim() === '' ? undefined : Number(value))

/** A stat's column, aggregate, label, unit, colour and thresholds. */
export function StatFields({
  template,
  onChange,
  listId,
}: {
  template: StatTemplate
  onChange: (template: Template) => void
  listId: string
}) {
  const thresholds = template.thresholds ?? []
  const setThresholds = (next: typeof thresholds) =>
    onChange({ ...template, thresholds: next.length === 0 ? undefined : next })
  return (
    <div>
      <div className="row">
        <Field
          label="Stat column"
          value={template.column ?? ''}
          list={listId}
          placeholder={template.aggregate === 'count' ? '(rows)' : ''}
          onChange={(column) => onChange({ ...template, column: text(column) })}
        />
        <SelectField<StatReducer>
          label="Value"
          value={template.aggregate ?? 'first'}
          options={STAT_REDUCERS.map((value) => ({
            value,
            label: value === 'first' ? 'first row' : value === 'avg' ? 'average' : value,
          }))}
          onChange={(aggregate) => onChange({ ...template, aggregate })}
        />
        <Field
          label="Stat label"
          value={template.label ?? ''}
          placeholder="(what it is)"
          onChange={(label) => onChange({ ...template, label: text(label) })}
        />
        <NumberFields template={template} onChange={(settings) => onChange({ ...template, ...settings })} />
        <SelectField<PanelColor | typeof NO_COLOR>
          label="Colour"
          value={template.color ?? NO_COLOR}
          options={[NO_COLOR, ...PANEL_COLORS]}
          onChange={(color) => onChange({ ...template, color: color === NO_COLOR ? undefined : color })}
        />
      </div>
      <fieldset>
        <legend>Thresholds (from a value up, the stat takes the colour)</legend>
        {thresholds.map((threshold, index) => (
          <div className="row" key={index}>
            <Field
              label={`Threshold ${index + 1} from`}
              type="number"
              value={String(threshold.from)}
              onChange={(from) =>
                setThresholds(thresholds.map((t, i) => (i === index ? { ...t, from: Number(from) } : t)))
              }
            />
            <SelectField<PanelColor>
              label={`Threshold ${index + 1} colour`}
              value={threshold.color}
              options={PANEL_COLORS}
              onChange={(color) =>
                setThresholds(thresholds.map((t, i) => (i === index ? { ...t, color } : t)))
              }
            />
            <button type="button" onClick={() => setThresholds(thresholds.filter((_, i) => i !== index))}>
              Remove threshold {index + 1}
            </button>
          </div>
        ))}
        <button
          type="button"
          onClick={() => setThresholds([...thresholds, { from: thresholds.at(-1)?.from ?? 0, color: 'red' }])}
        >
          Add threshold
        </button>
      </fieldset>
    </div>
  )
}

interface NumberSettings {
  unit?: NumberUnit | undefined
  decimals?: number | undefined
  currency?: string | undefined
}

/** Unit, decimals and (for the unit currency) the currency of a number. */
function NumberFields({
  template,
  onChange,
  prefix = '',
}: {
  template: NumberSettings
  onChange: (settings: NumberSettings) => void
  prefix?: string
}) {
  return (
    <>
      <SelectField<NumberUnit>
        label={`${prefix}Unit`}
        value={template.unit ?? 'none'}
        options={NUMBER_UNITS}
        onChange={(unit) =>
          onChange({
            unit: unit === 'none' ? undefined : unit,
            currency: unit === 'currency' ? (template.currency ?? 'EUR') : undefined,
          })
        }
      />
      <Field
        label={`${prefix}Decimals`}
        type="number"
        min={0}
        max={10}
        value={template.decimals === undefined ? '' : String(template.decimals)}
        placeholder="(auto)"
        onChange={(decimals) => onChange({ decimals: whole(decimals) })}
      />
      {template.unit === 'currency' && (
        <Field
          label={`${prefix}Currency`}
          value={template.currency ?? ''}
          placeholder="EUR"
          onChange={(currency) => onChange({ currency: text(currency.toUpperCase()) })}
        />
      )}
    </>
  )
}

/** A new format of a type, with what it needs filled in. */
function formatOfType(type: ColumnFormatType): ColumnFormat {
  switch (type) {
    case 'link':
      return { type, url: '{value}' }
    default:
      return { type }
  }
}

/** A table's page size and its columns: order, label, hidden, format. */
export function TableFields({
  template,
  onChange,
  listId,
  columns,
}: {
  template: TableTemplate
  onChange: (template: Template) => void
  listId: string
  columns: string[]
}) {
  const listed = template.columns ?? []
  const setColumns = (next: TableColumn[]) =>
    onChange({ ...template, columns: next.length === 0 ? undefined : next })
  const update = (index: number, change: Partial<TableColumn>) =>
    setColumns(listed.map((c, i) => (i === index ? { ...c, ...change } : c)))
  const move = (index: number, by: number) => {
    const next = [...listed]
    const [moved] = next.splice(index, 1)
    if (moved !== undefined) next.splice(index + by, 0, moved)
    setColumns(next)
  }
  return (
    <div>
      <div className="row">
        <Field
          label="Rows per page"
          type="number"
          {...TABLE_PAGE_SIZE}
          value={template.pageSize === undefined ? '' : String(template.pageSize)}
          placeholder="(100; 25 in embeds)"
          onChange={(size) => onChange({ ...template, pageSize: whole(size) })}
        />
        <CheckboxField
          label="Show only the listed columns"
          checked={template.onlyListed === true}
          onChange={(onlyListed) => onChange({ ...template, onlyListed: onlyListed ? true : undefined })}
        />
      </div>
      <fieldset>
        <legend>Columns (listed first, in this order)</legend>
        {listed.map((setting, index) => {
          const n = index + 1
          const format = setting.format
          return (
            <div className="row" key={index}>
              <Field
                label={`Column ${n}`}
                value={setting.column}
                list={listId}
                onChange={(column) => update(index, { column })}
              />
              <Field
                label={`Column ${n} label`}
                value={setting.label ?? ''}
                placeholder="(its name)"
                onChange={(label) => update(index, { label: text(label) })}
              />
              <CheckboxField
                label={`Hide column ${n}`}
                checked={setting.hidden === true}
                onChange={(hidden) => update(index, { hidden: hidden ? true : undefined })}
              />
              <SelectField<ColumnFormatType>
                label={`Column ${n} format`}
                value={format?.type ?? 'text'}
                options={COLUMN_FORMATS}
                onChange={(type) =>
                  update(index, { format: type === 'text' ? undefined : formatOfType(type) })
                }
              />
              {format !== undefined && (
                <FormatFields
                  n={n}
                  format={format}
                  listId={listId}
                  onChange={(f) => update(index, { format: f })}
                />
              )}
              <button type="button" disabled={index === 0} onClick={() => move(index, -1)}>
                Move column {n} up
              </button>
              <button type="button" disabled={index === listed.length - 1} onClick={() => move(index, 1)}>
                Move column {n} down
              </button>
              <button type="button" onClick={() => setColumns(listed.filter((_, i) => i !== index))}>
                Remove column {n}
              </button>
            </div>
          )
        })}
        <button
          type="button"
          onClick={() =>
            setColumns([
              ...listed,
              { column: columns.find((c) => !listed.some((l) => l.column === c)) ?? '' },
            ])
          }
        >
          Add column setting
        </button>
      </fieldset>
    </div>
  )
}

/** The settings of one column's format. */
function FormatFields({
  n,
  format,
  listId,
  onChange,
}: {
  n: number
  format: ColumnFormat
  listId: string
  onChange: (format: ColumnFormat) => void
}) {
  const prefix = `Column ${n} `
  switch (format.type) {
    case 'date':
      return (
        <>
          <Field
            label={`${prefix}date pattern`}
            value={format.pattern ?? ''}
            placeholder="yyyy-MM-dd HH:mm"
            onChange={(pattern) => onChange({ ...format, pattern: text(pattern) })}
          />
          <Field
            label={`${prefix}time zone`}
            value={format.timeZone ?? ''}
            placeholder="UTC"
            onChange={(timeZone) => onChange({ ...format, timeZone: text(timeZone) })}
          />
        </>
      )
    case 'number':
      return (
        <NumberFields
          prefix={prefix}
          template={format}
          onChange={(settings) => onChange({ ...format, ...settings })}
        />
      )
    case 'duration':
      return (
        <SelectField<DurationUnit>
          label={`${prefix}values are in`}
          value={format.unit ?? 's'}
          options={DURATION_UNITS}
          onChange={(unit) => onChange({ ...format, unit })}
        />
      )
    case 'link':
      return (
        <>
          <Field
            label={`${prefix}URL template`}
            value={format.url}
            hint="https://…/{value}; {Column} takes another column"
            onChange={(url) => onChange({ ...format, url })}
          />
          <Field
            label={`${prefix}link text`}
            value={format.text ?? ''}
            placeholder="{value}"
            onChange={(linkText) => onChange({ ...format, text: text(linkText) })}
          />
        </>
      )
    case 'jira-key':
      return (
        <Field
          label={`${prefix}Jira site`}
          value={format.site ?? ''}
          placeholder="(the datasource's)"
          onChange={(site) => onChange({ ...format, site: text(site) })}
        />
      )
    case 'status':
      return (
        <Field
          label={`${prefix}category column`}
          value={format.categoryColumn ?? ''}
          list={listId}
          placeholder="(by status name)"
          onChange={(categoryColumn) => onChange({ ...format, categoryColumn: text(categoryColumn) })}
        />
      )
    case 'text':
      return null
  }
}
