import { describe, expect, it } from 'vitest'
import { parseParam, resolveParams, resolvePocketQueryAliases } from '../../src/domain/params.js'

describe('typed parameters', () => {
  it.each([
    ['integer', '42', 42],
    ['number', '-1.5', -1.5],
    ['boolean', 'yes', true],
    ['boolean', 'false', false],
    ['date', '2026-01-15', '2026-01-15'],
    ['date', '2026-01-15T10:30:00Z', '2026-01-15T10:30:00Z'],
    ['list', 'A, B,,C', ['A', 'B', 'C']],
    ['string', ' as is ', ' as is '],
  ] as const)('parse %s %j', (type, raw, expected) => {
    expect(parseParam({ name: 'p', type }, raw)).toEqual(expected)
  })

  it.each([
    ['integer', '4.2', 'Parameter "p" must be an integer, got "4.2".'],
    ['integer', '99999999999999999999', 'Parameter "p" must be an integer'],
    ['number', 'NaN', 'Parameter "p" must be a number, got "NaN".'],
    ['boolean', 'maybe', 'Parameter "p" must be true or false, got "maybe".'],
    ['date', '2026-13-45', 'Parameter "p" must be a date like 2026-01-15'],
  ] as const)('refuse a bad %s %j, naming parameter and type', (type, raw, message) => {
    expect(() => parseParam({ name: 'p', type }, raw)).toThrow(message)
  })

  it('allow a constant only from its list', () => {
    const spec = { name: 'table', type: 'constant' as const, values: ['issues', 'projects'] }
    expect(parseParam(spec, 'issues')).toBe('issues')
    expect(() => parseParam(spec, 'users; drop')).toThrow(
      'Parameter "table" must be one of "issues", "projects"',
    )
  })

  it('use defaults and require the rest', () => {
    const query = {
      name: 'q',
      params: [
        { name: 'a', type: 'integer' as const, default: '5' },
        { name: 'b', type: 'string' as const },
      ],
    }
    expect(() => resolveParams(query, {})).toThrow('Query "q" needs parameter "b" (string); pass --param b=…')
    expect(Object.fromEntries(resolveParams(query, { b: 'x' }))).toEqual({ a: 5, b: 'x' })
  })

  it('refuse an undeclared parameter, listing the declared ones', () => {
    expect(() => resolveParams({ name: 'q', params: [{ name: 'a', type: 'string' }] }, { z: '1' })).toThrow(
      'Query "q" has no parameter "z"; its parameters are a.',
    )
  })
})

describe("PocketQuery's pq_<name> URL parameters (issue 13)", () => {
  it('are read as <name>', () => {
    expect(resolvePocketQueryAliases({ pq_project: 'DEMO', max: '5' })).toEqual({ project: 'DEMO', max: '5' })
  })

  it('given with <name> too are refused, naming both', () => {
    expect(() => resolvePocketQueryAliases({ project: 'WEB', pq_project: 'DEMO' })).toThrow(
      'Parameter "project" is given twice, as "project" and as "pq_project"; keep one.',
    )
  })

  it('reach a parameter whose own name starts with pq_ as pq_pq_<name>', () => {
    expect(resolvePocketQueryAliases({ pq_pq_x: '1', pq_: '2' })).toEqual({ pq_x: '1', pq_: '2' })
  })
})
