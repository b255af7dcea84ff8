import { describe, expect, it } from 'vitest'
import { parseTrustProxy } from '../../src/cli/serve-run.js'

describe('quarry serve --trust-proxy', () => {
  it('takes a hop count', () => {
    expect(parseTrustProxy('2')).toBe(2)
  })

  it('takes comma-separated addresses and CIDRs, IPv4 and IPv6', () => {
    expect(parseTrustProxy('127.0.0.1, 10.0.0.0/8,::1,fd00::/8')).toEqual([
      '127.0.0.1',
      '10.0.0.0/8',
      '::1',
      'fd00::/8',
    ])
  })

  it.each(['localhost', '10.0.0.0/33', '10.0.0.1/8/8', '1.2.3', 'fd00::/129', '', '10.0.0.1,'])(
    'refuses %j, naming it',
    (value) => {
      expect(() => parseTrustProxy(value)).toThrow(
        /--trust-proxy takes a hop count or comma-separated IP addresses\/CIDRs/,
      )
    },
  )
})
