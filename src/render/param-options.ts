/**
 * The dropdown of a parameter whose values come from a query (issue 17): a labelled native `<select>`
 * (`multiple` for a list parameter), so it works with the keyboard and without script; a search box
 * the script shows above it narrows the choices; a parameter whose options depend on another's value
 * (`data-depends`) reloads its choices from `data-options-url` when that value changes. A list that
 * failed shows its error in its place, and the rest of the page renders.
 *
 * Used by the view page (view-page.ts) and meant for any page with a parameter form: it needs
 * paramOptionsControl's markup inside a `<form>`, PARAM_OPTIONS_SCRIPT (part of VIEW_SCRIPT) and
 * PARAM_OPTIONS_STYLES (part of VIEW_STYLESHEET). The options URL answers
 * `{ "options": [{ "value", "label" }] }` for the form's current values as query parameters (the view's
 * is `GET /v/QUERY/options/PARAM`), or an error body `{ "error": { "code", "message" } }`.
 */
import type { ParamSpec } from '../domain/query.js'
import { optionDependencies } from '../domain/query.js'
import { escapeHtml } from './html-format.js'

/** A parameter's list as a page shows it: its choices, or the (reader's) words of why there are none. */
export type ParamOptionsView =
  | { readonly options: readonly { readonly value: string; readonly label: string }[] }
  | { readonly error: string }

/** Everything one dropdown needs. */
export interface ParamOptionsControlInput {
  readonly spec: ParamSpec
  /** The current raw value (a list parameter's items comma-separated). */
  readonly current: string
  readonly list: ParamOptionsView
  /** Where the script asks for this parameter's choices when a value it depends on changes. */
  readonly optionsUrl: string
  /** Prefix of the element ids, so several forms can share a page (default `p-`). */
  readonly idPrefix?: string
  /** What the dropdown is called on the page (default: the parameter's name; a dashboard's own label). */
  readonly label?: string
}

/** The most rows a multi-select shows at once; it scrolls beyond. */
const MULTI_ROWS = 8

/**
 * The labelled dropdown of one options parameter (or its list's error in its place), as HTML.
 *
 * @example
 * paramOptionsControl({ spec, current: 'DEMO', list: { options: [{ value: 'DEMO', label: 'Demo project' }] }, optionsUrl: '/v/issues/options/project' })
 * // '<div class="quarry-param quarry-options" …><label for="p-project">project</label>…<select id="p-project" name="project">…'
 */
export function paramOptionsControl(input: ParamOptionsControlInput): string {
  const { spec } = input
  const id = `${input.idPrefix ?? 'p-'}${spec.name}`
  const label = escapeHtml(input.label ?? spec.name)
  const hint = spec.description === undefined ? '' : ` <small>${escapeHtml(spec.description)}</small>`
  const depends = optionDependencies(spec)
  const attrs =
    ` data-param="${escapeHtml(spec.name)}" data-options-url="${escapeHtml(input.optionsUrl)}"` +
    (depends.length === 0 ? '' : ` data-depends="${escapeHtml(depends.join(' '))}"`)
  if ('error' in input.list) {
    return (
      `<div class="quarry-param quarry-options"${attrs}>` +
      `<span class="quarry-param-name" id="${escapeHtml(id)}-name">${label}${hint}</span>` +
      `<p class="quarry-error" role="alert" aria-labelledby="${escapeHtml(id)}-name">${escapeHtml(input.list.error)}</p>` +
      '</div>'
    )
  }
  const multiple = spec.type === 'list'
  const chosen = new Set(
    multiple
      ? input.current
          .split(',')
          .map((item) => item.trim())
          .filter((item) => item !== '')
      : [input.current],
  )
  const options = input.list.options
    .map(
      (option) =>
        `<option value="${escapeHtml(option.value)}"${chosen.has(option.value) ? ' selected' : ''}>${escapeHtml(option.label)}</option>`,
    )
    .join('')
  const size = multiple
    ? ` multiple size="${Math.max(2, Math.min(MULTI_ROWS, input.list.options.length))}"`
    : ''
  return (
    `<div class="quarry-param quarry-options"${attrs}>` +
    `<label for="${escapeHtml(id)}">${label}${hint}</label>` +
    `<input type="search" class="quarry-options-filter" id="${escapeHtml(id)}-filter" hidden autocomplete="off" ` +
    `aria-label="Search the choices of ${label}" aria-controls="${escapeHtml(id)}" placeholder="Search…">` +
    `<select id="${escapeHtml(id)}" name="${escapeHtml(spec.name)}"${size}>${options}</select>` +
    `<output class="quarry-options-status" for="${escapeHtml(id)}" aria-live="polite"></output>` +
    '</div>'
  )
}

/**
 * The dropdowns' script (plain ES2017, part of the view page's VIEW_SCRIPT): shows each search box
 * and narrows its select's choices as one types (Down moves to the list), sends a multi-select's
 * choices as one comma-separated value, and reloads a dependent list when a value it depends on
 * changes, keeping the chosen value if the new list has it, else choosing the first.
 */
export const PARAM_OPTIONS_SCRIPT = `;(function () {
  function say(box, text) {
    var status = box.querySelector('.quarry-options-status')
    if (status) status.textContent = text
  }
  function narrow(box, select, needle) {
    var shown = 0
    for (var i = 0; i < select.options.length; i++) {
      var option = select.options[i]
      var hit = needle === '' || option.textContent.toLowerCase().indexOf(needle) !== -1 || option.value.toLowerCase().indexOf(needle) !== -1
      option.hidden = !hit
      if (hit) shown++
    }
    say(box, needle === '' ? '' : shown + ' of ' + select.options.length + ' choices')
  }
  function valueOf(element) {
    if (element.tagName === 'SELECT' && element.multiple) {
      return Array.prototype.filter.call(element.options, function (o) { return o.selected }).map(function (o) { return o.value }).join(',')
    }
    return element.value
  }
  function formValues(form) {
    var search = new URLSearchParams()
    Array.prototype.forEach.call(form.elements, function (element) {
      if (!element.name || element.type === 'submit' || element.disabled) return
      var value = valueOf(element)
      if (value !== '') search.set(element.name, value)
    })
    return search
  }
  function fill(select, options) {
    var keep = {}
    Array.prototype.forEach.call(select.options, function (o) { if (o.selected) keep[o.value] = true })
    var kept = false
    select.replaceChildren()
    options.forEach(function (choice) {
      var option = document.createElement('option')
      option.value = choice.value
      option.textContent = choice.label
      if (keep[choice.value]) { option.selected = true; kept = true }
      select.appendChild(option)
    })
    if (!kept && select.options.length > 0) select.options[0].selected = true
  }
  function reload(box, form) {
    var select = box.querySelector('select')
    if (!select) return
    var search = formValues(form)
    search.delete(box.getAttribute('data-param'))
    say(box, 'Loading choices\\u2026')
    select.setAttribute('aria-busy', 'true')
    fetch(box.getAttribute('data-options-url') + '?' + search.toString(), { credentials: 'same-origin', headers: { accept: 'application/json' } })
      .then(function (response) { return response.json().then(function (body) { return { ok: response.ok, body: body } }) })
      .then(function (answer) {
        select.removeAttribute('aria-busy')
        if (!answer.ok || !answer.body || !Array.isArray(answer.body.options)) {
          var error = answer.body && answer.body.error
          say(box, error ? error.message + ' (' + error.code + ')' : 'The choices could not be loaded.')
          return
        }
        fill(select, answer.body.options)
        say(box, answer.body.options.length + ' choices')
        select.dispatchEvent(new Event('change', { bubbles: true }))
      })
      .catch(function () {
        select.removeAttribute('aria-busy')
        say(box, 'The choices could not be loaded.')
      })
  }
  document.querySelectorAll('.quarry-options').forEach(function (box) {
    var select = box.querySelector('select')
    var filter = box.querySelector('.quarry-options-filter')
    var form = box.closest('form')
    if (select && filter) {
      filter.hidden = false
      filter.addEventListener('input', function () { narrow(box, select, filter.value.trim().toLowerCase()) })
      filter.addEventListener('keydown', function (event) {
        if (event.key === 'ArrowDown') { event.preventDefault(); select.focus() }
      })
    }
    if (!form) return
    if (select && select.multiple) {
      // A list parameter travels as one comma-separated value, as its text box would send it.
      var carrier = document.createElement('input')
      carrier.type = 'hidden'
      carrier.name = select.name
      select.removeAttribute('name')
      select.setAttribute('data-name', carrier.name)
      form.appendChild(carrier)
      var sync = function () { carrier.value = valueOf(select) }
      select.addEventListener('change', sync)
      sync()
    }
    var depends = (box.getAttribute('data-depends') || '').split(' ').filter(Boolean)
    depends.forEach(function (name) {
      var source = form.querySelector('[name="' + name + '"], select[data-name="' + name + '"]')
      if (source && source.tagName === 'INPUT' && source.type === 'hidden') source = form.querySelector('select[data-name="' + name + '"]')
      if (source) source.addEventListener('change', function () { reload(box, form) })
    })
  })
})()
`

/** The dropdowns' look (part of VIEW_STYLESHEET). */
export const PARAM_OPTIONS_STYLES = `.quarry-param{display:flex;flex-direction:column;gap:.2rem;font-weight:600}
.quarry-param .quarry-error{margin:0;font-weight:400;max-width:28rem}
.quarry-options-filter{font:inherit;font-weight:400;padding:.25rem .4rem;border:1px solid var(--line);border-radius:4px;min-width:10rem}
.quarry-options-filter[hidden]{display:none}
.quarry-options select{font:inherit;font-weight:400;padding:.25rem .4rem;border:1px solid var(--line);border-radius:4px;min-width:10rem}
.quarry-options-status{font-weight:400;color:var(--muted);font-size:.85em;min-height:1em}
`
