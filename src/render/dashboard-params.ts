/**
 * A dashboard's parameter bar (issue 17): one field per dashboard parameter, typed by the first panel
 * query that declares a parameter of that name. Plain inputs, all in this module, so that a field
 * whose allowed values come from a query (a dropdown) can take the place of an input here alone.
 */
import type { ParamSpec } from '../domain/query.js'
import { escapeHtml } from './html-format.js'
import { paramOptionsControl, type ParamOptionsView } from './param-options.js'

/** One field of the bar. */
export interface BarField {
  readonly name: string
  /** What the field is called on the page (default: the name). */
  readonly label: string
  /** The panel query's declaration of the parameter, if a panel's query declares it. */
  readonly spec?: ParamSpec
  /** The value the panels were given ('' when none). */
  readonly value: string
  /**
   * The allowed values, when the declaring query's parameter takes them from a query: its list (or
   * the list's error) and where the dropdown reloads it (the query's GET /v/QUERY/options/PARAM).
   */
  readonly options?: { readonly list: ParamOptionsView; readonly url: string }
}

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/

/** The control of one field: a text box unless the parameter's type asks for a number, a day or a choice. */
function control(field: BarField, id: string): string {
  const attrs = `id="${escapeHtml(id)}" name="${escapeHtml(field.name)}"`
  const value = escapeHtml(field.value)
  switch (field.spec?.type) {
    case 'integer':
      return `<input ${attrs} type="number" step="1" inputmode="numeric" value="${value}">`
    case 'number':
      return `<input ${attrs} type="number" step="any" value="${value}">`
    case 'date':
      return field.value === '' || DATE_ONLY.test(field.value)
        ? `<input ${attrs} type="date" value="${value}">`
        : `<input ${attrs} type="text" value="${value}">`
    case 'constant': {
      const choices = ['', ...(field.spec.values ?? [])]
      const options = choices.map(
        (choice) =>
          `<option value="${escapeHtml(choice)}"${choice === field.value ? ' selected' : ''}>${escapeHtml(choice)}</option>`,
      )
      return `<select ${attrs}>${options.join('')}</select>`
    }
    case 'list':
      return `<input ${attrs} type="text" value="${value}" placeholder="a, b, c">`
    default:
      return `<input ${attrs} type="text" value="${value}">`
  }
}

/**
 * The bar: a GET form to the dashboard's own address, so the values end up in its URL (shareable,
 * bookmarkable) and every panel is loaded again with them. No fields: no bar.
 *
 * @example
 * parameterBar([{ name: 'project', label: 'Project', value: 'QA' }], '/d/team')
 * // '<form class="quarry-params quarry-dash-params" method="get" action="/d/team" aria-label="Dashboard parameters">…'
 */
export function parameterBar(fields: readonly BarField[], action: string): string {
  if (fields.length === 0) return ''
  const labelled = fields.map((field) => {
    const id = `dp-${field.name}`
    // The dropdown carries its own label (and its error in its place): not nested in another.
    if (field.spec?.options !== undefined && field.options !== undefined) {
      return paramOptionsControl({
        spec: field.spec,
        current: field.value,
        list: field.options.list,
        optionsUrl: field.options.url,
        idPrefix: 'dp-',
        label: field.label,
      })
    }
    return `<label for="${escapeHtml(id)}">${escapeHtml(field.label)}${control(field, id)}</label>`
  })
  return (
    `<form class="quarry-params quarry-dash-params" method="get" action="${escapeHtml(action)}" aria-label="Dashboard parameters">\n` +
    labelled.join('\n') +
    '\n<button type="submit">Apply</button>\n</form>\n'
  )
}
