import { describe, expect, it } from 'vitest'
import { urlWithFields } from '../../src/domain/database-url.js'

describe('urlWithFields', () => {
  it('is undefined without a url', () => {
    expect(urlWithFields({ host: 'db', user: 'alice' })).toBeUndefined()
  })

  it('writes each given field over the url’s own part', () => {
    const url = urlWithFields({
      url: 'postgres://bob@old:1/olddb?sslmode=disable',
      host: 'db.internal',
      port: 5433,
      database: 'reports',
      user: 'alice',
      password: 'p@ss/word',
    })
    expect(url).toBe('postgres://alice:p%40ss%2Fword@db.internal:5433/reports?sslmode=disable')
  })

  it('keeps the url as written when no field is given beside it', () => {
    expect(urlWithFields({ url: 'mysql://root@127.0.0.1:3306/test' })).toBe(
      'mysql://root@127.0.0.1:3306/test',
    )
  })
})
