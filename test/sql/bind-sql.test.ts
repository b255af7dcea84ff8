import { describe, expect, it } from 'vitest'
import { isQuarryError } from '../../src/domain/errors.js'
import { resolveParams } from '../../src/domain/params.js'
import type { ParamSpec } from '../../src/domain/query.js'
import { bindSql, type SqlDialect } from '../../src/sql/bind-sql.js'
import {
  exactDecimal,
  exactInteger,
  isoTimestamp,
  jsonValue,
  shortFloat32,
} from '../../src/sql/json-types.js'

function bind(
  dialect: SqlDialect,
  sql: string,
  params: ParamSpec[] = [],
  given: Record<string, string> = {},
) {
  return bindSql(dialect, sql, params, resolveParams({ name: 'q', params }, given))
}

function refusal(fn: () => unknown): string {
  try {
    fn()
  } catch (error) {
    if (isQuarryError(error)) return `${error.code}: ${error.message}`
    throw error
  }
  throw new Error('expected a refusal')
}

describe('binding :name parameters into SQL', () => {
  const id: ParamSpec = { name: 'id', type: 'integer' }

  it('numbers PostgreSQL placeholders and uses ? for MySQL and SQLite, values apart from the text', () => {
    const params: ParamSpec[] = [id, { name: 'name', type: 'string' }]
    const given = { id: '7', name: "O'Hara" }
    const sql = 'SELECT * FROM t WHERE id = :id AND name = :name OR parent = :id'
    expect(bind('postgres', sql, params, given)).toEqual({
      text: 'SELECT * FROM t WHERE id = $1 AND name = $2 OR parent = $3',
      values: [7, "O'Hara", 7],
    })
    expect(bind('mysql', sql, params, given).text).toBe(
      'SELECT * FROM t WHERE id = ? AND name = ? OR parent = ?',
    )
    expect(bind('sqlite', sql, params, given).values).toEqual([7, "O'Hara", 7])
  })

  it('leaves casts, string literals, quoted identifiers and comments alone', () => {
    const sql = [
      "SELECT ':id' AS lit, E'\\':id' AS esc, \"col:id\", id::int8, $$ :id $$, $fn$ :id $fn$",
      'FROM t -- :nope',
      'WHERE id = :id /* :nope /* nested :nope */ :nope */',
    ].join('\n')
    const bound = bind('postgres', sql, [id], { id: '1' })
    expect(bound.values).toEqual([1])
    expect(bound.text).toBe(sql.replace('id = :id', 'id = $1'))
  })

  it('knows MySQL’s backslash escapes, backticks, # comments and that -- needs a space', () => {
    const sql = 'SELECT \'it\\\'s :id\', `a:id`, "b\\":id" FROM t # :nope\nWHERE id = :id -- :nope'
    const bound = bind('mysql', sql, [id], { id: '2' })
    expect(bound.values).toEqual([2])
    expect(bound.text).toContain('WHERE id = ? -- :nope')
  })

  it('expands a list into one placeholder per item, and an empty list into NULL', () => {
    const tags: ParamSpec = { name: 'tags', type: 'list' }
    expect(bind('postgres', 'SELECT 1 WHERE tag IN (:tags)', [tags], { tags: 'a, b,c' })).toEqual({
      text: 'SELECT 1 WHERE tag IN ($1, $2, $3)',
      values: ['a', 'b', 'c'],
    })
    expect(bind('mysql', 'SELECT 1 WHERE tag IN (:tags)', [tags], { tags: '' }).text).toBe(
      'SELECT 1 WHERE tag IN (NULL)',
    )
  })

  it('puts a constant in as a quoted identifier, only from the admin’s list', () => {
    const table: ParamSpec = { name: 'table', type: 'constant', values: ['issues', 'odd"name', 'public.t'] }
    expect(bind('postgres', 'SELECT * FROM :table', [table], { table: 'odd"name' }).text).toBe(
      'SELECT * FROM "odd""name"',
    )
    expect(bind('postgres', 'SELECT * FROM :table', [table], { table: 'public.t' }).text).toBe(
      'SELECT * FROM "public"."t"',
    )
    expect(bind('mysql', 'SELECT * FROM :table', [table], { table: 'issues' }).text).toBe(
      'SELECT * FROM `issues`',
    )
    expect(
      refusal(() => bind('postgres', 'SELECT * FROM :table', [table], { table: 'users; DROP TABLE x' })),
    ).toMatch(/^QUARRY_PARAM_TYPE: Parameter "table" must be one of "issues", "odd\\"name", "public.t"/)
  })

  it('binds booleans as 1/0 for SQLite, which has no boolean type', () => {
    const flag: ParamSpec = { name: 'flag', type: 'boolean' }
    expect(bind('sqlite', 'SELECT :flag', [flag], { flag: 'yes' }).values).toEqual([1])
    expect(bind('postgres', 'SELECT :flag', [flag], { flag: 'yes' }).values).toEqual([true])
  })

  it('refuses an undeclared :name, and positional placeholders written by hand', () => {
    expect(refusal(() => bind('postgres', 'SELECT :x'))).toMatch(
      /^QUARRY_TEMPLATE_INVALID: The SQL uses :x, which the query does not declare: add --param x:TYPE/,
    )
    expect(refusal(() => bind('postgres', 'SELECT $1'))).toMatch(/not \$1/)
    expect(refusal(() => bind('mysql', 'SELECT ?'))).toMatch(/not "\?"/)
    // …but PostgreSQL's jsonb ? operator is fine.
    expect(bind('postgres', "SELECT '{}'::jsonb ? 'a'").text).toBe("SELECT '{}'::jsonb ? 'a'")
  })
})

describe('database values as JSON', () => {
  it('keeps integers exact: numbers when safe, digits as text beyond 2^53', () => {
    expect(exactInteger('9007199254740991')).toBe(9007199254740991)
    expect(exactInteger('9007199254740993')).toBe('9007199254740993')
    expect(exactInteger(-9223372036854775808n)).toBe('-9223372036854775808')
  })

  it('keeps decimals exact: numbers up to 15 significant digits, text beyond', () => {
    expect(exactDecimal('12.50')).toBe(12.5)
    expect(exactDecimal('0.000001')).toBe(0.000001)
    expect(exactDecimal('123456789012345.6')).toBe('123456789012345.6')
    expect(exactDecimal('NaN')).toBe('NaN')
    expect(exactDecimal('0.02000000000000000000')).toBe(0.02) // numeric division's scale, zeros aside
    expect(exactDecimal('1000000000000000000')).toBe(1e18)
    expect(exactDecimal('-1234567890123456')).toBe('-1234567890123456')
  })

  it('writes a 4-byte float as the shortest number that is the same float (issue 12)', () => {
    expect(shortFloat32(Math.fround(3.14))).toBe(3.14)
    expect(shortFloat32(Math.fround(-1.5e-7))).toBe(-1.5e-7)
    expect(shortFloat32(Math.fround(16777217))).toBe(16777216)
    expect(shortFloat32(Math.fround(0.1))).toBe(0.1)
    expect(shortFloat32(Number.NaN)).toBe('NaN')
  })

  it('keeps a decimal that JavaScript would write with an exponent as its text (issue 12)', () => {
    expect(exactDecimal('-0.0000000001')).toBe('-0.0000000001')
    expect(exactDecimal('0.000000000000001')).toBe('0.000000000000001')
    expect(exactDecimal('-0.00000010000000000000')).toBe('-0.00000010000000000000')
    expect(exactDecimal('0.0000000000')).toBe(0)
  })

  it('writes timestamps as ISO 8601: zoned ones in UTC with every fractional digit, local ones without a zone', () => {
    expect(isoTimestamp('2026-01-15 12:30:00.123456+02')).toBe('2026-01-15T10:30:00.123456Z')
    expect(isoTimestamp('2026-01-15 10:30:00+00')).toBe('2026-01-15T10:30:00Z')
    expect(isoTimestamp('2026-01-15 01:00:00-05:30')).toBe('2026-01-15T06:30:00Z')
    expect(isoTimestamp('2026-01-15 10:30:00')).toBe('2026-01-15T10:30:00')
    expect(isoTimestamp('infinity')).toBe('infinity')
  })

  it('writes bytes as base64 and non-finite floats by name', () => {
    expect(jsonValue(new Uint8Array([0, 255]))).toBe('AP8=')
    expect(jsonValue(Number.POSITIVE_INFINITY)).toBe('Infinity')
    expect(jsonValue(5n)).toBe(5)
  })
})
