import { readFileSync } from 'node:fs'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { startTestServer, type TestServer } from '../helpers/server.js'

/** POST /api/import/pocketquery: the admin UI's way to `quarry import --from pocketquery`. */

const fixture = (file: string) =>
  readFileSync(new URL(`../fixtures/pocketquery/${file}`, import.meta.url), 'utf8')
let server: TestServer
beforeEach(async () => {
  server = await startTestServer()
})
afterEach(async () => {
  await server.close()
})

const names = async () => (await server.engine.store.datasources.list()).map((d) => d.name).sort()

describe('POST /api/import/pocketquery', () => {
  it('with dryRun answers the plan and the report, and stores nothing', async () => {
    const admin = await server.signIn('ada', 'admin')
    const response = await server.as(admin, {
      method: 'POST',
      url: '/api/import/pocketquery',
      payload: { text: fixture('server-export.xml'), dryRun: true },
    })
    expect(response.statusCode, response.body).toBe(200)
    const body = response.json()
    expect(body.imported).toBe(false)
    expect(body.report).toContain('Would import from a PocketQuery XML export')
    expect(body.entries).toContainEqual(expect.objectContaining({ action: 'skip', source: 'Oracle' }))
    expect(response.body).not.toContain('SECRET')
    expect(await names()).toEqual([])
  })

  it('imports an XML export: the supported datasources are stored, the others listed', async () => {
    const admin = await server.signIn('ada', 'admin')
    const response = await server.as(admin, {
      method: 'POST',
      url: '/api/import/pocketquery',
      payload: { text: fixture('server-export.xml') },
    })
    expect(response.statusCode, response.body).toBe(200)
    expect(response.json().imported).toBe(true)
    expect(response.body).not.toContain('SECRET')
    expect(await names()).toEqual(['Confluence-Basic', 'Jira-OAuth2', 'MySQL', 'Postgres', 'REST-Countries'])
  })

  it('refuses a file with a bad entry with a coded error and stores nothing', async () => {
    const admin = await server.signIn('ada', 'admin')
    const response = await server.as(admin, {
      method: 'POST',
      url: '/api/import/pocketquery',
      payload: { text: fixture('one-bad-entry.json') },
    })
    expect(response.statusCode).toBe(400)
    expect(response.json().error.code).toBe('QUARRY_CONFIG_INVALID')
    expect(response.json().error.message).toContain('a REST datasource needs its base URL')
    expect(await names()).toEqual([])
  })

  it('is for admins only', async () => {
    const editor = await server.signIn('ed', 'editor')
    const response = await server.as(editor, {
      method: 'POST',
      url: '/api/import/pocketquery',
      payload: { text: fixture('cloud-export.json') },
    })
    expect(response.statusCode).toBe(403)
    expect(await names()).toEqual([])
  })
})

describe('messages over HTTP name the API’s fields, not the CLI’s flags (issue 11)', () => {
  it('an import clash says to send "replace": true', async () => {
    const admin = await server.signIn('ada', 'admin')
    await server.engine.addDatasource({ name: 'api', type: 'rest', baseUrl: 'https://api.example.com' })
    const exported = (await server.as(admin, { url: '/api/export' })).json()
    const response = await server.as(admin, {
      method: 'POST',
      url: '/api/import',
      payload: { document: exported },
    })
    expect(response.statusCode).toBe(400)
    expect(response.json().error.message).toContain('use "replace": true to overwrite')
    expect(response.json().error.message).not.toContain('--replace')
  })

  it('a PocketQuery import that renames says "replace": true would overwrite instead', async () => {
    const admin = await server.signIn('ada', 'admin')
    const post = () =>
      server.as(admin, {
        method: 'POST',
        url: '/api/import/pocketquery',
        payload: { text: fixture('server-export.xml') },
      })
    await post()
    const again = await post()
    expect(again.statusCode, again.body).toBe(200)
    const { report } = again.json()
    expect(report).toContain('"replace": true overwrites it instead')
    expect(report).not.toContain('--replace')
  })
})
