import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { DatasourceSchema, redactDatasource } from '../../src/domain/datasource.js'
import { SECRET_MASK } from '../../src/domain/secret-mask.js'
import { loadDatasource } from '../../src/engine/index.js'
import { saveDatasource } from '../../src/store/index.js'
import { startTestEngine, type TestEngine } from '../helpers/engine.js'

let engine: TestEngine
beforeEach(async () => {
  engine = await startTestEngine()
})
afterEach(async () => {
  await engine.close()
})

const api = DatasourceSchema.parse({
  name: 'api',
  type: 'rest',
  baseUrl: 'https://api.example',
  auth: { type: 'bearer', token: 'stored-token' },
  headers: [{ name: 'X-Tenant', value: 'tenant-secret', secret: true }],
})

describe('saveDatasource (the CLI and the API save through it)', () => {
  it('adds a datasource with its secrets encrypted apart from its config', async () => {
    await saveDatasource(engine.store, api)
    const stored = await engine.store.datasources.get('api')
    expect(JSON.stringify(stored?.config)).not.toContain('stored-token')
    expect(await loadDatasource(engine.store, 'api')).toEqual(api)
  })

  it('keeps a secret given back masked when editing, and takes a retyped one', async () => {
    await saveDatasource(engine.store, api)
    const shown = redactDatasource(api)
    expect(shown.type === 'rest' && shown.auth).toEqual({ type: 'bearer', token: SECRET_MASK })
    const edited = { ...shown, baseUrl: 'https://api2.example' }
    await saveDatasource(engine.store, edited, { name: 'api', stored: api })
    expect(await loadDatasource(engine.store, 'api')).toEqual({ ...api, baseUrl: 'https://api2.example' })

    const retyped = { ...edited, auth: { type: 'bearer' as const, token: 'new-token' } }
    await saveDatasource(engine.store, retyped, { name: 'api', stored: api })
    const loaded = await loadDatasource(engine.store, 'api')
    expect(loaded.type === 'rest' && loaded.auth).toEqual({ type: 'bearer', token: 'new-token' })
    expect(loaded.type === 'rest' && loaded.headers[0]?.value).toBe('tenant-secret')
  })

  it('renames when the edited datasource has a new name', async () => {
    await saveDatasource(engine.store, api)
    await saveDatasource(engine.store, { ...api, name: 'api2' }, { name: 'api', stored: api })
    expect(await engine.store.datasources.get('api')).toBeUndefined()
    expect(await loadDatasource(engine.store, 'api2')).toEqual({ ...api, name: 'api2' })
  })
})
