/**
 * The Velocity (VTL) engine as sandbox source (issue 13): velocityjs's CommonJS files, read as text
 * from its npm package and wrapped in a small module table, plus Quarry's glue — PocketQuery's `$PQ`,
 * HTML escaping of every `$reference` output, the call limit of `$PQ.template`/`templateByName`,
 * errors with their line and column. The whole text is a converter script (`function convert(json)`)
 * that template-job.ts runs through the ConverterPool, so a template renders in a worker's isolate
 * under a converter's memory limit and never in the server process: this module only reads the
 * engine's files, it never evaluates them (test/render/velocity-isolation.test.ts checks that the
 * server's module graph holds no velocityjs).
 *
 * What the glue changes in velocityjs (2.1.7):
 * - `$ref` output is HTML-escaped as Quarry's escapeHtml does (velocityjs's own `escape` leaves
 *   `$list`/`$map` output raw and writes emoji as broken surrogate entities, so it stays off);
 *   there is no way to write a value unescaped, as in Liquid. A value of null shows as Velocity
 *   shows null: `$x` as the text `$x`, `$!x` as nothing (velocityjs would write "null").
 * - References inside a double-quoted string are not escaped there (the string is escaped where it
 *   is output), and `#define` blocks and `$bodyContent` hold markup that is not escaped twice.
 * - `$PQ.template(...)`, `$PQ.templateByName(...)` insert another template's output as markup;
 *   `$PQ.template("default")` inserts a marker the host replaces with Quarry's default table.
 * - `#parse`, `#include` and `#eval` fail naming what to use instead (they would read files or
 *   run data as a template); any `$PQ.name()` Quarry does not have fails naming the ones it has.
 * - Java's `isEmpty()`, `contains()`, `containsKey()`, `values()` and a string's `length()` work on
 *   lists, maps and strings (velocityjs has `get`, `size`, `keySet`, `entrySet` already).
 */
import { readdirSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join, relative, sep } from 'node:path'

/** At most this many `$PQ.template` and `$PQ.templateByName` calls per render, as in PocketQuery. */
export const MAX_TEMPLATE_CALLS = 15

/** The velocityjs package entry (its CommonJS build), found the way Node would find it. */
function entryFile(): string {
  return createRequire(import.meta.url).resolve('velocityjs')
}

/** Every CommonJS file of velocityjs's build, by its path relative to the build folder (`/` separated). */
function engineFiles(): Map<string, string> {
  const root = dirname(entryFile())
  const files = new Map<string, string>()
  for (const entry of readdirSync(root, { recursive: true, encoding: 'utf8' })) {
    if (!entry.endsWith('.cjs')) continue
    files.set(relative(root, join(root, entry)).split(sep).join('/'), readFileSync(join(root, entry), 'utf8'))
  }
  if (!files.has('index.cjs')) throw new Error(`velocityjs's build has no index.cjs next to ${entryFile()}`)
  return files
}

/**
 * A module table (path → factory) and a `require` that resolves relative paths in it. velocityjs
 * requires one package, `debug`, for log lines nobody reads here: it gets a function that logs nothing.
 */
function moduleTable(files: Map<string, string>): string {
  const factories = [...files].map(
    ([path, text]) => `${JSON.stringify(path)}: function (module, exports, require) {\n${text}\n}`,
  )
  return `var MODULES = {\n${factories.join(',\n')}\n}\n${LOADER}`
}

const LOADER = String.raw`
var loaded = Object.create(null)
function resolvePath(from, spec) {
  var parts = from.split('/')
  parts.pop()
  spec.split('/').forEach(function (part) {
    if (part === '..') parts.pop()
    else if (part !== '.' && part !== '') parts.push(part)
  })
  return parts.join('/')
}
function load(path) {
  if (loaded[path] !== undefined) return loaded[path].exports
  var factory = MODULES[path]
  if (typeof factory !== 'function') throw new Error('velocityjs module not found: ' + path)
  var module = { exports: {} }
  loaded[path] = module
  factory(module, module.exports, function (spec) {
    if (spec === 'debug') return function () { return function () {} }
    return load(resolvePath(path, spec))
  })
  return module.exports
}
`

/** Quarry's side of the engine: runs inside the sandbox, after the module table. No template literals below. */
const GLUE = String.raw`
var MAX_CALLS = @MAX_TEMPLATE_CALLS@
var velocity = load('index.cjs')
var format = load('utils.cjs').format
var getRefText = velocity.Helper.getRefText
var Compile = velocity.Compile
var proto = Compile.prototype
var hasOwn = Object.prototype.hasOwnProperty

// Thrown by Quarry's glue: not an Error, so velocityjs appends nothing to its message.
function Failure(kind, message) {
  this.kind = kind
  this.message = message
}

// Markup that is output as it is: another template's output, a macro's body.
function SafeHtml(html) {
  this.html = html
}
SafeHtml.prototype.toString = function () {
  return this.html
}

var ESCAPES = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }
// As src/render/html-format.ts escapeHtml: the five characters, lone surrogates, and the controls HTML disallows.
function escapeHtml(text) {
  var s = String(text)
  if (!s.isWellFormed()) s = s.toWellFormed()
  return s
    .replace(/[&<>"']/g, function (c) { return ESCAPES[c] })
    .replace(/[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]/g, '\ufffd')
}

function position(error, pos) {
  if (error !== null && typeof error === 'object' && error.pos === undefined && pos) {
    try { error.pos = pos } catch (ignored) {}
  }
  return error
}

var getReferences = proto.getReferences
proto.getReferences = function (ast, isVal) {
  var value = getReferences.call(this, ast, isVal)
  // Only a reference written out in the template's text is output; one inside #set or #if is a value.
  if (!isVal || !ast.prue) return value
  if (ast.id !== undefined && Array.isArray(this.defines[ast.id])) return value
  if (value === null) return this.silence || ast.leader === '$!' ? '' : getRefText(ast)
  if (value instanceof SafeHtml) return value.html
  // Inside "..." the string is a value; it is escaped where it is output.
  if (this.inString > 0) return value
  return escapeHtml(format(value))
}

var evalStr = proto.evalStr
proto.evalStr = function (str) {
  this.inString = (this.inString || 0) + 1
  try {
    return evalStr.call(this, str)
  } finally {
    this.inString -= 1
  }
}

proto.getMacroBody = function (asts) {
  return this.getMacro(asts[0], new SafeHtml(this.eval(asts.slice(1), {})))
}

var getPropMethod = proto.getPropMethod
proto.getPropMethod = function (property, baseRef, ast) {
  try {
    return getPropMethod.call(this, property, baseRef, ast)
  } catch (error) {
    throw position(error, (ast && ast.pos) || property.pos)
  }
}

var getMacro = proto.getMacro
proto.getMacro = function (ast, bodyContent) {
  try {
    return getMacro.call(this, ast, bodyContent)
  } catch (error) {
    throw position(error, ast.pos)
  }
}

function unavailable(directive, instead) {
  return function () {
    throw new Failure('unsupported', directive + ' is not available in Quarry: ' + instead)
  }
}

var MACROS = {
  parse: unavailable('#parse', 'use $PQ.templateByName("name") to insert another template'),
  include: unavailable('#include', 'use $PQ.templateByName("name") to insert another template'),
  eval: unavailable('#eval', 'it would run data as a template'),
}

function macros() {
  return Object.assign({}, MACROS)
}

var PQ_METHODS = { toList: true, template: true, templateByName: true }

function javaMethod(name, resolve) {
  return {
    uid: 'quarry: ' + name,
    match: function (payload) {
      var context = payload.context
      return payload.property === name && context !== null && context !== undefined &&
        !(typeof context === 'object' && name in context) && resolve(context, payload.params) !== undefined
    },
    resolve: function (payload) {
      return resolve(payload.context, payload.params)
    },
  }
}

function isMap(value) {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

var JAVA_METHODS = [
  javaMethod('isEmpty', function (c) {
    if (Array.isArray(c) || typeof c === 'string') return c.length === 0
    if (isMap(c)) return Object.keys(c).length === 0
  }),
  javaMethod('length', function (c) {
    if (typeof c === 'string') return c.length
  }),
  javaMethod('contains', function (c, params) {
    if (Array.isArray(c)) return c.indexOf(params[0]) !== -1
    if (typeof c === 'string') return c.indexOf(String(params[0])) !== -1
  }),
  javaMethod('containsKey', function (c, params) {
    if (isMap(c)) return hasOwn.call(c, params[0])
  }),
  javaMethod('containsValue', function (c, params) {
    if (isMap(c)) return Object.keys(c).some(function (k) { return c[k] === params[0] })
  }),
  javaMethod('values', function (c) {
    if (isMap(c)) return Object.keys(c).map(function (k) { return c[k] })
  }),
]

function lineOf(pos) {
  return pos && typeof pos.first_line === 'number' ? pos.first_line : undefined
}

function columnOf(pos) {
  return pos && typeof pos.first_column === 'number' ? pos.first_column + 1 : undefined
}

// velocityjs's parser says "Parse error on line 3: ... Expecting 'EOF', ..., got 'ID'": what was found, and where.
function syntaxFailure(error, template) {
  var hash = error && error.hash ? error.hash : {}
  var loc = hash.loc
  var failure = new Failure('syntax', '')
  failure.pos = loc ? loc : { first_line: typeof hash.line === 'number' ? hash.line + 1 : undefined }
  var end = hash.token === 1 || hash.token === 'EOF'
  var found = end ? undefined : hash.text ? JSON.stringify(String(hash.text)) : undefined
  failure.message = end
    ? 'the template ends too early (an #if, #foreach or #macro without its #end, or a parenthesis left open?)'
    : found === undefined
      ? String(error && error.message ? error.message : error).split('\n')[0]
      : 'unexpected ' + found
  failure.template = template
  return failure
}

function parseTemplate(source, template) {
  try {
    return velocity.parse(source)
  } catch (error) {
    throw syntaxFailure(error, template)
  }
}

function toList(value) {
  if (value === null || value === undefined) return []
  if (Array.isArray(value)) return value.slice()
  return [value]
}

function render(job) {
  var state = { calls: 0, parsed: Object.create(null) }
  var pq = {
    toList: toList,
    template: function (id) { return insert(String(id), true) },
    templateByName: function (name) { return insert(String(name), false) },
  }
  var config = {
    escape: false,
    customMethodHandlers: [
      {
        uid: 'quarry: $PQ',
        match: function (payload) { return payload.context === pq && !hasOwn.call(PQ_METHODS, payload.property) },
        resolve: function (payload) {
          throw new Failure('unsupported', '$PQ.' + String(payload.property) + '() is not available in Quarry; $PQ has toList, template and templateByName')
        },
      },
    ].concat(JAVA_METHODS),
  }
  var context = {
    result: job.rows,
    queryParameters: job.params,
    queryName: job.query,
    PQ: pq,
  }
  function insert(name, byId) {
    state.calls += 1
    if (state.calls > MAX_CALLS) {
      throw new Failure('limit', '$PQ.template and $PQ.templateByName were called more than ' + MAX_CALLS + ' times (together, in one run), the limit PocketQuery has too')
    }
    if (byId && name === 'default') return new SafeHtml(job.defaultMarker)
    if (!hasOwn.call(job.templates, name)) throw new Failure('missing', name)
    var source = job.templates[name]
    if (typeof source !== 'string') {
      throw new Failure('not-found', 'no template is named ' + JSON.stringify(name) + (byId ? ' (Quarry finds templates by name; $PQ.template("default") is the default table)' : ''))
    }
    var asts = state.parsed[name] || (state.parsed[name] = parseTemplate(source, name))
    try {
      return new SafeHtml(new Compile(asts, config).render(context, macros()))
    } catch (error) {
      if (error !== null && typeof error === 'object' && error.template === undefined) {
        try { error.template = name } catch (ignored) {}
      }
      throw error
    }
  }
  var html = new Compile(parseTemplate(job.source, undefined), config).render(context, macros())
  if (html.length > job.maxChars) {
    throw new Failure('limit', 'the output has more than ' + job.maxChars + ' characters')
  }
  return html
}

function describeError(error) {
  if (error instanceof Failure) {
    return { ok: false, kind: error.kind, message: error.message, line: lineOf(error.pos), column: columnOf(error.pos), template: error.template }
  }
  var e = error !== null && typeof error === 'object' ? error : { message: String(error) }
  var message = String(e.message === undefined ? e : e.message)
  // velocityjs appends where a method failed ("... on $x.y() at L/N 3:4"); the line and column are said apart.
  message = message.replace(/\s*(on|at) \S[^\n]* L\/N [^\n]*$/, '').split('\n')[0]
  var name = typeof e.name === 'string' && e.name !== '' && e.name !== 'Error' ? e.name + ': ' : ''
  var kind = e instanceof RangeError && /call stack/i.test(message) ? 'limit' : 'runtime'
  if (kind === 'limit') message = 'it nests too deep (a #macro or template that calls itself?)'
  return { ok: false, kind: kind, message: name === 'RangeError: ' && kind === 'limit' ? message : name + message, line: lineOf(e.pos), column: columnOf(e.pos), template: e.template }
}

function convert(json) {
  var job = JSON.parse(json)
  try {
    return [{ ok: true, html: render(job) }]
  } catch (error) {
    return [describeError(error)]
  }
}
`

let cached: string | undefined

/**
 * The script a template job runs as its converter: velocityjs and the glue, defining
 * `convert(jobJson)` that answers `[{ ok: true, html }]` or `[{ ok: false, kind, message, line?, column?, template? }]`.
 * Built once per process from the installed velocityjs.
 *
 * @example velocitySource().includes('function convert(json)') // true
 */
export function velocitySource(): string {
  cached ??= `${moduleTable(engineFiles())}\n${GLUE.replace('@MAX_TEMPLATE_CALLS@', String(MAX_TEMPLATE_CALLS))}`
  return cached
}
