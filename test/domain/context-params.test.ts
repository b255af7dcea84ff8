import { describe, expect, it } from 'vitest'
import {
  CONTEXT_PARAMS,
  contextNamesIn,
  contextValues,
  refuseContextValues,
  zonedTime,
} from '../../src/domain/context-params.js'
import { QuarryError } from '../../src/domain/errors.js'
import { resolveParams } from '../../src/domain/params.js'
import { usedParamNames, withDetectedParams } from '../../src/engine/detect-params.js'
import { bindBody, bindHeaderValue, bindUrl } from '../../src/http/bind.js'
import { bindSql } from '../../src/sql/bind-sql.js'
import { QuerySchema } from '../../src/domain/query.js'

/** Issue 15, done-when 5: context parameters, filled by Quarry and bound like any other. */

const ADA = { name: 'ada', email: 'ada@example.com', groups: ['ops', "o'brien"] }
const LATE = new Date('2026-12-03T23:30:00Z')

const codeOf = (run: () => unknown): string | undefined => {
  try {
    run()
  } catch (error) {
    return error instanceof QuarryError ? error.code : 'not a QuarryError'
  }
  return undefined
}

describe('the clock in the query’s time zone', () => {
  it('reads :@now with the zone’s offset, and :@today as that zone’s date', () => {
    const values = contextValues(['@now', '@today'], {
      viewer: undefined,
      now: LATE,
      timeZone: 'Europe/Berlin',
    })
    expect(values.get('@now')).toBe('2026-12-04T00:30:00+01:00')
    expect(values.get('@today')).toBe('2026-12-04')
  })

  it('is UTC with offset +00:00 by default, and follows daylight saving', () => {
    expect(zonedTime(LATE, 'UTC')).toBe('2026-12-03T23:30:00+00:00')
    expect(zonedTime(new Date('2026-07-01T12:00:00Z'), 'America/New_York')).toBe('2026-07-01T08:00:00-04:00')
    expect(zonedTime(new Date('2026-12-01T12:00:00Z'), 'America/New_York')).toBe('2026-12-01T07:00:00-05:00')
  })

  it('needs no signed-in user', () => {
    expect(contextValues(['@today'], { viewer: undefined, now: LATE, timeZone: 'UTC' }).get('@today')).toBe(
      '2026-12-03',
    )
  })
})

describe('the signed-in user', () => {
  it('fills :@user.name, :@user.email and :@user.groups (a list)', () => {
    const values = contextValues(['@user.name', '@user.email', '@user.groups'], {
      viewer: ADA,
      now: LATE,
      timeZone: 'UTC',
    })
    expect(Object.fromEntries(values)).toEqual({
      '@user.name': 'ada',
      '@user.email': 'ada@example.com',
      '@user.groups': ['ops', "o'brien"],
    })
  })

  it('is QUARRY_CONTEXT_MISSING where there is none (CLI, schedules, public views)', () => {
    expect(
      codeOf(() => contextValues(['@user.name'], { viewer: undefined, now: LATE, timeZone: 'UTC' })),
    ).toBe('QUARRY_CONTEXT_MISSING')
  })

  it('is QUARRY_CONTEXT_MISSING for :@user.email of a user without one, naming the fix', () => {
    const run = () =>
      contextValues(['@user.email'], { viewer: { ...ADA, email: null }, now: LATE, timeZone: 'UTC' })
    expect(codeOf(run)).toBe('QUARRY_CONTEXT_MISSING')
    expect(run).toThrow(/user "ada" has no email address/)
  })

  it('names the context parameters that exist when a query uses one that does not', () => {
    const run = () => contextValues(['@user.phone'], { viewer: ADA, now: LATE, timeZone: 'UTC' })
    expect(codeOf(run)).toBe('QUARRY_TEMPLATE_INVALID')
    expect(run).toThrow(/:@user\.name, :@user\.email, :@user\.groups, :@now, :@today/)
  })
})

describe('nobody else can set them', () => {
  it('refuses a value for a context parameter with QUARRY_PARAM_CONTEXT', () => {
    expect(codeOf(() => refuseContextValues({ '@user.name': 'ada' }))).toBe('QUARRY_PARAM_CONTEXT')
    const query = QuerySchema.parse({ name: 'q', datasource: 'd', path: '/x/:@user.name' })
    expect(codeOf(() => resolveParams(query, { '@now': '2000-01-01' }))).toBe('QUARRY_PARAM_CONTEXT')
  })

  it('are never declared when a query is saved, but are detected as used', () => {
    const query = QuerySchema.parse({
      name: 'q',
      datasource: 'd',
      path: '/people/:@user.name?since=:@today&max=:max',
    })
    expect(usedParamNames(query, 'rest')).toEqual(['@user.name', '@today', 'max'])
    expect(withDetectedParams(query, 'rest').params).toEqual([{ name: 'max', type: 'string' }])
    const sql = QuerySchema.parse({
      name: 'q',
      datasource: 'd',
      sql: "SELECT * FROM t WHERE owner = :@user.email AND note <> ':@now' AND grp IN (:@user.groups)",
    })
    expect(usedParamNames(sql, 'postgres')).toEqual(['@user.email', '@user.groups'])
    expect(withDetectedParams(sql, 'postgres').params).toEqual([])
    expect(CONTEXT_PARAMS.map((param) => param.name)).toEqual([
      '@user.name',
      '@user.email',
      '@user.groups',
      '@now',
      '@today',
    ])
  })

  it('the admin UI’s hint finds them in a statement’s text', () => {
    expect(contextNamesIn('/search/jql?jql=assignee = ":@user.email" AND created >= :@today')).toEqual([
      '@user.email',
      '@today',
    ])
  })
})

describe('binding', () => {
  const values = new Map<string, string | readonly string[]>([
    ['@user.name', "o'hara/../x?y=1"],
    ['@user.groups', ['ops', 'a&b']],
    ['@today', '2026-12-04'],
  ])

  it('encodes them in a REST path and query string as any value', () => {
    expect(
      bindUrl('https://api.example.com/v1', '/people/:@user.name?g=:@user.groups&d=:@today', values),
    ).toBe("https://api.example.com/v1/people/o'hara%2F..%2Fx%3Fy%3D1?g=ops,a%26b&d=2026-12-04")
  })

  it('escapes them into a JSON body', () => {
    expect(JSON.parse(bindBody('{"who": ":@user.name", "groups": :@user.groups}', values))).toEqual({
      who: "o'hara/../x?y=1",
      groups: ['ops', 'a&b'],
    })
  })

  it('fills a datasource header, and refuses a value that would break the header line', () => {
    expect(bindHeaderValue('X-User', 'user :@user.name', values)).toBe("user o'hara/../x?y=1")
    expect(bindHeaderValue('X-Plain', 'a :b', values)).toBe('a :b')
    const broken = new Map([['@user.name', 'a\r\nX-Admin: 1']])
    expect(codeOf(() => bindHeaderValue('X-User', ':@user.name', broken))).toBe('QUARRY_PARAM_TYPE')
  })

  it('binds them in SQL as placeholders, a list as several, never as text', () => {
    const specs = CONTEXT_PARAMS.map(({ name, type }) => ({ name, type }))
    expect(
      bindSql(
        'postgres',
        'SELECT 1 WHERE a = :@user.name AND g IN (:@user.groups) AND d = :@today',
        specs,
        values,
      ),
    ).toEqual({
      text: 'SELECT 1 WHERE a = $1 AND g IN ($2, $3) AND d = $4',
      values: ["o'hara/../x?y=1", 'ops', 'a&b', '2026-12-04'],
    })
    expect(bindSql('mysql', 'SELECT :@user.name, @v := 1', specs, values).text).toBe('SELECT ?, @v := 1')
  })
})
