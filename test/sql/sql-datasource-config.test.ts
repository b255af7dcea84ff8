import { describe, expect, it } from 'vitest'
import { datasourceFromFlags } from '../../src/cli/datasource-input.js'
import { queryFromFlags } from '../../src/cli/query-input.js'
import {
  DatasourceSchema,
  joinSecrets,
  redactDatasource,
  splitSecrets,
  type Datasource,
} from '../../src/domain/datasource.js'
import { isQuarryError } from '../../src/domain/errors.js'
import { QuerySchema } from '../../src/domain/query.js'

function refusal(fn: () => unknown): string {
  try {
    fn()
  } catch (error) {
    if (isQuarryError(error)) return error.message
    throw error
  }
  throw new Error('expected a refusal')
}

describe('SQL datasource definitions', () => {
  it('moves a password written into --url out of it, into the encrypted field', () => {
    const datasource = datasourceFromFlags('shop', {
      type: 'postgres',
      url: 'postgres://app:s3cr%40t@db.example.com:5433/shop?application_name=x',
    })
    expect(datasource).toMatchObject({
      type: 'postgres',
      url: 'postgres://app@db.example.com:5433/shop?application_name=x',
      password: 's3cr@t',
      readOnly: true,
      statementTimeoutMs: 30_000,
      maxRows: 1_000_000,
      poolSize: 4,
      tls: { mode: 'disable' },
    })
    const { config, secrets } = splitSecrets(datasource)
    expect(secrets).toEqual({ password: 's3cr@t' })
    expect(JSON.stringify(config)).not.toContain('s3cr@t')
    expect(joinSecrets(config, secrets)).toEqual(datasource)
    expect(redactDatasource(datasource)).toMatchObject({ password: '••••••' })
  })

  it('refuses a stored URL that still has a password in it', () => {
    const parsed = DatasourceSchema.safeParse({
      name: 'x',
      type: 'mysql',
      url: 'mysql://root:pw@127.0.0.1/test',
    })
    expect(parsed.success).toBe(false)
  })

  it('builds MySQL from host flags and edits only what is given', () => {
    const base = datasourceFromFlags('maria', {
      type: 'mysql',
      host: 'db',
      port: '3307',
      user: 'report',
      database: 'sales',
      password: 'pw-1',
      tls: 'require',
    })
    const edited = datasourceFromFlags('maria', { timeout: '5s', maxRows: '500', readWrite: true }, base)
    expect(edited).toMatchObject({
      type: 'mysql',
      host: 'db',
      port: 3307,
      user: 'report',
      database: 'sales',
      password: 'pw-1',
      tls: { mode: 'require' },
      statementTimeoutMs: 5000,
      maxRows: 500,
      readOnly: false,
    })
  })

  it('says what is missing or does not fit', () => {
    expect(refusal(() => datasourceFromFlags('lite', { type: 'sqlite' }))).toBe(
      'A sqlite datasource needs --path FILE.',
    )
    expect(refusal(() => datasourceFromFlags('x', { type: 'oracle' }))).toBe(
      '--type must be one of rest, postgres, mysql, sqlite; got "oracle"',
    )
    expect(refusal(() => datasourceFromFlags('api', { url: 'https://api.example.com', host: 'db' }))).toBe(
      '--host is for SQL datasources: add --type postgres|mysql|sqlite.',
    )
    const rest = datasourceFromFlags('api', { url: 'https://api.example.com' })
    expect(refusal(() => datasourceFromFlags('api', { type: 'postgres' }, rest))).toBe(
      'Datasource "api" is a rest datasource; its type cannot change. Add a new one instead.',
    )
    expect(
      refusal(() => datasourceFromFlags('pg', { type: 'postgres', host: 'db', tls: 'maybe' })),
    ).toContain('--tls: choose one of disable, require, verify')
  })

  it('keeps REST datasources as they were', () => {
    const rest: Datasource = datasourceFromFlags('api', {
      url: 'https://api.example.com',
      auth: 'bearer',
      token: 'tok-123456',
    })
    expect(rest).toMatchObject({ type: 'rest', baseUrl: 'https://api.example.com', auth: { type: 'bearer' } })
    expect(splitSecrets(rest).secrets).toEqual({ 'auth.token': 'tok-123456' })
  })

  it('keep on edit every field no flag sets, such as the converter limits', () => {
    const rest = { ...datasourceFromFlags('api', { url: 'https://api.example.com' }), converterMaxRows: 500 }
    const edited = datasourceFromFlags('api', { timeout: '31s' }, rest)
    expect(edited).toMatchObject({ timeoutMs: 31_000, converterMaxRows: 500 })
  })
})

describe('SQL queries', () => {
  it('have sql instead of a path; giving one on edit drops the other', () => {
    const sql = queryFromFlags('q', { datasource: 'pg', sql: 'SELECT :id', param: ['id:integer'] })
    expect(sql).toMatchObject({ sql: 'SELECT :id', params: [{ name: 'id', type: 'integer' }] })
    expect(sql.path).toBeUndefined()
    const rest = queryFromFlags('q', { path: '/items' }, sql)
    expect(rest.path).toBe('/items')
    expect(rest.sql).toBeUndefined()
  })

  it('are refused in the words of the flags that were typed', () => {
    const message = refusal(() => queryFromFlags('q', { datasource: 'api', path: '/x', method: 'fetch' }))
    expect(message).toMatch(/^Invalid query "q": --method: /)
    expect(refusal(() => queryFromFlags('q', { path: '/x' }))).toMatch(/--datasource: /)
  })

  it('refuse both or neither', () => {
    expect(QuerySchema.safeParse({ name: 'q', datasource: 'd', path: '/x', sql: 'SELECT 1' }).success).toBe(
      false,
    )
    expect(QuerySchema.safeParse({ name: 'q', datasource: 'd' }).success).toBe(false)
  })
})

describe('a password in a database URL’s query string', () => {
  it('is refused like one before the host, so it never lands in clear text', () => {
    const result = DatasourceSchema.safeParse({
      name: 'db',
      type: 'postgres',
      url: 'postgres://u@db.example.com/app?password=s3cr3t',
    })
    expect(result.success).toBe(false)
    expect(JSON.stringify(result.error?.issues)).toContain(
      'without the password — in it or in its query string',
    )
  })
})
