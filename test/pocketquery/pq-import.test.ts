import { readFileSync } from 'node:fs'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { isQuarryError } from '../../src/domain/errors.js'
import { DatasourceSchema, joinSecrets, type Datasource } from '../../src/domain/datasource.js'
import { QuerySchema, queryInputOf } from '../../src/domain/query.js'
import { loadQuery, runQuery, templateFromContent } from '../../src/engine/index.js'
import { applyPqImport, formatPqPlan, planPqImport } from '../../src/pocketquery/pq-import.js'
import { startApiServer, type ApiServer } from '../helpers/api-server.js'
import { startTestEngine, type TestEngine } from '../helpers/engine.js'
import { createTestSchema } from '../helpers/postgres.js'

/**
 * `quarry import --from pocketquery`: every documented datasource kind, every refusal, the dry-run
 * report, and all-or-nothing — over a real store, with fixtures from PocketQuery's documented shapes
 * (test/fixtures/pocketquery/README.md names the page of each).
 */

const fixture = (file: string) =>
  readFileSync(new URL(`../fixtures/pocketquery/${file}`, import.meta.url), 'utf8')
const CLOUD = fixture('cloud-export.json')
const SERVER = fixture('server-export.xml')
/** No Atlassian override from the environment: the preset's public hosts. */
const ENV = {}

let engine: TestEngine
beforeEach(async () => {
  engine = await startTestEngine()
})
afterEach(async () => {
  await engine.close()
})

async function importText(text: string, replace = false) {
  const plan = await planPqImport(engine.store, text, { where: 'the fixture', replace, env: ENV })
  await applyPqImport(engine.store, plan)
  return plan
}

/** A stored datasource with its secrets joined back, and the secrets on their own. */
async function stored(
  name: string,
): Promise<{ datasource: Datasource; secrets: Record<string, string>; config: unknown }> {
  const row = await engine.store.datasources.get(name)
  if (!row) throw new Error(`no datasource ${name}`)
  return {
    datasource: DatasourceSchema.parse(joinSecrets(row.config as Datasource, row.secrets)),
    secrets: { ...row.secrets },
    config: row.config,
  }
}

async function snapshot() {
  return {
    datasources: (await engine.store.datasources.list()).map((d) => [d.name, d.config, d.secrets]),
    queries: (await engine.store.queries.list()).map((q) => [q.name, q.definition, q.converterName]),
    converters: (await engine.store.converters.list()).map((c) => [c.name, c.content]),
    templates: (await engine.store.templates.list()).map((t) => [t.name, t.content]),
    connections: (await engine.store.connections.list()).map((c) => [c.datasource, c.tokens]),
  }
}

describe('datasources of every documented kind', () => {
  it('REST custom: its headers are kept encrypted and its request parameters go into the base URL', async () => {
    await importText(CLOUD)
    const { datasource, config } = await stored('REST-Countries')
    expect(datasource).toMatchObject({
      type: 'rest',
      baseUrl: 'https://countries.example.com/rest/v2?Parameter+A=AAA&Parameter+B=BBB',
      testPath: '/all',
      auth: { type: 'none' },
      headers: [
        { name: 'Header-1', value: '111', secret: true },
        { name: 'Header-2', value: '222', secret: true },
      ],
    })
    expect(JSON.stringify(config)).not.toContain('111')
  })

  it('REST custom headers and parameters reach every request', async () => {
    const api: ApiServer = await startApiServer()
    try {
      const text = JSON.stringify({
        datasources: [
          {
            localId: 'a',
            name: 'echo',
            type: 'REST_CUSTOM',
            url: `${api.url}`,
            requestParameters: { p1: 'one', p2: 'two' },
            requestHeaders: { 'X-Token': 'tok-SECRET' },
          },
        ],
        queries: [
          {
            name: 'echo',
            datasource: 'a',
            statement: '/echo?q=:q',
            parameters: [{ name: 'q', default: 'x' }],
          },
        ],
      })
      await importText(text)
      await runQuery(engine, { query: 'echo' })
      const request = api.requests.at(-1)
      expect(request?.url).toMatch(/^\/echo\?/)
      const query = new URL(request?.url as string, 'http://local').searchParams
      expect([query.get('q'), query.get('p1'), query.get('p2')]).toEqual(['x', 'one', 'two'])
      expect(request?.headers['x-token']).toBe('tok-SECRET')
    } finally {
      await api.close()
    }
  })

  it('REST custom with one request parameter: an API key in the query string, stored encrypted', async () => {
    await importText(CLOUD)
    const { datasource, secrets } = await stored('Weather')
    expect(datasource).toMatchObject({
      baseUrl: 'https://weather.example.com/api',
      auth: { type: 'api-key', in: 'query', name: 'appid', value: 'WEATHER-KEY-SECRET' },
    })
    expect(Object.values(secrets)).toContain('WEATHER-KEY-SECRET')
  })

  it('REST basic: username in clear, password encrypted', async () => {
    await importText(CLOUD)
    const { datasource, config } = await stored('Intranet-API')
    expect(datasource).toMatchObject({
      auth: { type: 'basic', username: 'pq-reader', password: 'BASIC-PASSWORD-SECRET' },
    })
    expect(JSON.stringify(config)).not.toContain('SECRET')
  })

  it('REST OAuth2: an authorization-code datasource with its token URL and a connection from the exported tokens', async () => {
    await importText(CLOUD)
    const { datasource, config } = await stored('Slack')
    expect(datasource).toMatchObject({
      auth: {
        type: 'oauth2-authorization-code',
        tokenUrl: 'https://slack.example.com/api/oauth.v2.access',
        clientId: 'slack-client',
        clientSecret: 'SLACK-CLIENT-SECRET',
      },
    })
    expect(JSON.stringify(config)).not.toContain('SECRET')
    const connection = await engine.store.connections.get('Slack')
    expect(connection).toMatchObject({
      status: 'connected',
      tokens: { access_token: 'SLACK-ACCESS-SECRET', refresh_token: 'SLACK-REFRESH-SECRET' },
      accessExpiresAt: null,
    })
  })

  it('an OAuth2 base URL on api.atlassian.com/ex/jira/<id> becomes the Jira Cloud preset with that site, /search becoming /myself', async () => {
    const plan = await importText(SERVER)
    const { datasource } = await stored('Jira-OAuth2')
    expect(datasource).toMatchObject({
      baseUrl: 'https://api.atlassian.com/ex/jira/xml-cloud-id/rest/api/3',
      testPath: '/myself',
      auth: {
        type: 'oauth2-authorization-code',
        tokenUrl: 'https://auth.atlassian.com/oauth/token',
        audience: 'api.atlassian.com',
      },
      preset: { name: 'jira-cloud', apiUrl: 'https://api.atlassian.com', apiVersion: 3 },
    })
    const entry = plan.entries.find((e) => e.name === 'Jira-OAuth2')
    expect(entry?.notices.join('\n')).toContain('CHANGE-2046')
    expect(entry?.detail).toContain('site xml-cloud-id')
  })

  it('JDBC PostgreSQL, MySQL 5 and 8 and MariaDB become SQL datasources from their JDBC URLs', async () => {
    await importText(CLOUD)
    expect((await stored('Reporting-DB')).datasource).toMatchObject({
      type: 'postgres',
      host: '127.0.0.1',
      port: 5432,
      database: 'test',
      user: 'postgres',
      readOnly: true,
    })
    expect((await stored('Shop-5')).datasource).toMatchObject({
      type: 'mysql',
      host: '100.1.2.3',
      port: 3306,
      database: 'database',
      user: 'shop',
      password: 'MYSQL5-PASSWORD-SECRET',
    })
    expect((await stored('Shop-8')).datasource).toMatchObject({
      type: 'mysql',
      host: '100.1.2.3',
      database: 'database',
    })
    expect((await stored('Warehouse')).datasource).toMatchObject({
      type: 'mysql',
      host: '100.1.2.3',
      user: 'wh',
    })
    expect(JSON.stringify((await stored('Shop-5')).config)).not.toContain('SECRET')
  })

  it('an imported PostgreSQL datasource runs its query', async () => {
    await importText(CLOUD)
    await engine.addQuery({ name: 'one', datasource: 'Reporting-DB', sql: 'SELECT 1 AS one' })
    const result = await runQuery(engine, { query: 'one' })
    expect(JSON.parse(result.rowsJson)).toEqual([{ one: 1 }])
  })

  it('the XML export: the documented example with URL-encoded headers and k=v;k2=v2 parameters, basic, PostgreSQL and MySQL', async () => {
    await importText(SERVER)
    expect((await stored('REST-Countries')).datasource).toMatchObject({
      baseUrl: 'https://restcountries.example.com/rest/v2?param1=123&anotherParam=abc',
      headers: [
        { name: 'Authentication', value: 'Bearer XML-BEARER-SECRET', secret: true },
        { name: 'Content-Type', value: 'text/plain', secret: true },
      ],
    })
    expect((await stored('Confluence-Basic')).datasource).toMatchObject({
      testPath: '/space',
      auth: { type: 'basic', username: 'reader' },
    })
    expect((await stored('Postgres')).datasource).toMatchObject({
      type: 'postgres',
      host: '100.1.2.3',
      database: 'database',
      user: 'pq',
    })
    expect((await stored('MySQL')).datasource).toMatchObject({
      type: 'mysql',
      host: '100.1.2.3',
      database: 'database',
    })
  })
})

describe('kinds Quarry does not support are listed, not imported', () => {
  for (const [name, reason] of [
    ['SQL Server', /Microsoft SQL Server is not supported/],
    ['Oracle', /Oracle is not supported/],
    ['DB2', /IBM DB2 is not supported/],
    ['JNDI Pool', /JNDI datasource .* is not supported/],
    ['Jira Server AppLink', /Application Link \/ OAuth 1\.0a/],
  ] as const) {
    it(`${name}: skipped with the reason`, async () => {
      const plan = await importText(SERVER)
      const entry = plan.entries.find((e) => e.source === name)
      expect(entry).toMatchObject({ action: 'skip', kind: 'datasource' })
      expect(entry?.detail).toMatch(reason)
      expect(await engine.store.datasources.get(name.replace(/ /g, '-'))).toBeUndefined()
    })
  }

  it('JDBC_MSSQL in a JSON export: skipped, and so is the query on it', async () => {
    const plan = await importText(CLOUD)
    expect(plan.entries.find((e) => e.source === 'Finance')).toMatchObject({ action: 'skip' })
    expect(plan.entries.find((e) => e.source === 'finance totals')).toMatchObject({ action: 'skip' })
    expect(await engine.store.queries.get('finance-totals')).toBeUndefined()
  })
})

describe('queries, converters and templates', () => {
  it('a REST query keeps its path, typed parameters, cache duration and uses its converter by name', async () => {
    await importText(CLOUD)
    const stored = await engine.store.queries.get('Countries-by-region')
    const query = QuerySchema.parse(queryInputOf(stored!))
    expect(query).toMatchObject({
      path: '/region/:region?fields=name;capital',
      cacheTtlSeconds: 12 * 3600,
      params: [{ name: 'region', type: 'string', default: 'europe' }],
      converterName: 'countries-converter',
    })
    expect(query.converter).toBeUndefined()
    const converter = await engine.store.converters.get('countries-converter')
    expect(converter?.content).toContain('result.push({ Name: parsed[i].name')
    expect(converter?.usedBy).toEqual(['Countries-by-region'])
  })

  it('a Velocity template becomes a named template, stored as written, with a notice of how views render it', async () => {
    const plan = await importText(CLOUD)
    expect((await engine.store.queries.get('Countries-by-region'))?.templateName).toBe('countries-table')
    expect(templateFromContent((await engine.store.templates.get('countries-table'))!.content, 'x')).toEqual({
      type: 'velocity',
      source: expect.stringContaining('#foreach($row in $PQ.toList($result))'),
    })
    expect(plan.entries.find((e) => e.name === 'Countries-by-region')?.notices.join('\n')).toMatch(
      /Velocity: views render it in the converter sandbox/,
    )
  })

  it('two queries referring to one converter share one named converter: editing it changes both (issue 13)', async () => {
    const file = JSON.parse(CLOUD) as { queries: Record<string, unknown>[] }
    const first = file.queries[0]!
    file.queries.push({ ...first, localId: 'q-copy', name: 'Countries again' })
    const plan = await importText(JSON.stringify(file))
    expect(
      plan.entries.find((e) => e.kind === 'converter' && e.source === 'countries-converter'),
    ).toMatchObject({
      action: 'create',
      name: 'countries-converter',
      detail: 'a named converter, used by "Countries-by-region", "Countries-again"',
    })
    expect((await engine.store.converters.get('countries-converter'))?.usedBy).toEqual([
      'Countries-again',
      'Countries-by-region',
    ])
    await engine.store.converters.update('countries-converter', {
      content: 'function convert() { return [{ edited: 1 }] }',
    })
    for (const name of ['Countries-by-region', 'Countries-again']) {
      const { query } = await loadQuery(engine.store, name)
      expect(query.converter).toBe('function convert() { return [{ edited: 1 }] }')
    }
  })

  it("PocketQuery's parameter types map to Quarry's on a SQL query", async () => {
    await importText(CLOUD)
    const definition = (await engine.store.queries.get('authors'))?.definition as {
      params: unknown
      sql: string
    }
    expect(definition.sql).toContain('IN (:names)')
    expect(definition.params).toEqual([
      expect.objectContaining({ name: 'min_author_id', type: 'integer', default: '0' }),
      expect.objectContaining({ name: 'names', type: 'list' }),
    ])
  })

  it('a converter no query uses is imported as a named converter, said to be unused', async () => {
    const plan = await importText(CLOUD)
    expect(plan.entries.find((e) => e.source === 'unused-converter')).toMatchObject({
      action: 'create',
      kind: 'converter',
      detail: 'a named converter; no query in the file uses it yet',
    })
    expect((await engine.store.converters.get('unused-converter'))?.usedBy).toEqual([])
  })

  it('unknown fields are reported, never silently taken', async () => {
    const text = JSON.stringify({
      localId: 'u',
      name: 'odd',
      type: 'REST_CUSTOM',
      url: 'https://x.example.com',
      bearerToken: 'zzz',
    })
    const plan = await planPqImport(engine.store, text, { where: 'x', replace: false, env: ENV })
    expect(plan.entries[0]?.notices).toContain(
      '"bearerToken" is not a documented PocketQuery datasource field: not imported.',
    )
  })
})

describe('the dry-run report', () => {
  it('says what would be created, renamed and skipped and why, and changes nothing', async () => {
    const before = await snapshot()
    const plan = await planPqImport(engine.store, CLOUD, { where: 'x', replace: false, env: ENV })
    const report = formatPqPlan(plan, true)
    expect(report).toContain('create datasource "REST Countries" as "REST-Countries"')
    expect(report).toContain('renamed: Quarry names are 1–64 letters')
    expect(report).toMatch(/skip datasource "Finance": Microsoft SQL Server is not supported/)
    expect(report).toContain('nothing was changed (--dry-run)')
    expect(await snapshot()).toEqual(before)
  })

  it('never prints a secret', async () => {
    for (const text of [CLOUD, SERVER]) {
      const report = formatPqPlan(
        await planPqImport(engine.store, text, { where: 'x', replace: false, env: ENV }),
        true,
      )
      expect(report).not.toContain('SECRET')
    }
  })

  it('renames around names the store has, or replaces them with --replace', async () => {
    await engine.addDatasource({ name: 'Weather', type: 'rest', baseUrl: 'https://old.example.com' })
    const renamed = await planPqImport(engine.store, CLOUD, { where: 'x', replace: false, env: ENV })
    expect(renamed.entries.find((e) => e.source === 'Weather')).toMatchObject({
      action: 'create',
      name: 'Weather-2',
      renamed: expect.stringContaining('exists already'),
    })
    const replacing = await planPqImport(engine.store, CLOUD, { where: 'x', replace: true, env: ENV })
    expect(replacing.entries.find((e) => e.source === 'Weather')).toMatchObject({
      action: 'replace',
      name: 'Weather',
    })
  })
})

describe('nothing is half-imported', () => {
  it('a file with one bad entry leaves the store unchanged and names the entry', async () => {
    const before = await snapshot()
    const error = await planPqImport(engine.store, fixture('one-bad-entry.json'), {
      where: 'the file',
      replace: false,
      env: ENV,
    }).catch((e: unknown) => e)
    expect(isQuarryError(error, 'QUARRY_CONFIG_INVALID')).toBe(true)
    expect((error as Error).message).toContain('a REST datasource needs its base URL')
    expect(await snapshot()).toEqual(before)
  })

  it('a write that fails halfway takes back every write before it', async () => {
    const plan = await planPqImport(engine.store, CLOUD, { where: 'x', replace: false, env: ENV })
    await engine.addDatasource({ name: 'elsewhere', type: 'rest', baseUrl: 'https://e.example.com' })
    // Someone takes a query's name between the plan and the writes: the query's create fails.
    await engine.addQuery({ name: 'authors', datasource: 'elsewhere', path: '/x' })
    const before = await snapshot()
    await expect(applyPqImport(engine.store, plan)).rejects.toThrow(/authors/)
    expect(await snapshot()).toEqual(before)
  })

  it('an error about a bad URL does not show the credentials in it', async () => {
    const text = JSON.stringify({
      localId: 'j',
      name: 'db',
      type: 'JDBC_MYSQL_8',
      url: 'jdbc:mysql://reader:pw-SECRET@db.example.com?password=SECRET2',
    })
    const error = await planPqImport(engine.store, text, { where: 'x', replace: false, env: ENV }).catch(
      (e: unknown) => e,
    )
    expect(isQuarryError(error, 'QUARRY_CONFIG_INVALID')).toBe(true)
    expect((error as Error).message).toContain('a JDBC URL with user:password in it')
    expect((error as Error).message).not.toContain('SECRET')
  })

  it('an entry of a list that is no PocketQuery entity is refused, not guessed', async () => {
    const text = JSON.stringify([
      { localId: 'a', name: 'api', type: 'REST_CUSTOM', url: 'https://x.example.com' },
      { colour: 'blue' },
    ])
    const error = await planPqImport(engine.store, text, {
      where: '"pq.json"',
      replace: false,
      env: ENV,
    }).catch((e: unknown) => e)
    expect(isQuarryError(error, 'QUARRY_CONFIG_INVALID')).toBe(true)
    expect((error as Error).message).toContain(
      'entry #2 is neither a datasource, a query, a converter nor a template',
    )
    expect(await engine.store.datasources.list()).toEqual([])
  })

  it('a file that is neither JSON nor XML is refused with a coded error', async () => {
    const error = await planPqImport(engine.store, 'name: x', {
      where: '"pq.yaml"',
      replace: false,
      env: ENV,
    }).catch((e: unknown) => e)
    expect(isQuarryError(error, 'QUARRY_CONFIG_INVALID')).toBe(true)
    expect((error as Error).message).toContain('"pq.yaml" is neither JSON nor XML')
  })
})

describe('a write failing halfway, with --replace, on both stores', () => {
  for (const dialect of ['sqlite', 'postgres'] as const) {
    it(`restores what it replaced and removes what it created (${dialect})`, async () => {
      const schema = dialect === 'postgres' ? await createTestSchema() : undefined
      const own = await startTestEngine({}, schema ? { databaseUrl: schema.url } : {})
      try {
        await own.addDatasource({
          name: 'Weather',
          type: 'rest',
          baseUrl: 'https://old.example.com',
          auth: { type: 'bearer', token: 'old-token' },
        })
        await own.store.connections.put('Weather', {
          tokens: { access_token: 'old-access' },
          accessExpiresAt: null,
          status: 'connected',
          statusMessage: null,
          scope: null,
          site: null,
          lastRefreshAt: null,
          lastUsedAt: null,
        })
        const plan = await planPqImport(own.store, CLOUD, { where: 'x', replace: true, env: ENV })
        // Between the plan and the writes, the datasource a query needs disappears: its create fails.
        const failing = {
          ...plan,
          queries: plan.queries.map((q) =>
            q.query.name === 'authors' ? { ...q, query: { ...q.query, datasource: 'gone' } } : q,
          ),
        }
        const dump = async () => ({
          datasources: (await own.store.datasources.list()).map((d) => [d.name, d.config, d.secrets]),
          queries: (await own.store.queries.list()).map((q) => q.name),
          connections: (await own.store.connections.list()).map((c) => [c.datasource, c.tokens]),
        })
        const before = await dump()
        await expect(applyPqImport(own.store, failing)).rejects.toThrow()
        expect(await dump()).toEqual(before)
      } finally {
        await own.close()
        await schema?.drop()
      }
    })
  }
})
