import { describe, expect, it } from 'vitest'
import { usedParamNames, withDetectedParams } from '../../src/engine/detect-params.js'
import { resolveParams } from '../../src/domain/params.js'
import { QuerySchema } from '../../src/domain/query.js'
import { bindBody, bindUrl } from '../../src/http/bind.js'
import { bindSql, type SqlDialect } from '../../src/sql/bind-sql.js'

/**
 * A query's `:name` parameters are found when it is saved, as PocketQuery finds them (issue 13):
 * exactly what the binders bind at run time, nothing they leave alone.
 */

const sql = (dialect: SqlDialect, statement: string) => usedParamNames({ sql: statement }, dialect)
const rest = (path: string, body?: string) =>
  usedParamNames({ path, ...(body === undefined ? {} : { body }) }, 'rest')

describe('parameters found in SQL', () => {
  it.each([
    ['postgres', 'SELECT * FROM issues WHERE id = :id AND project IN (:projects)', ['id', 'projects']],
    ['postgres', 'SELECT created::date, :a::int FROM t', ['a']],
    ['postgres', "SELECT * FROM t WHERE at = '12:30' AND label = ':not'", []],
    ['postgres', "SELECT E'it\\'s :not', :yes", ['yes']],
    ['postgres', 'SELECT $$ :inside $$, $fn$ :also $fn$, :outside', ['outside']],
    ['postgres', 'SELECT 1 -- :commented\n, /* :block /* nested */ :still */ :after', ['after']],
    ['postgres', 'SELECT "col:name", :x FROM t', ['x']],
    ['postgres', "SELECT 'https://example.com/:path', :x, :x", ['x']],
    ['mysql', 'SET @n := 1; SELECT :a, `odd:col`, "str :b" # :c\n', ['a']],
    ['mysql', "SELECT 'it\\'s :not', :yes", ['yes']],
    ['sqlite', 'SELECT [odd:col], :a FROM t', ['a']],
  ] as const)('%s: %s', (dialect, statement, expected) => {
    expect(sql(dialect, statement)).toEqual(expected)
  })

  it('finds none when the datasource (and so the dialect) is unknown', () => {
    expect(usedParamNames({ sql: 'SELECT :a' }, undefined)).toEqual([])
  })

  it('leaves a statement with "?" placeholders to the binder, which names the fix when it runs', () => {
    expect(sql('mysql', 'SELECT * FROM t WHERE id = ? AND x = :x')).toEqual([])
    expect(() => bindSql('mysql', 'SELECT ? ', [], new Map())).toThrow('Write parameters as :name')
  })
})

describe('parameters found in a REST path, query string and body', () => {
  it.each([
    ['/issue/:key/comments?expand=:expand', undefined, ['key', 'expand']],
    ['/search/jql?jql=project%20%3D%20:project&fields=key', undefined, ['project']],
    ['/worklog?since=12:30&from=:from', undefined, ['from']],
    ['/proxy?target=https://example.com/x', undefined, []],
    ['/search', '{"jql": "project = :project", "maxResults": :max}', ['project', 'max']],
    ['/search', '{"url": "https://example.com:8443/a", "at": "12:30"}', []],
    ['/search', '{"fields":["key"],"expand":"names"}', []],
    ['/items/:id', '{"note": ":id again", "n": :n}', ['id', 'n']],
  ] as const)('%s %s', (path, body, expected) => {
    expect(rest(path, body)).toEqual(expected)
  })
})

describe('saving a query', () => {
  it('declares the parameters it uses but does not declare, as strings, after the declared ones', () => {
    const query = QuerySchema.parse({
      name: 'q',
      datasource: 'db',
      sql: 'SELECT * FROM t WHERE a = :a AND b = :b AND c IN (:c)',
      params: [{ name: 'b', type: 'integer', default: '1' }],
    })
    expect(withDetectedParams(query, 'postgres').params).toEqual([
      { name: 'b', type: 'integer', default: '1' },
      { name: 'a', type: 'string' },
      { name: 'c', type: 'string' },
    ])
  })

  it('keeps a declared parameter the statement does not use', () => {
    const query = QuerySchema.parse({
      name: 'q',
      datasource: 'api',
      path: '/x',
      params: [{ name: 'unused' }],
    })
    expect(withDetectedParams(query, 'rest')).toBe(query)
  })

  it('makes a query that names :params without declaring them runnable by the binders', () => {
    const saved = withDetectedParams(
      QuerySchema.parse({
        name: 'q',
        datasource: 'api',
        method: 'POST',
        path: '/project/:project/search?at=:at',
        body: '{"jql": "assignee = :who", "max": :max}',
      }),
      'rest',
    )
    const values = resolveParams(saved, { project: 'DEMO', at: '12:30', who: 'ann', max: '5' })
    expect(bindUrl('https://api.example.com', saved.path ?? '', values)).toBe(
      'https://api.example.com/project/DEMO/search?at=12%3A30',
    )
    expect(JSON.parse(bindBody(saved.body ?? '', values))).toEqual({ jql: 'assignee = ann', max: '5' })
  })
})

describe("PocketQuery's parameter types", () => {
  it.each([
    ['String', 'string'],
    ['Integer', 'integer'],
    ['ListOfStrings', 'list'],
    ['ListOfIntegers', 'list'],
    ['Date', 'date'],
    ['listofintegers', 'list'],
    ['integer', 'integer'],
  ] as const)('%s is taken as %s', (written, type) => {
    const query = QuerySchema.parse({
      name: 'q',
      datasource: 'db',
      sql: 'SELECT :p',
      params: [{ name: 'p', type: written }],
    })
    expect(query.params[0]?.type).toBe(type)
  })

  it('Constant is taken as constant, with its allowed values', () => {
    const query = QuerySchema.parse({
      name: 'q',
      datasource: 'db',
      sql: 'SELECT * FROM :table',
      params: [{ name: 'table', type: 'Constant', values: ['issues'] }],
    })
    expect(query.params[0]).toEqual({ name: 'table', type: 'constant', values: ['issues'] })
  })

  it('an unknown type is refused, naming the types', () => {
    const result = QuerySchema.safeParse({
      name: 'q',
      datasource: 'db',
      sql: 'SELECT :p',
      params: [{ name: 'p', type: 'Float' }],
    })
    expect(result.success).toBe(false)
    expect(JSON.stringify(result.error?.issues)).toContain('string')
  })
})
