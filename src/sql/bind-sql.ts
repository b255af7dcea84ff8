import { isContextName, unknownContextMessage } from '../domain/context-params.js'
import { QuarryError } from '../domain/errors.js'
import type { ParamValue } from '../domain/params.js'
import type { ParamSpec } from '../domain/query.js'

/**
 * Binding `:name` parameters into SQL: every value becomes a placeholder the
 * driver binds (a prepared statement), never text spliced into the statement.
 * The one exception is a `constant` parameter — a value from the admin's fixed
 * list, such as a table name — which goes in as a quoted identifier.
 *
 * Context parameters (`:@user.email`, `:@today`) are bound the same way.
 *
 * The scanner knows each dialect's literals and comments, so `':name'`,
 * `-- :name`, `"col:name"`, PostgreSQL's `::int` casts and `$$…$$` bodies are
 * left alone.
 */

export type SqlDialect = 'postgres' | 'mysql' | 'sqlite'

/** What a driver binds: text, numbers, booleans (PostgreSQL, MySQL) or NULL. */
export type SqlValue = string | number | boolean | null

export interface BoundSql {
  /** The statement with dialect placeholders: `$1, $2, …` (PostgreSQL) or `?` (MySQL, SQLite). */
  readonly text: string
  readonly values: readonly SqlValue[]
}

const IDENT_START = /[A-Za-z_]/
const IDENT_PART = /[A-Za-z0-9_]/

/** Where a `:name` parameter stands in a statement: `sql.slice(start, end)` is `:name`. */
export interface SqlParamSite {
  readonly name: string
  readonly start: number
  readonly end: number
}

/**
 * The `:name` parameters of a statement, in order, as the binder sees them: literals, quoted
 * identifiers, comments, `::casts`, `:=` and `$$…$$` bodies are skipped. Throws
 * QUARRY_TEMPLATE_INVALID for placeholders Quarry writes itself (`?`, `$1`).
 *
 * @example scanSqlParams('postgres', "SELECT :a::int, ':b' -- :c").map((site) => site.name) // ['a']
 */
export function scanSqlParams(dialect: SqlDialect, sql: string): SqlParamSite[] {
  const sites: SqlParamSite[] = []
  let i = 0
  const n = sql.length
  /** Index just past the closing `quote`, honouring doubled quotes (and backslashes where the dialect has them). */
  const skipQuoted = (start: number, quote: string, backslash: boolean): number => {
    let j = start + 1
    while (j < n) {
      const c = sql[j]
      if (backslash && c === '\\') {
        j += 2
      } else if (c === quote) {
        if (sql[j + 1] === quote) j += 2
        else return j + 1
      } else {
        j++
      }
    }
    return n
  }
  while (i < n) {
    const c = sql[i] as string
    const next = sql[i + 1]
    if (c === "'") {
      // PostgreSQL: backslashes escape only in E'…' strings; MySQL: in every string (default sql_mode).
      const escaped =
        dialect === 'mysql' ||
        (dialect === 'postgres' && /[Ee]/.test(sql[i - 1] ?? '') && !IDENT_PART.test(sql[i - 2] ?? ''))
      i = skipQuoted(i, "'", escaped)
    } else if (c === '"') {
      i = skipQuoted(i, '"', dialect === 'mysql')
    } else if (c === '`' && dialect !== 'postgres') {
      i = skipQuoted(i, '`', false)
    } else if (c === '[' && dialect === 'sqlite') {
      // SQLite also quotes identifiers as [name].
      const end = sql.indexOf(']', i)
      i = end < 0 ? n : end + 1
    } else if (c === '-' && next === '-' && (dialect !== 'mysql' || /[\s]/.test(sql[i + 2] ?? ' '))) {
      // MySQL needs whitespace after `--` (https://dev.mysql.com/doc/refman/8.4/en/comments.html).
      const end = sql.indexOf('\n', i)
      i = end < 0 ? n : end + 1
    } else if (c === '#' && dialect === 'mysql') {
      const end = sql.indexOf('\n', i)
      i = end < 0 ? n : end + 1
    } else if (c === '/' && next === '*') {
      // PostgreSQL nests block comments; the others end at the first */.
      let depth = 1
      let j = i + 2
      while (j < n && depth > 0) {
        if (sql[j] === '*' && sql[j + 1] === '/') {
          depth--
          j += 2
        } else if (dialect === 'postgres' && sql[j] === '/' && sql[j + 1] === '*') {
          depth++
          j += 2
        } else {
          j++
        }
      }
      i = j
    } else if (c === '$' && dialect === 'postgres') {
      // $tag$…$tag$ (dollar quoting); $1 is a positional parameter, which Quarry's :name replaces.
      const tag = /^\$(?:[A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(i, i + 66))
      if (tag) {
        const end = sql.indexOf(tag[0], i + tag[0].length)
        i = end < 0 ? n : end + tag[0].length
      } else if (/[0-9]/.test(next ?? '')) {
        throw templateError(
          `Write parameters as :name, not $${next}…: Quarry numbers the placeholders itself.`,
        )
      } else {
        i++
      }
    } else if (c === '?' && dialect !== 'postgres') {
      throw templateError('Write parameters as :name, not "?": Quarry adds the placeholders itself.')
    } else if (c === ':' && next === ':') {
      i += 2 // a PostgreSQL cast (`x::int`): not a parameter
    } else if (c === ':' && next === '@' && IDENT_START.test(sql[i + 2] ?? '') && sql[i - 1] !== ':') {
      // A context parameter (domain/context-params.ts): `:@now`, `:@user.email`.
      const name = /^@[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*/.exec(sql.slice(i + 1))?.[0] ?? '@'
      sites.push(Object.freeze({ name, start: i, end: i + 1 + name.length }))
      i += 1 + name.length
    } else if (c === ':' && next !== undefined && IDENT_START.test(next) && sql[i - 1] !== ':') {
      let j = i + 2
      while (j < n && IDENT_PART.test(sql[j] as string)) j++
      sites.push(Object.freeze({ name: sql.slice(i + 1, j), start: i, end: j }))
      i = j
    } else {
      i++
    }
  }
  return sites
}

/**
 * Binds a query's parameters into its SQL for a dialect.
 *
 * @example
 * bindSql('postgres', 'SELECT * FROM t WHERE id = :id AND tag::text IN (:tags)', specs, values)
 * // { text: 'SELECT * FROM t WHERE id = $1 AND tag::text IN ($2, $3)', values: [7, 'a', 'b'] }
 */
export function bindSql(
  dialect: SqlDialect,
  sql: string,
  specs: readonly ParamSpec[],
  values: ReadonlyMap<string, ParamValue>,
): BoundSql {
  const types = new Map(specs.map((spec) => [spec.name, spec.type]))
  const out: string[] = []
  const bound: SqlValue[] = []
  const placeholder = (value: SqlValue): string => {
    bound.push(dialect === 'sqlite' && typeof value === 'boolean' ? (value ? 1 : 0) : value)
    return dialect === 'postgres' ? `$${bound.length}` : '?'
  }
  let copied = 0
  for (const { name, start, end } of scanSqlParams(dialect, sql)) {
    const type = types.get(name)
    const value = values.get(name)
    if (isContextName(name) && (type === undefined || value === undefined))
      throw templateError(unknownContextMessage(name, 'SQL'))
    if (type === undefined || value === undefined) {
      throw templateError(
        `The SQL uses :${name}, which the query does not declare: add --param ${name}:TYPE ` +
          `(or, if it is not a parameter, write it without the colon or inside a string).`,
      )
    }
    out.push(sql.slice(copied, start), expand(dialect, type, value, placeholder))
    copied = end
  }
  out.push(sql.slice(copied))
  return Object.freeze({ text: out.join(''), values: Object.freeze(bound) })
}

function expand(
  dialect: SqlDialect,
  type: ParamSpec['type'],
  value: ParamValue,
  placeholder: (value: SqlValue) => string,
): string {
  if (type === 'constant') return quoteIdentifier(dialect, String(value))
  if (Array.isArray(value)) {
    // An empty list would be `IN ()`, a syntax error everywhere: NULL matches nothing instead.
    return value.length === 0 ? 'NULL' : value.map((item: string) => placeholder(item)).join(', ')
  }
  return placeholder(value as SqlValue)
}

/**
 * Quotes an identifier (each part of a dotted `schema.table`) for a dialect.
 *
 * @example quoteIdentifier('postgres', 'public.my"table') // '"public"."my""table"'
 */
export function quoteIdentifier(dialect: SqlDialect, name: string): string {
  const quote = dialect === 'mysql' ? '`' : '"'
  return name
    .split('.')
    .map((part) => `${quote}${part.replaceAll(quote, quote + quote)}${quote}`)
    .join('.')
}

function templateError(message: string): QuarryError {
  return new QuarryError('QUARRY_TEMPLATE_INVALID', message)
}
