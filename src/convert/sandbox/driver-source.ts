/**
 * The driver: JavaScript source that runs inside the sandbox and calls the
 * user's `convert` once per page. A function body; evaluated, it returns
 * `drive(op, text, index, total, metadataJson)`, which the worker holds by
 * reference — the converter cannot reach it, because it is no global.
 *
 * - `drive('check')` answers '' when the converter defines `convert`, else a failure.
 * - `drive('page', text, index, total, metadataJson)` converts one page and
 *   answers `rowCount:rowsJson`, where rowsJson is the page's rows as JSON
 *   array text *without* its brackets (so pages join with a comma), or a failure.
 *
 * A failure is `!` followed by JSON `{ kind, name, message, stack }`. Each page's
 * rows are turned into JSON text right away, so only one string per call
 * leaves the isolate (no structured copy) and the isolate never holds more
 * than one page of rows.
 *
 * The intrinsics the driver relies on are captured before the converter's code
 * runs, so a converter that replaces `JSON.stringify` or `Array.isArray` can
 * only spoil its own run, never make the pool accept something that is not JSON.
 *
 * No template literals below (it lives in one).
 */
export const DRIVER_SOURCE = String.raw`
'use strict'
var stringify = JSON.stringify
var parse = JSON.parse
var isArray = Array.isArray
var ErrorType = Error
var PromiseType = Promise
var toText = String
var slice = String.prototype.slice

function describe(value) {
  if (value === null) return 'null'
  if (isArray(value)) return 'an array'
  if (value instanceof PromiseType || (typeof value === 'object' && typeof value.then === 'function'))
    return 'a Promise (convert must return its rows, not a promise of them)'
  var type = typeof value
  if (type === 'undefined') return 'undefined (did it forget to return?)'
  if (type === 'object') return 'an object'
  return 'a ' + type
}

function failure(kind, name, message, stack) {
  return '!' + stringify({ kind: kind, name: toText(name), message: toText(message), stack: toText(stack) })
}

// Reads what was thrown without trusting it: a getter on a thrown object runs here,
// under the run's time limit, not in the worker.
function thrown(error, context) {
  try {
    if (error instanceof ErrorType)
      return failure('runtime', error.name, context + error.message, error.stack)
    return failure('runtime', '', context + 'threw ' + (typeof error === 'string' ? stringify(error) : toText(error)) +
      ' (throw an Error to see the line)', '')
  } catch (inner) {
    return failure('runtime', '', context + 'threw a value that cannot be read', '')
  }
}

function pageNote(index, total) {
  return total > 1 ? ' for page ' + (index + 1) + ' of ' + total : ''
}

function noConvert() {
  return failure('contract', '', 'The converter must define function convert(json, metadata)', '')
}

return function drive(op, text, index, total, metadataJson) {
  if (typeof convert !== 'function') return noConvert()
  if (op === 'check') return ''
  var metadata = parse(metadataJson)
  metadata.page = index
  metadata.pages = total
  var result
  try {
    result = convert(text, metadata)
  } catch (error) {
    return thrown(error, '')
  }
  if (!isArray(result))
    return failure('contract', '', 'convert() returned ' + describe(result) + pageNote(index, total) +
      ', expected an array of row objects', '')
  for (var i = 0; i < result.length; i++) {
    var row = result[i]
    if (row === null || typeof row !== 'object' || isArray(row))
      return failure('contract', '', 'convert() returned an array whose item ' + i + ' is ' + describe(row) +
        pageNote(index, total) + ', expected row objects', '')
  }
  var json
  try {
    json = stringify(result)
  } catch (error) {
    return thrown(error, 'could not turn the rows into JSON: ')
  }
  // A replaced Array.prototype.toJSON could turn the array into something else.
  if (json[0] !== '[')
    return failure('contract', '', 'convert() returned rows that do not turn into a JSON array' + pageNote(index, total), '')
  return result.length + ':' + slice.call(json, 1, -1)
}
`
