import { describe, expect, it } from 'vitest'
import { isQuarryError } from '../../src/domain/errors.js'
import { bindBody, bindUrl } from '../../src/http/bind.js'

const values = (entries: Record<string, string | number | boolean | string[]>) =>
  new Map(Object.entries(entries))

describe('bindUrl', () => {
  it('joins the base path and the query path', () => {
    expect(bindUrl('https://api.example.com/ex/jira/abc/rest/api/3', '/myself', values({}))).toBe(
      'https://api.example.com/ex/jira/abc/rest/api/3/myself',
    )
  })

  it('encodes a path value as one segment', () => {
    expect(bindUrl('https://x.test/v1', '/items/:id', values({ id: 'a/b?c#d' }))).toBe(
      'https://x.test/v1/items/a%2Fb%3Fc%23d',
    )
  })

  it('encodes a query value so it cannot add parameters', () => {
    const url = new URL(bindUrl('https://x.test', '/s?jql=:jql&max=5', values({ jql: 'a & b=1&max=999' })))
    expect(url.searchParams.getAll('max')).toEqual(['5'])
    expect(url.searchParams.get('jql')).toBe('a & b=1&max=999')
  })

  it('cannot change the host, whatever the value', () => {
    for (const evil of ['//evil.test/x', '@evil.test', 'http://evil.test', '\\\\evil.test'])
      expect(new URL(bindUrl('https://x.test/base', '/:p', values({ p: evil }))).host).toBe('x.test')
  })

  it('refuses dot segments', () => {
    for (const dots of ['.', '..'])
      expect(() => bindUrl('https://x.test', '/a/:p/b', values({ p: dots }))).toThrow(/cannot be/)
  })

  it('climbs out of the base path with the template’s leading ../ segments', () => {
    const base = 'https://api.example.com/ex/jira/abc/rest/api/3'
    expect(bindUrl(base, '../../agile/1.0/board/:id/sprint', values({ id: 7 }))).toBe(
      'https://api.example.com/ex/jira/abc/rest/agile/1.0/board/7/sprint',
    )
  })

  it('keeps a climbed path under the climbed base, and a value cannot climb further', () => {
    const base = 'https://x.test/a/b/c'
    expect(() => bindUrl(base, '../x/../../../y', values({}))).toThrow(/leaves the datasource's base URL/)
    expect(() => bindUrl(base, '../:p/z', values({ p: '..' }))).toThrow(/cannot be/)
    expect(() => bindUrl(base, '/../../y', values({}))).toThrow(/leaves the datasource's base URL/)
  })

  it('refuses an empty path value, which would drop a segment', () => {
    expect(() => bindUrl('https://x.test', '/issue/:id/comments', values({ id: '' }))).toThrow(/cannot be ""/)
  })

  it('keeps an encoded-looking dot value literal', () => {
    expect(bindUrl('https://x.test', '/a/:p/b', values({ p: '%2e%2e' }))).toBe(
      'https://x.test/a/%252e%252e/b',
    )
  })

  it('joins list values with commas, each encoded', () => {
    expect(bindUrl('https://x.test', '/s?keys=:keys', values({ keys: ['A-1', 'B,2'] }))).toBe(
      'https://x.test/s?keys=A-1,B%2C2',
    )
  })

  it('refuses an undeclared placeholder, naming it', () => {
    try {
      bindUrl('https://x.test', '/s/:nope', values({}))
      expect.unreachable()
    } catch (error) {
      expect(isQuarryError(error, 'QUARRY_TEMPLATE_INVALID')).toBe(true)
      expect((error as Error).message).toContain(':nope')
    }
  })

  it('keeps query parameters of the base URL', () => {
    expect(bindUrl('https://x.test/api?version=2', '/items', values({}))).toBe(
      'https://x.test/api/items?version=2',
    )
  })
})

describe('bindBody', () => {
  it('escapes a value inside a JSON string', () => {
    const body = bindBody('{"jql":"summary ~ :text"}', values({ text: '"}, "admin": true, "x": "' }))
    expect(JSON.parse(body)).toEqual({ jql: 'summary ~ "}, "admin": true, "x": "' })
  })

  it('inserts a bare placeholder as a JSON value of its type', () => {
    const body = bindBody(
      '{"max": :max, "all": :all, "keys": :keys}',
      values({ max: 50, all: true, keys: ['A', 'B'] }),
    )
    expect(JSON.parse(body)).toEqual({ max: 50, all: true, keys: ['A', 'B'] })
  })

  it('leaves the key/value colon alone', () => {
    expect(JSON.parse(bindBody('{"a":"b","c"::n}', values({ n: 1 })))).toEqual({ a: 'b', c: 1 })
  })

  it('says when the bound body is not JSON', () => {
    expect(() => bindBody('{"a": :v', values({ v: 1 }))).toThrow(/not valid JSON/)
  })
})
