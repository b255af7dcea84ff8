import { describe, expect, it } from 'vitest'
import { isQuarryError } from '../../src/domain/errors.js'
import { embedOrigin, embedOrigins, MAX_EMBED_ORIGINS } from '../../src/domain/embed-origins.js'

function refusal(text: string): string {
  try {
    embedOrigin(text)
  } catch (error) {
    expect(isQuarryError(error, 'QUARRY_CONFIG_INVALID')).toBe(true)
    return (error as Error).message
  }
  throw new Error(`"${text}" was accepted`)
}

describe('an embed origin', () => {
  it('is scheme, host and optional port, normalized', () => {
    expect(embedOrigin('https://wiki.example.com')).toBe('https://wiki.example.com')
    expect(embedOrigin(' HTTPS://Wiki.Example.COM/ ')).toBe('https://wiki.example.com')
    expect(embedOrigin('http://127.0.0.1:8081')).toBe('http://127.0.0.1:8081')
    expect(embedOrigin('https://example.com:443')).toBe('https://example.com')
  })

  it('may be a wildcard subdomain of a domain', () => {
    expect(embedOrigin('https://*.example.com')).toBe('https://*.example.com')
  })

  it.each([
    ['*', /not an origin/],
    ['https:', /not an origin/],
    ["'self'", /not an origin/],
    ["'none'", /not an origin/],
    ['javascript:alert(1)', /only http and https/],
    ['data:text/html,x', /only http and https/],
    ['ftp://example.com', /only http and https/],
    ['https://example.com/wiki', /no path/],
    ['https://example.com?x=1', /no path, query/],
    ['https://user:pw@example.com', /no user name/],
    ['https://*', /wildcard may only be the first label/],
    ['https://*.com', /registrable domain/],
    ['https://a.*.example.com', /wildcard may only be the first label/],
    ['https://exa mple.com', /not an origin/],
    ['https://example.com; script-src *', /not an origin|no path/],
    ['https://example.com:99999', /port is out of range/],
    ['https://-bad.example.com', /not a host name/],
    ['http://[::1]:8080', /not a host name/],
  ])('refuses %s, saying why', (text, why) => {
    expect(refusal(text)).toMatch(why)
  })
})

describe('a list of embed origins', () => {
  it('drops duplicates and empty lines', () => {
    expect(embedOrigins(['https://a.example.com', '', 'https://A.example.com/'])).toEqual([
      'https://a.example.com',
    ])
  })

  it(`has at most ${MAX_EMBED_ORIGINS} origins`, () => {
    const many = Array.from({ length: MAX_EMBED_ORIGINS + 1 }, (_, i) => `https://s${i}.example.com`)
    expect(() => embedOrigins(many)).toThrow(/At most 50 embed origins/)
  })
})
