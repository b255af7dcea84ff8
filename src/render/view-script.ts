/**
 * The static assets of a view page, as text for the server to serve as files: the page's
 * Content-Security-Policy (`script-src 'self'; style-src 'self'`) allows no inline script or style,
 * so the table's sort and filter, the embed's height messages and the look all come from here.
 *
 * - VIEW_SCRIPT → /assets/view.js: sortable headers (click: ascending, again: descending; numeric
 *   columns by value, text by natural order), a filter box, paging (Previous/Next, "Rows X–Y of N"
 *   over the sorted, filtered rows), and in embed mode the page's height posted to the parent window.
 * - VIEW_STYLESHEET → /assets/view.css.
 * - embedScript(origin) → /embed.js: what another site includes to embed views.
 */
import { QuarryError } from '../domain/errors.js'
import { PARAM_OPTIONS_SCRIPT, PARAM_OPTIONS_STYLES } from './param-options.js'

/**
 * Rows per table page in an embed: an iframe on a wiki page should stay about a screen tall (25 rows
 * ≈ 800 px), and its height follows the page shown.
 */
export const EMBED_PAGE_SIZE = 25

/**
 * Rows per table page on the view's own page: larger, because there the page scrolls under a sticky
 * header and people read down a long list; paging still keeps a 10,000-row result from being one
 * endless document. The filter box searches all rows, not just the page.
 */
export const PAGE_SIZE = 100

/** The `type` of the message a view page in embed mode posts to its parent with its height. */
export const HEIGHT_MESSAGE = 'quarry:height'

/** The `type` of the message the page consent ends on posts to the embedded view that opened it (issue 15). */
export const CONNECTED_MESSAGE = 'quarry:connected'

/**
 * The view page's script (served as /assets/view.js). Plain ES2017, no dependencies; it reads the
 * markup the table panel (table-panel.ts) writes: `.quarry-table` wrappers holding a hidden
 * `.quarry-filter` box and a table whose header cells hold `<button class="quarry-sort">`, numeric
 * cells with class `num`.
 */
export const VIEW_SCRIPT = `'use strict'
;(function () {
  // A formatted cell (a date written 15 Jan 2026, a duration 1h 2m) sorts by its raw value, data-sort.
  function key(cell) {
    var raw = cell ? cell.getAttribute('data-sort') : null
    if (raw !== null && raw !== '') return cell.classList.contains('num') || /^-?\\d+$/.test(raw) ? Number(raw) : raw
    var text = cell ? cell.textContent : ''
    return cell && cell.classList.contains('num') && text !== '' ? Number(text) : text
  }
  function compare(a, b) {
    if (typeof a === 'number' && typeof b === 'number') return a - b
    if (typeof a === 'number') return -1
    if (typeof b === 'number') return 1
    if (a === '' || b === '') return a === b ? 0 : a === '' ? 1 : -1
    return a.localeCompare(b, undefined, { numeric: true, sensitivity: 'base' })
  }
  function sort(table, header, index) {
    var descending = header.getAttribute('aria-sort') === 'ascending'
    var headers = table.tHead.rows[0].cells
    for (var i = 0; i < headers.length; i++) headers[i].removeAttribute('aria-sort')
    header.setAttribute('aria-sort', descending ? 'descending' : 'ascending')
    var body = table.tBodies[0]
    var rows = Array.prototype.slice.call(body.rows)
    rows.sort(function (r1, r2) {
      var order = compare(key(r1.cells[index]), key(r2.cells[index]))
      return descending ? -order : order
    })
    var fragment = document.createDocumentFragment()
    rows.forEach(function (row) { fragment.appendChild(row) })
    body.appendChild(fragment)
  }
  // Paging hides the rows outside the current page; filtering marks rows that do not match (the
  // data-unmatched attribute), so a page counts only matching rows, in their sorted order.
  function show(state) {
    var rows = state.table.tBodies[0].rows
    var matching = []
    for (var i = 0; i < rows.length; i++) {
      if (rows[i].hasAttribute('data-unmatched')) rows[i].hidden = true
      else matching.push(rows[i])
    }
    var size = state.size > 0 ? state.size : matching.length
    var pages = Math.max(1, Math.ceil(matching.length / size))
    if (state.page > pages - 1) state.page = pages - 1
    var first = state.page * size
    for (var j = 0; j < matching.length; j++) matching[j].hidden = j < first || j >= first + size
    if (!state.pager) return
    state.pager.hidden = matching.length <= size && state.page === 0
    state.prev.disabled = state.page === 0
    state.next.disabled = state.page >= pages - 1
    state.where.textContent =
      matching.length === 0
        ? 'No rows'
        : 'Rows ' + (first + 1) + '\u2013' + Math.min(first + size, matching.length) + ' of ' + matching.length
  }
  function filter(state, input, count) {
    var needle = input.value.trim().toLowerCase()
    var rows = state.table.tBodies[0].rows
    var shown = 0
    for (var i = 0; i < rows.length; i++) {
      var hit = needle === '' || rows[i].textContent.toLowerCase().indexOf(needle) !== -1
      rows[i].toggleAttribute('data-unmatched', !hit)
      if (hit) shown++
    }
    count.textContent = needle === '' ? '' : shown + ' of ' + rows.length + ' rows'
    state.page = 0
    show(state)
  }
  document.querySelectorAll('.quarry-table').forEach(function (wrapper) {
    var table = wrapper.querySelector('table')
    if (!table || !table.tHead || table.tBodies.length === 0) return
    var state = { table: table, page: 0, size: Number(wrapper.getAttribute('data-page-size')) || 0 }
    var pager = wrapper.querySelector('.quarry-pager')
    if (pager) {
      state.pager = pager
      state.prev = pager.querySelector('[data-page=prev]')
      state.next = pager.querySelector('[data-page=next]')
      state.where = pager.querySelector('output')
      state.prev.addEventListener('click', function () { state.page--; show(state) })
      state.next.addEventListener('click', function () { state.page++; show(state) })
    }
    var headers = table.tHead.rows[0].cells
    Array.prototype.forEach.call(headers, function (header, index) {
      var button = header.querySelector('.quarry-sort')
      if (button) button.addEventListener('click', function () {
        sort(table, header, index)
        state.page = 0
        show(state)
      })
    })
    show(state)
    var box = wrapper.querySelector('.quarry-filter')
    if (!box) return
    var input = box.querySelector('input')
    var count = box.querySelector('output')
    input.addEventListener('input', function () { filter(state, input, count) })
    box.hidden = false
  })
  // PocketQuery's templates make a table sortable with the class aui-table-sortable (its docs on the
  // default template): each header cell's content goes into a sort button, as in Quarry's tables.
  document.querySelectorAll('.quarry-velocity table.aui-table-sortable').forEach(function (table) {
    if (!table.tHead || table.tHead.rows.length === 0 || table.tBodies.length === 0) return
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (header, index) {
      var button = document.createElement('button')
      button.type = 'button'
      button.className = 'quarry-sort'
      while (header.firstChild) button.appendChild(header.firstChild)
      header.appendChild(button)
      button.addEventListener('click', function () { sort(table, header, index) })
    })
  })
  // Issue 15: an embed's Connect opens consent in a window of its own (a provider's consent page
  // refuses to be framed); the page consent ends on tells this frame, which then reloads.
  var connectForms = document.querySelectorAll('form[data-connect-popup]')
  connectForms.forEach(function (form) {
    form.addEventListener('submit', function () {
      window.open('', form.target, 'popup,width=640,height=760')
    })
  })
  if (connectForms.length > 0) {
    window.addEventListener('message', function (event) {
      var data = event.data
      if (event.origin === window.location.origin && data && data.type === '${CONNECTED_MESSAGE}') window.location.reload()
    })
  }
  if (document.querySelector('[data-connected]') && window.opener) {
    try {
      window.opener.postMessage({ type: '${CONNECTED_MESSAGE}' }, window.location.origin)
      window.close()
    } catch (error) {
      // The opener is gone or another site now: the page links to the view instead.
    }
  }
  if (document.documentElement.hasAttribute('data-embed') && window.parent !== window) {
    var last = -1
    var post = function () {
      var height = Math.ceil(document.documentElement.getBoundingClientRect().height)
      if (height === last) return
      last = height
      window.parent.postMessage({ type: '${HEIGHT_MESSAGE}', height: height }, '*')
    }
    if (typeof ResizeObserver === 'function') new ResizeObserver(post).observe(document.documentElement)
    window.addEventListener('load', post)
    post()
  }
})()
${PARAM_OPTIONS_SCRIPT}`

/**
 * The view page's stylesheet (served as /assets/view.css). A text parameter (a JQL query) takes the
 * row's width; a chart keeps the size it was drawn at and scrolls sideways in its box on a narrow
 * screen, rather than shrinking its labels to specks (issue 10).
 */
export const VIEW_STYLESHEET = `:root{color-scheme:light;--muted:#5f6368;--line:#d0d4d9;--accent:#0b57d0}
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#1f1f1f;background:#fff}
.quarry-page{max-width:1200px;margin:0 auto;padding:1rem 1.25rem 2rem}
html[data-embed] body{background:transparent}
html[data-embed] .quarry-page{max-width:none;padding:0}
.quarry-header{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:baseline;justify-content:space-between}
.quarry-header h1{font-size:1.35rem;margin:0}
.quarry-meta{color:var(--muted);font-size:.9em}
.quarry-snapshots{margin:.5rem 0}.quarry-snapshots ul{margin:.25rem 0;padding-left:1.25rem}
.quarry-snapshots a[aria-current]{font-weight:600}
.quarry-snapshot{padding:.4rem .7rem;border-left:3px solid var(--accent);background:#f1f5fd}
.quarry-actions{display:flex;flex-wrap:wrap;gap:.5rem;align-items:center}
.quarry-actions form{margin:0}
.quarry-actions a,.quarry-actions button,.quarry-params button{font:inherit;padding:.3rem .7rem;border:1px solid var(--line);border-radius:4px;background:#f8f9fa;color:inherit;text-decoration:none;cursor:pointer}
.quarry-params{display:flex;flex-wrap:wrap;gap:.75rem;align-items:flex-end;margin:1rem 0;padding:.75rem;border:1px solid var(--line);border-radius:6px}
.quarry-params label{display:flex;flex-direction:column;gap:.2rem;font-weight:600}
.quarry-params small{font-weight:400;color:var(--muted)}
.quarry-params input,.quarry-params select{font:inherit;padding:.25rem .4rem;border:1px solid var(--line);border-radius:4px;min-width:8rem;max-width:100%}
.quarry-params label:has(input[type=text]){flex:1 1 18rem;min-width:0}
.quarry-params input[type=text]{width:100%}
.quarry-notices{margin:.75rem 0;padding:.5rem .75rem .5rem 2rem;background:#fef7e0;border:1px solid #f9e2a7;border-radius:4px}
.quarry-error{margin:.75rem 0;padding:.5rem .75rem;background:#fce8e6;border:1px solid #f4c7c3;border-radius:4px;white-space:pre-wrap}
.quarry-empty{color:var(--muted);margin:1rem 0}
.quarry-connect{margin:.75rem 0;padding:.75rem;border:1px solid var(--line);border-left:3px solid var(--accent);border-radius:4px;background:#f1f5fd}
.quarry-connect p{margin:0 0 .5rem}
.quarry-connect button{font:inherit;padding:.35rem .9rem;border:0;border-radius:4px;background:var(--accent);color:#fff;cursor:pointer}
.quarry-filter{margin:.5rem 0;display:flex;gap:.5rem;align-items:center}
.quarry-filter[hidden]{display:none}
.quarry-filter input{font:inherit;padding:.25rem .4rem;border:1px solid var(--line);border-radius:4px;min-width:16rem}
.quarry-filter output{color:var(--muted)}
.quarry-table{overflow-x:auto}
.quarry-table table{border-collapse:collapse;width:100%}
.quarry-table th,.quarry-table td{border:1px solid var(--line);padding:.3rem .5rem;text-align:left;vertical-align:top;white-space:pre-wrap}
.quarry-table th{background:#f3f4f6;position:sticky;top:0}
.quarry-table td.num{text-align:right;font-variant-numeric:tabular-nums}
.quarry-sort{all:unset;cursor:pointer;font-weight:600}
.quarry-sort:focus-visible{outline:2px solid var(--accent)}
th[aria-sort=ascending] .quarry-sort::after{content:" \\25B2";content:" \\25B2"/""}
th[aria-sort=descending] .quarry-sort::after{content:" \\25BC";content:" \\25BC"/""}
.quarry-table td a{color:var(--accent)}
.quarry-velocity{overflow-x:auto}
.quarry-velocity table.aui{border-collapse:collapse;width:100%}
.quarry-velocity table.aui th,.quarry-velocity table.aui td{border:1px solid var(--line);padding:.3rem .5rem;text-align:left;vertical-align:top;white-space:pre-wrap}
.quarry-velocity table.aui th{background:#f3f4f6}
.quarry-pager{display:flex;gap:.75rem;align-items:center;margin:.5rem 0}
.quarry-pager[hidden]{display:none}
.quarry-pager button{font:inherit;padding:.25rem .6rem;border:1px solid var(--line);border-radius:4px;background:#f8f9fa;color:inherit;cursor:pointer}
.quarry-pager button:disabled{cursor:default;color:var(--muted)}
.quarry-pager output{color:var(--muted)}
.quarry-chart{margin:1rem 0;overflow-x:auto}
.quarry-chart svg{display:block;max-width:none}
.quarry-chart-data{margin:.5rem 0}
.quarry-chart-data summary{cursor:pointer;color:var(--muted)}
.quarry-chart-data table{border-collapse:collapse;margin-top:.5rem}
.quarry-chart-data th,.quarry-chart-data td{border:1px solid var(--line);padding:.2rem .5rem;text-align:left}
.quarry-chart-data td.num{text-align:right;font-variant-numeric:tabular-nums}
.quarry-stat{display:inline-block;min-width:12rem;max-width:100%;margin:1rem 0;padding:.75rem 1.25rem;border:1px solid var(--line);border-left-width:6px;border-radius:6px;overflow-wrap:anywhere}
.quarry-stat figcaption{color:var(--muted);font-weight:600}
.quarry-stat-value{margin:.25rem 0 0;font-size:2.5rem;line-height:1.15;font-weight:700;font-variant-numeric:tabular-nums}
.quarry-stat--green{border-left-color:#1e7e34}.quarry-stat--green .quarry-stat-value{color:#1e6b30}
.quarry-stat--amber{border-left-color:#b26a00}.quarry-stat--amber .quarry-stat-value{color:#8a5300}
.quarry-stat--red{border-left-color:#c5221f}.quarry-stat--red .quarry-stat-value{color:#b3261e}
.quarry-stat--blue{border-left-color:#0b57d0}.quarry-stat--blue .quarry-stat-value{color:#0b57d0}
.quarry-stat--grey{border-left-color:#5f6368}.quarry-stat--grey .quarry-stat-value{color:#44474a}
.quarry-lozenge{display:inline-block;padding:0 .35rem;border-radius:3px;font-size:.8em;font-weight:700;text-transform:uppercase;white-space:nowrap}
.quarry-lozenge--new{background:#dfe1e6;color:#253858}
.quarry-lozenge--indeterminate{background:#deebff;color:#0747a6}
.quarry-lozenge--done{background:#e3fcef;color:#006644}
${PARAM_OPTIONS_STYLES}`

/**
 * The origin of a Quarry server, checked: http(s), no path, query or credentials.
 *
 * @example
 * quarryOrigin('https://quarry.example.com/') // 'https://quarry.example.com'
 */
export function quarryOrigin(origin: string): string {
  let url: URL
  try {
    url = new URL(origin)
  } catch {
    url = new URL('invalid:')
  }
  const bare = url.pathname === '/' || url.pathname === ''
  if (
    (url.protocol !== 'https:' && url.protocol !== 'http:') ||
    !bare ||
    url.search !== '' ||
    url.hash !== '' ||
    url.username !== '' ||
    url.password !== ''
  ) {
    throw new QuarryError(
      'QUARRY_CONFIG_INVALID',
      `"${origin}" is not an origin; give scheme, host and port only, e.g. https://quarry.example.com.`,
    )
  }
  return url.origin
}

/**
 * The script another site includes (served as /embed.js) to embed views: every element like
 * `<div data-quarry-view="open-issues" data-params="project=QA">` gets an iframe showing
 * `ORIGIN/v/open-issues?embed=1&project=QA` (`data-quarry-dashboard="team"`: `ORIGIN/d/team?embed=1`), as tall as its content — the view page posts its
 * height, and only messages from `origin`, from that very iframe, are believed.
 *
 * @example
 * embedScript('https://quarry.example.com') // "'use strict'\n;(function () {\n  var ORIGIN = \"https://quarry.example.com\"…"
 */
export function embedScript(origin: string): string {
  // JSON is a JavaScript string literal; `<` escaped too so the text is safe even pasted inline.
  const literal = JSON.stringify(quarryOrigin(origin)).replace(/</g, '\\u003c')
  return `'use strict'
;(function () {
  var ORIGIN = ${literal}
  var frames = []
  function mount(element) {
    if (element.hasAttribute('data-quarry-mounted')) return
    element.setAttribute('data-quarry-mounted', '')
    // A dashboard (issue 17) embeds like a view: its page in embed mode posts its height the same way.
    var dashboard = element.getAttribute('data-quarry-dashboard')
    var query = element.getAttribute('data-quarry-view') || ''
    var search = new URLSearchParams([['embed', '1']])
    new URLSearchParams(element.getAttribute('data-params') || '').forEach(function (value, name) {
      if (name !== 'embed') search.append(name, value)
    })
    var frame = document.createElement('iframe')
    var path = dashboard !== null ? '/d/' + encodeURIComponent(dashboard) : '/v/' + encodeURIComponent(query)
    frame.src = ORIGIN + path + '?' + search.toString()
    frame.title = element.getAttribute('data-title') || dashboard || query
    frame.loading = 'lazy'
    frame.referrerPolicy = 'strict-origin-when-cross-origin'
    frame.style.width = '100%'
    frame.style.height = '150px'
    frame.style.border = '0'
    frame.style.display = 'block'
    element.replaceChildren(frame)
    frames.push(frame)
  }
  window.addEventListener('message', function (event) {
    if (event.origin !== ORIGIN) return
    var data = event.data
    if (!data || data.type !== '${HEIGHT_MESSAGE}' || typeof data.height !== 'number' || !(data.height >= 0)) return
    for (var i = 0; i < frames.length; i++) {
      if (frames[i].contentWindow === event.source) frames[i].style.height = Math.min(Math.ceil(data.height), 100000) + 'px'
    }
  })
  function scan() {
    document.querySelectorAll('[data-quarry-view],[data-quarry-dashboard]').forEach(mount)
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', scan)
  else scan()
})()
`
}
