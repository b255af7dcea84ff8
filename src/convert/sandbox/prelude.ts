/**
 * The one script every sandbox context runs before the converter: it installs
 * the helpers as globals, removes what a converter must not have, and yields
 * the driver. Worker processes compile it once per isolate.
 */
import { ADF_SOURCE } from './adf-source.js'
import { DATE_SOURCE } from './date-source.js'
import { buildDriver } from './driver-source.js'

/** File name of the prelude in stack traces, so its frames are never taken for the converter's. */
export const PRELUDE_FILENAME = 'quarry-sandbox.js'

/**
 * Globals removed from every context. WebAssembly memory and SharedArrayBuffers
 * live outside the isolate's heap limit; Atomics.wait blocks a thread;
 * FinalizationRegistry and WeakRef callbacks run after a run has ended,
 * outside its time limit. No converter needs them.
 */
const REMOVED_GLOBALS = ['WebAssembly', 'SharedArrayBuffer', 'Atomics', 'FinalizationRegistry', 'WeakRef']

/**
 * The prelude's source. Its completion value is the driver function.
 *
 * @example const drive = await isolate.compileScriptSync(buildPrelude()).run(context, { reference: true })
 */
export function buildPrelude(): string {
  return `(function () {
'use strict'
// Helpers are configurable, non-enumerable properties: a converter may declare
// its own function or const of the same name without a redeclaration error.
function install(name, value) {
  Object.defineProperty(globalThis, name, { value: value, writable: true, configurable: true, enumerable: false })
}
// PocketQuery's converter API (issue 13): formatDate with moment.js tokens. Any other
// PocketQuery.name is a function that fails naming what is missing, so a converter written
// for PocketQuery stops with that, not with "PocketQuery.name is not a function".
function pocketQuery(formatMoment) {
  var known = { formatDate: formatMoment }
  return new Proxy(known, {
    get: function (target, key) {
      if (typeof key === 'symbol' || key in target || key === 'then' || key === 'toJSON') return target[key]
      return function () {
        throw new TypeError('PocketQuery.' + key + ' is not available in Quarry converters (available: PocketQuery.formatDate; Quarry helpers: formatDate, adfToText, adfToMarkdown, adfToHtml)')
      }
    },
  })
}
var adf = (function () {${ADF_SOURCE}})()
var dates = (function () {${DATE_SOURCE}})()
install('adfToText', adf.adfToText)
install('adfToMarkdown', adf.adfToMarkdown)
install('adfToHtml', adf.adfToHtml)
install('formatDate', dates.formatDate)
install('PocketQuery', pocketQuery(dates.formatMoment))
;${JSON.stringify(REMOVED_GLOBALS)}.forEach(function (name) { delete globalThis[name] })
return (function () {${buildDriver()}})()
})()
`
}
