import { describe, expect, it } from 'vitest'
import { describeAddress } from '../../src/domain/database-url.js'

describe('describeAddress', () => {
  it('is the base URL of a REST API and the file of a SQLite database', () => {
    expect(describeAddress({ type: 'rest', baseUrl: 'https://api.example/v1' })).toBe(
      'https://api.example/v1',
    )
    expect(describeAddress({ type: 'sqlite', path: '/data/shop.db' })).toBe('/data/shop.db')
  })

  it("is a database server's URL without its password", () => {
    expect(describeAddress({ type: 'postgres', url: 'postgres://app:s3cret@db:5432/shop' })).toBe(
      'postgres://app:***@db:5432/shop',
    )
  })

  it('is where the server connects: the fields given beside a URL written over its parts, no password', () => {
    const datasource = {
      type: 'postgres',
      url: 'postgres://127.0.0.1:5432/test',
      user: 'reporter',
      database: 'reports',
      password: 'hunter2-secret',
    } as const
    expect(describeAddress(datasource)).toBe('postgres://reporter@127.0.0.1:5432/reports')
  })

  it('is made of host, port, database and user when there is no URL, IPv6 in brackets', () => {
    expect(describeAddress({ type: 'mysql', host: 'db', port: 3306, database: 'shop', user: 'app' })).toBe(
      'mysql://app@db:3306/shop',
    )
    expect(describeAddress({ type: 'postgres', host: '::1', database: 'my db' })).toBe(
      'postgres://[::1]/my%20db',
    )
    expect(describeAddress({ type: 'postgres' })).toBe('')
  })
})
