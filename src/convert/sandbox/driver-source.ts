/**
 * The driver: JavaScript source that runs inside the sandbox and calls the
 * user's `convert` once per page. A function body; evaluated, it returns
 * `drive(op, …)`, which the worker holds by reference — the converter cannot
 * reach it, because it is no global.
 *
 * - `drive('check')` answers '' when the converter defines `convert`, else a failure.
 * - `drive('reset')` starts a new run in this context (a group's next run, see protocol.ts):
 *   the run's counts and any page or rows left from the last one are dropped; answers as 'check'.
 * - `drive('piece', text)` keeps one piece of a large page (the worker hands a page
 *   over in pieces, so no copy of it outside the isolate is larger than a piece);
 *   the next `drive('page', …)` joins the pieces and its own text into the page.
 * - `drive('page', text, index, total, metadataJson, maxRows, maxBytes)` converts
 *   one page and answers the first chunk of its rows as a JSON array text, or a
 *   failure; `drive('more')` answers the next chunk. A chunk that is not the
 *   page's last starts with `+` (then the array). Chunks hold about CHUNK_CHARS
 *   characters, so a page of a million rows leaves the isolate, and reaches the
 *   output, a chunk at a time rather than as one text.
 *   `maxRows` and `maxBytes` are the run's limits: the driver counts this
 *   worker's rows (before any is serialised) and characters (chunk by chunk)
 *   across its pages and refuses what goes past either *before* it leaves the isolate.
 *
 * A failure is `!` followed by JSON `{ kind, name, message, stack }` (messages
 * cut to a readable length here, so a 60 MB message is never copied out).
 *
 * Hostile converters: everything the driver calls was captured before the
 * converter's code ran, and it is called without looking anything up on a
 * prototype (methods are "uncurried" with the original bind and call, so a
 * replaced `Function.prototype.call` is never consulted). Objects the driver
 * builds have no prototype, so a `toJSON` or setter added to
 * `Object.prototype` or `Array.prototype` cannot reach them. What a converter
 * can still do — getters, proxies — runs converter code under the run's
 * limits and can only change its own rows: the host checks every page's text
 * (src/convert/check-rows.ts) and counts its rows itself.
 *
 * Values: rows are serialised with the native JSON.stringify when they hold
 * only plain JSON values (checked in one pass, the common case); a row that
 * holds anything else is first mapped to plain JSON (see README.md, "What the
 * rows may hold"): BigInt → decimal string, Date → ISO text (invalid → null),
 * NaN/±Infinity → null, undefined/function/Symbol → null (the cell stays),
 * Map → object of its entries, Set → array, RegExp → its `/source/flags` text,
 * boxed primitives → the primitive, other objects → their own enumerable
 * properties; `toJSON` is never called. A value nested deeper than
 * MAX_CELL_DEPTH or referring to itself fails, naming its row and column.
 *
 * No template literals below (it lives in one). `MAX_CELL_DEPTH` and
 * `MESSAGE_CHARS` are placeholders filled in by buildDriver().
 */
import { MAX_CELL_DEPTH } from '../limits.js'

/** Error messages leave the sandbox cut to this many characters. */
export const MESSAGE_CHARS = 2000

const DRIVER_SOURCE = String.raw`
'use strict'
var MAX_DEPTH = @MAX_CELL_DEPTH@
var MESSAGE_CHARS = @MESSAGE_CHARS@
// A page's rows leave the isolate in chunks of about this many characters of JSON.
var CHUNK_CHARS = 1048576
// Rows in a page's first chunk; later chunks are sized from the characters a row took so far.
var FIRST_CHUNK_ROWS = 2000
var STACK_CHARS = 8000
var FunctionProto = Function.prototype
var uncurry = FunctionProto.bind.bind(FunctionProto.call)
var apply = uncurry(FunctionProto.apply)
var stringify = JSON.stringify
var parse = JSON.parse
var isArray = Array.isArray
var getProto = Object.getPrototypeOf
var setProto = Object.setPrototypeOf
var create = Object.create
var keysOf = Object.keys
var valuesOf = Object.values
var ObjectProto = Object.prototype
var ArrayProto = Array.prototype
var ErrorType = Error
var PromiseType = Promise
var toText = String
var isFiniteNumber = Number.isFinite
var slice = uncurry(String.prototype.slice)
var indexOf = uncurry(String.prototype.indexOf)
var bigintText = uncurry(BigInt.prototype.toString)
var dateTime = uncurry(Date.prototype.getTime)
var dateIso = uncurry(Date.prototype.toISOString)
var mapEach = uncurry(Map.prototype.forEach)
var setEach = uncurry(Set.prototype.forEach)
// The size getters check that their receiver really is a Map or a Set (forEach wants a callback first).
var mapSize = uncurry(Object.getOwnPropertyDescriptor(Map.prototype, 'size').get)
var setSize = uncurry(Object.getOwnPropertyDescriptor(Set.prototype, 'size').get)
var regexpSource = uncurry(Object.getOwnPropertyDescriptor(RegExp.prototype, 'source').get)
var regexpFlags = uncurry(Object.getOwnPropertyDescriptor(RegExp.prototype, 'flags').get)
var numberValue = uncurry(Number.prototype.valueOf)
var stringValue = uncurry(String.prototype.valueOf)
var booleanValue = uncurry(Boolean.prototype.valueOf)
var bigintValue = uncurry(BigInt.prototype.valueOf)

// This worker's share of the run so far (a context serves one run).
var rowsSoFar = 0
var charsSoFar = 0
// The page in pieces (drive('piece')), and the rows of the page being sent out in chunks.
var pieces = list()
var pushPiece = uncurry(ArrayProto.push)
var joinPieces = uncurry(ArrayProto.join)
var outRows = null
var outAt = 0
var outChunk = FIRST_CHUNK_ROWS
var outNote = ''

function cut(text, max) {
  return text.length > max ? slice(text, 0, max) + '\u2026 (' + (text.length - max) + ' more characters)' : text
}

// A record without a prototype: nothing the converter added to Object.prototype applies to it.
function record() {
  return create(null)
}

function failure(kind, name, message, stack) {
  var f = record()
  f.kind = kind
  f.name = cut(toText(name), 200)
  f.message = cut(toText(message), MESSAGE_CHARS)
  f.stack = toText(stack)
  // The stack begins with the message: keep its frames, which say where.
  var frames = indexOf(f.stack, '\n    at ')
  f.stack = cut(frames > 0 ? slice(f.stack, frames) : f.stack, STACK_CHARS)
  return '!' + stringify(f)
}

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

// Reads what was thrown without trusting it: a getter on a thrown object runs here,
// under the run's time limit, not in the worker.
function thrown(error, context) {
  try {
    if (error instanceof ErrorType)
      return failure('runtime', error.name, context + error.message, error.stack)
    return failure('runtime', '', context + 'threw ' + (typeof error === 'string' ? stringify(cut(error, MESSAGE_CHARS)) : toText(error)) +
      ' (throw an Error to see the line)', '')
  } catch (inner) {
    return failure('runtime', '', context + 'threw a value that cannot be read', '')
  }
}

// As pageName in describe-failure.ts: the total is null while not known.
function pageNote(index, total) {
  if (total === null) return ' for page ' + (index + 1)
  return total > 1 ? ' for page ' + (index + 1) + ' of ' + total : ''
}

function noConvert() {
  return failure('contract', '', 'The converter must define function convert(json, metadata)', '')
}

// True when the object or array v holds JSON as it stands: strings, finite numbers,
// booleans, null, and plain objects and arrays of them within the depth limit. Anything
// else sends its row to normalize() (the uncommon case). Primitives are checked inline,
// without a call each: this runs over every value of every row, often before the JIT
// has warmed up (each run's context starts cold). A toJSON on Object.prototype or
// Array.prototype is checked once per page (protoJson).
function plain(v, depth) {
  if (depth > MAX_DEPTH) return false
  var x, t
  var proto = getProto(v)
  if (proto === ArrayProto) {
    if (!isArray(v)) return false
    for (var i = 0; i < v.length; i++) {
      x = v[i]
      t = typeof x
      if (t === 'string' || t === 'boolean' || x === null) continue
      if (t === 'number' ? x - x !== 0 : t !== 'object' || !plain(x, depth + 1)) return false
    }
    return true
  }
  if (proto !== ObjectProto && proto !== null) return false
  // One native call for the values beats a keyed load per property while the JIT is cold.
  // An own toJSON method is a function, which is not plain: its row takes the mapping.
  var values = valuesOf(v)
  for (var k = 0; k < values.length; k++) {
    x = values[k]
    t = typeof x
    if (t === 'string' || t === 'boolean' || x === null) continue
    if (t === 'number' ? x - x !== 0 : t !== 'object' || !plain(x, depth + 1)) return false
  }
  return true
}

// True when the converter gave Object.prototype or Array.prototype a toJSON (checked once a page).
function protoJson() {
  return ArrayProto.toJSON !== undefined || ObjectProto.toJSON !== undefined
}

// Why normalize() gave up on a value; caught by the row loop, which names the row and column.
function Unrepresentable(reason) {
  this.reason = reason
}
setProto(Unrepresentable.prototype, null)

// An array the converter's Array.prototype cannot reach (no setters, no toJSON).
function list() {
  var a = []
  setProto(a, null)
  return a
}

function is(read, v) {
  try {
    read(v)
    return true
  } catch (e) {
    return false
  }
}

// The documented mapping of any value to plain JSON (see the header).
function normalize(v, depth, path) {
  var t = typeof v
  if (t === 'string' || t === 'boolean') return v
  if (t === 'number') return v - v === 0 ? v : null
  if (t === 'bigint') return bigintText(v)
  if (t !== 'object' || v === null) return null
  for (var up = 1; up < depth; up++)
    if (path[up] === v) throw new Unrepresentable('refers to itself (a cycle)')
  if (depth > MAX_DEPTH) throw new Unrepresentable('is nested deeper than ' + MAX_DEPTH + ' levels')
  path[depth] = v
  if (is(dateTime, v)) {
    var time = dateTime(v)
    return isFiniteNumber(time) ? dateIso(v) : null
  }
  if (is(numberValue, v)) return normalize(numberValue(v), depth, path)
  if (is(stringValue, v)) return stringValue(v)
  if (is(booleanValue, v)) return booleanValue(v)
  if (is(bigintValue, v)) return bigintText(bigintValue(v))
  if (is(regexpSource, v)) return '/' + regexpSource(v) + '/' + regexpFlags(v)
  var out
  if (is(mapSize, v)) {
    out = record()
    mapEach(v, function (value, key) {
      var name = typeof key === 'string' ? key : normalize(key, depth + 1, path)
      out[typeof name === 'string' ? name : stringify(name)] = normalize(value, depth + 1, path)
    })
    return out
  }
  var i = 0
  if (is(setSize, v)) {
    out = list()
    setEach(v, function (value) {
      out[i++] = normalize(value, depth + 1, path)
    })
    return out
  }
  if (isArray(v)) {
    out = list()
    for (var n = v.length; i < n; i++) out[i] = normalize(v[i], depth + 1, path)
    return out
  }
  out = record()
  var keys = keysOf(v)
  for (; i < keys.length; i++) out[keys[i]] = normalize(v[keys[i]], depth + 1, path)
  return out
}

// A row that is not plain JSON, mapped; an unrepresentable cell is named by row and column.
function normalizeRow(row, rowIndex, index, total) {
  var out = record()
  var keys = keysOf(row)
  var path = list()
  for (var k = 0; k < keys.length; k++) {
    try {
      out[keys[k]] = normalize(row[keys[k]], 1, path)
    } catch (error) {
      if (!(error instanceof Unrepresentable)) throw error
      return failure('contract', '', 'convert() returned a value in row ' + (rowIndex + 1) + ', column ' + stringify(keys[k]) +
        pageNote(index, total) + ' that ' + error.reason + '; flatten it or turn it into text first', '')
    }
  }
  return out
}

// What a row must not be: a value with a JSON mapping of its own is a cell, not a row.
function special(v) {
  if (is(dateTime, v)) return 'a Date'
  if (is(mapSize, v)) return 'a Map'
  if (is(setSize, v)) return 'a Set'
  if (is(regexpSource, v)) return 'a RegExp'
  if (is(numberValue, v) || is(stringValue, v) || is(booleanValue, v) || is(bigintValue, v)) return 'a boxed primitive'
  return ''
}

// The host words these (it knows the limits and the settings that raise them).
function limitFailure(kind) {
  return failure(kind, '', '', '')
}

// The next chunk of outRows as JSON array text, '+' in front when more follow; null'ed after the last.
function nextChunk(maxBytes) {
  var count = outRows.length
  var end = outAt + outChunk < count ? outAt + outChunk : count
  var rows = outRows
  if (outAt !== 0 || end !== count) {
    rows = list()
    for (var i = outAt; i < end; i++) rows[i - outAt] = outRows[i]
  }
  var json
  try {
    json = stringify(rows)
  } catch (error) {
    outRows = null
    return thrown(error, 'could not turn the rows into JSON: ')
  }
  if (typeof json !== 'string') {
    outRows = null
    return failure('contract', '', 'convert() returned rows that do not turn into JSON' + outNote, '')
  }
  // Characters never outnumber UTF-8 bytes: over in characters is over in bytes (the host counts bytes).
  if (json.length > maxBytes - charsSoFar) {
    outRows = null
    return limitFailure('bytes')
  }
  charsSoFar += json.length
  var rowsIn = end - outAt
  outAt = end
  if (outAt >= count) {
    outRows = null
    return json
  }
  // Size the next chunk from what these rows took: about CHUNK_CHARS characters.
  var next = (rowsIn * CHUNK_CHARS) / (json.length + 1)
  outChunk = next < 1 ? 1 : next > 100000 ? 100000 : next - (next % 1)
  return '+' + json
}

var lastMaxBytes = 0

return function drive(op, text, index, total, metadataJson, maxRows, maxBytes) {
  if (typeof convert !== 'function') return noConvert()
  if (op === 'check') return ''
  if (op === 'reset') {
    rowsSoFar = 0
    charsSoFar = 0
    pieces = list()
    outRows = null
    return ''
  }
  if (op === 'piece') {
    pushPiece(pieces, text)
    return ''
  }
  if (op === 'more') return outRows === null ? failure('contract', '', 'no rows to send', '') : nextChunk(lastMaxBytes)
  if (pieces.length > 0) {
    pushPiece(pieces, text)
    text = joinPieces(pieces, '')
    pieces = list()
  }
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
  try {
    var count = result.length
    // Refused before a single row is serialised: a 10-million-row result never becomes text.
    if (count > maxRows - rowsSoFar) return limitFailure('rows')
    var rows = list()
    var fast = !protoJson()
    for (var i = 0; i < count; i++) {
      var row = result[i]
      if (row === null || typeof row !== 'object' || isArray(row))
        return failure('contract', '', 'convert() returned an array whose item ' + i + ' is ' + describe(row) +
          pageNote(index, total) + ', expected row objects', '')
      var proto = getProto(row)
      if ((proto === ObjectProto || proto === null) && fast && plain(row, 0)) rows[i] = row
      else {
        var kind = special(row)
        if (kind !== '')
          return failure('contract', '', 'convert() returned an array whose item ' + i + ' is ' + kind +
            pageNote(index, total) + ', expected row objects', '')
        var mapped = normalizeRow(row, i, index, total)
        if (typeof mapped === 'string') return mapped
        rows[i] = mapped
      }
    }
  } catch (error) {
    return thrown(error, 'could not turn the rows into JSON: ')
  }
  rowsSoFar += count
  // The converter's array is no longer needed once its rows are in the driver's own list.
  result = null
  outRows = rows
  outAt = 0
  outChunk = FIRST_CHUNK_ROWS
  lastMaxBytes = maxBytes
  outNote = pageNote(index, total)
  return nextChunk(maxBytes)
}
`

/**
 * The driver's source with its constants filled in.
 *
 * @example new Function(buildDriver())() // the drive function
 */
export function buildDriver(): string {
  return DRIVER_SOURCE.replace('@MAX_CELL_DEPTH@', String(MAX_CELL_DEPTH)).replace(
    '@MESSAGE_CHARS@',
    String(MESSAGE_CHARS),
  )
}
