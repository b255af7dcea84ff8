import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ROUTES } from '../../src/server/app.js'
import { startTestServer, type TestServer } from '../helpers/server.js'

let server: TestServer
beforeAll(async () => {
  server = await startTestServer()
})
afterAll(() => server.close())

describe('/api/docs', () => {
  it('describes every route of the server in OpenAPI 3.1, bodies from their schemas', async () => {
    const document = (await server.as(undefined, { url: '/api/docs' })).json()
    expect(document.openapi).toBe('3.1.0')
    for (const route of ROUTES) {
      const path = route.url.replace(/:([A-Za-z_]+)/g, '{$1}')
      const operation = document.paths[path]?.[route.method.toLowerCase()]
      expect(operation, `${route.method} ${route.url}`).toBeDefined()
      expect(operation.summary).toBe(route.summary)
      if (route.body) expect(operation.requestBody.content['application/json'].schema).toBeTypeOf('object')
    }
    const datasource = document.paths['/api/datasources'].post.requestBody.content['application/json'].schema
    expect(JSON.stringify(datasource)).toContain('"postgres"')
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

describe('/healthz', () => {
  it('answers ok once the store answers', async () => {
    const response = await server.as(undefined, { url: '/healthz' })
    expect(response.statusCode).toBe(200)
    expect(response.json()).toEqual({ status: 'ok' })
  })
})
