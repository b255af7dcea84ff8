import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ROUTES } from '../../src/server/app.js'
import { DatasourceListReply, NewApiTokenReply, RunResultReply } from '../../src/server/replies.js'
import { startTestServer, type TestServer } from '../helpers/server.js'

let server: TestServer
let dir: string
beforeAll(async () => {
  server = await startTestServer()
  dir = mkdtempSync(join(tmpdir(), 'quarry-docs-'))
  const file = join(dir, 'data.db')
  const sqlite = new DatabaseSync(file)
  sqlite.exec("create table t (id integer, name text); insert into t values (1, 'one')")
  sqlite.close()
  await server.engine.addDatasource({ name: 'lite', type: 'sqlite', path: file })
  await server.engine.addQuery({ name: 'names', datasource: 'lite', sql: 'select id, name from t' })
})
afterAll(async () => {
  await server.close()
  rmSync(dir, { recursive: true, force: true })
})

/** The document as JSON (read by key, as a client would). */
async function document() {
  return (await server.as(undefined, { url: '/api/docs' })).json()
}

describe('/api/docs', () => {
  it('describes every route of the server in OpenAPI 3.1, bodies from their schemas', async () => {
    const document = (await server.as(undefined, { url: '/api/docs' })).json()
    expect(document.openapi).toBe('3.1.0')
    for (const route of ROUTES) {
      const path = route.url.replace(/:([A-Za-z_]+)/g, '{$1}').replace(/\*$/, '{path}')
      const operation = document.paths[path]?.[route.method.toLowerCase()]
      expect(operation, `${route.method} ${route.url}`).toBeDefined()
      expect(operation.summary).toBe(route.summary)
      if (route.body) expect(operation.requestBody.content['application/json'].schema).toBeTypeOf('object')
    }
    const datasource = document.paths['/api/datasources'].post.requestBody.content['application/json'].schema
    expect(datasource).toEqual({ $ref: '#/components/schemas/CreateDatasourceRequest' })
    expect(JSON.stringify(document.components.schemas.CreateDatasourceRequest)).toContain('"postgres"')
  })

  it('names every operation once, and every JSON reply as a component with an example', async () => {
    const { paths, components } = await document()
    const ids = ROUTES.map((r) => r.operationId)
    expect(new Set(ids).size).toBe(ids.length)
    const run = paths['/api/queries/{name}/run']!.post
    expect(run.operationId).toBe('runQuery')
    expect(run.responses['200'].content['application/json'].schema).toEqual({
      $ref: '#/components/schemas/RunResult',
    })
    expect(run.responses['200'].content['application/json'].example.rows).toBeInstanceOf(Array)
    expect(run.responses['4XX']).toEqual({ $ref: '#/components/responses/Error' })
    expect(components.schemas.Error.properties.error.required).toEqual(['code', 'message'])
  })

  it('gives each reply an example its own schema accepts', () => {
    for (const { reply, method, url } of ROUTES) {
      if (reply.kind !== 'json') continue
      const check = reply.body.schema.safeParse(reply.body.example)
      expect(check.error, `${method} ${url}`).toBeUndefined()
    }
  })

  it('marks a request body required only where an empty one is refused: run, sample and connect take none', async () => {
    const { paths } = await document()
    expect(paths['/api/queries/{name}/run']!.post.requestBody.required).toBe(false)
    expect(paths['/api/queries/{name}/sample']!.post.requestBody.required).toBe(false)
    expect(paths['/api/datasources/{name}/connect']!.post.requestBody.required).toBe(false)
    expect(paths['/api/queries']!.post.requestBody.required).toBe(true)
  })

  it('declares the x-csrf-token header wherever a session changes something, and only there', async () => {
    const { paths, components } = await document()
    expect(components.securitySchemes.csrf).toMatchObject({
      type: 'apiKey',
      in: 'header',
      name: 'x-csrf-token',
    })
    expect(paths['/api/queries']!.post.security).toEqual([{ session: [], csrf: [] }, { token: [] }])
    expect(paths['/api/queries']!.get.security).toEqual([{ session: [] }, { token: [] }])
    expect(paths['/healthz']!.get.security).toEqual([{}])
  })

  it('holds no secret of the store', async () => {
    await server.engine.addDatasource({
      name: 'api',
      type: 'rest',
      baseUrl: 'https://api.example.com',
      auth: { type: 'bearer', token: 'tok-docs-0123456789' },
    })
    expect((await server.as(undefined, { url: '/api/docs' })).body).not.toContain('tok-docs-0123456789')
  })
})

describe('what the server answers is what the document says', () => {
  it('a run, the datasource list and a new token conform to their reply schemas', async () => {
    const admin = await server.signIn('root', 'admin')
    const run = await server.as(admin, { method: 'POST', url: '/api/queries/names/run' })
    expect(run.statusCode).toBe(200)
    expect(RunResultReply.schema.parse(run.json()).rows).toEqual([{ id: 1, name: 'one' }])
    // A connected Jira Cloud datasource: its preset and its connection name the site chosen.
    const site = { id: 'c0ffee', name: 'example', url: 'https://example.atlassian.net' }
    await server.engine.addDatasource({
      name: 'jira-docs',
      type: 'rest',
      baseUrl: 'https://api.atlassian.com/ex/jira/c0ffee/rest/api/3',
      preset: { name: 'jira-cloud', site },
      auth: {
        type: 'oauth2-authorization-code',
        authorizeUrl: 'https://auth.atlassian.com/authorize',
        tokenUrl: 'https://auth.atlassian.com/oauth/token',
        clientId: 'docs-client',
        clientSecret: 'docs-secret-0123456789',
        scopes: 'read:jira-work offline_access',
        redirectUri: 'http://127.0.0.1:3000/oauth/callback',
      },
    })
    await server.engine.store.connections.put('jira-docs', {
      tokens: { access_token: 'a', refresh_token: 'r' },
      accessExpiresAt: new Date(),
      status: 'connected',
      statusMessage: null,
      scope: 'read:jira-work offline_access',
      site,
      lastRefreshAt: new Date(),
      lastUsedAt: null,
    })
    const list = DatasourceListReply.schema.parse(
      (await server.as(admin, { url: '/api/datasources' })).json(),
    )
    expect(list.map((d) => d.name)).toContain('lite')
    const jira = list.find((d) => d.name === 'jira-docs')
    expect(jira?.preset?.site).toEqual(site)
    expect(jira?.connection?.site).toEqual(site)
    const token = await server.as(admin, { method: 'POST', url: '/api/tokens', payload: { name: 'docs' } })
    expect(token.statusCode).toBe(201)
    expect(NewApiTokenReply.schema.parse(token.json()).token).toMatch(/^qk_/)
  })
})

describe('/healthz', () => {
  it('answers ok once the store answers', async () => {
    const response = await server.as(undefined, { url: '/healthz' })
    expect(response.statusCode).toBe(200)
    expect(response.json()).toEqual({ status: 'ok' })
  })
})

describe('the admin UI, served from the route table', () => {
  it('answers its page for /admin and any path under it, with its CSP', async () => {
    for (const url of ['/admin', '/admin/', '/admin/datasources/jira']) {
      const response = await server.as(undefined, { url })
      expect(response.statusCode, url).toBe(200)
      expect(response.headers['content-type'], url).toContain('text/html')
      expect(response.headers['content-security-policy'], url).toContain("frame-ancestors 'none'")
    }
  })

  it('answers the files of its build, and nothing outside it', async () => {
    const page = (await server.as(undefined, { url: '/admin/' })).body
    const script = /src="\/admin\/(assets\/[^"]+\.js)"/.exec(page)?.[1]
    expect(script).toBeDefined()
    const response = await server.as(undefined, { url: `/admin/${script}` })
    expect(response.headers['content-type']).toContain('javascript')
    const outside = await server.as(undefined, { url: '/admin/..%2f..%2fpackage.json' })
    expect(outside.body).not.toContain('"devDependencies"')
  })
})
