import { describe, expect, it } from 'vitest'
import { SimFlagError, parseAutoConsent, parseSimFlags } from '../../src/sim/options.js'

describe('quarry sim flags', () => {
  it('default to a quiet simulator with no rate limit and no faults', () => {
    const options = parseSimFlags({})
    expect(options).toMatchObject({
      seed: 1,
      issues: 500,
      accessTtlSeconds: 3600,
      refreshGraceSeconds: 600,
      expiredStatus: 401,
    })
    expect(options.rateLimit).toBeUndefined()
    expect(options.faults).toEqual({
      latencyMs: 0,
      latencyJitterMs: 0,
      errorRate: 0,
      malformedRate: 0,
      slowBodyMs: 0,
    })
  })

  it('parse every flag', () => {
    const options = parseSimFlags({
      port: '9000',
      seed: '42',
      issues: '100000',
      now: '2026-11-28T12:00:00Z',
      accessTtl: '2',
      refreshGrace: '30',
      client: ['a:s:http://localhost:1/cb,https://example.com', 'b:t:https://example.org/cb'],
      expiredStatus: 'mixed',
      rate: '10/s',
      burst: '20',
      retryAfterZero: true,
      latency: '50±20',
      errorRate: '0.05',
      malformedRate: '0.01',
      slowBody: '5',
      tokenFaults: true,
    })
    expect(options).toMatchObject({
      port: 9000,
      seed: 42,
      issues: 100_000,
      now: Date.parse('2026-11-28T12:00:00Z'),
      accessTtlSeconds: 2,
      refreshGraceSeconds: 30,
      expiredStatus: 'mixed',
      rateLimit: { rate: 10, burst: 20, retryAfterZero: true },
      faults: { latencyMs: 50, latencyJitterMs: 20, errorRate: 0.05, malformedRate: 0.01, slowBodyMs: 5 },
      tokenFaults: true,
    })
    expect(options.clients.map((c) => [c.clientId, c.redirectUris])).toEqual([
      ['a', ['http://localhost:1/cb', 'https://example.com']],
      ['b', ['https://example.org/cb']],
    ])
  })

  it.each([
    [{ port: 'abc' }, '--port must be a whole number'],
    [{ port: '70000' }, '--port must be at most 65535'],
    [{ accessTtl: '0' }, '--access-ttl must be at least 1'],
    [{ errorRate: '1.5' }, '--error-rate must be a probability between 0 and 1'],
    [{ rate: 'fast' }, '--rate must be requests per second'],
    [{ burst: '5' }, '--burst needs --rate'],
    [{ latency: 'soon' }, '--latency "soon" must be MS or MS±JITTER'],
    [{ expiredStatus: '500' }, '--expired-status must be 401, 403, 404 or mixed'],
    [{ now: 'yesterday' }, '--now must be an ISO date'],
    [{ client: ['only-an-id'] }, '--client "only-an-id:…" must be ID:SECRET:REDIRECT_URI'],
    [{ client: ['a:s:not a url'] }, 'redirect URI "not a url" is not an absolute URL'],
  ])('refuse %o with a message naming the flag', (flags, message) => {
    expect(() => parseSimFlags(flags)).toThrow(SimFlagError)
    expect(() => parseSimFlags(flags)).toThrow(message)
  })

  it('never echo a client secret in an error', () => {
    expect(() => parseSimFlags({ client: ['app:top-secret:ftp://x'] })).toThrow(/^(?!.*top-secret)/)
  })

  it('read --auto-consent as a user and optional sites', () => {
    expect(parseAutoConsent('alice')).toEqual({ login: 'alice', sites: undefined })
    expect(parseAutoConsent('alice@*')).toEqual({ login: 'alice', sites: '*' })
    expect(parseAutoConsent('alice@globex,acme')).toEqual({ login: 'alice', sites: ['globex', 'acme'] })
  })
})
