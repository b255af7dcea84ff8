import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startApiServer, type ApiServer } from '../helpers/api-server.js'
import { TEST_SECRET_KEY } from '../helpers/engine.js'

const bin = new URL('../../bin/quarry.js', import.meta.url).pathname
let api: ApiServer
let dir: string
let db: string

/** Runs the built CLI as a user would, with its own store and key. */
function quarry(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return quarryWith({}, '--db', db, ...args)
}

function quarryWith(
  extraEnv: Record<string, string>,
  ...args: string[]
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], {
      env: {
        ...process.env,
        QUARRY_SECRET_KEY: TEST_SECRET_KEY,
        QUARRY_DATABASE_URL: '',
        XDG_DATA_HOME: dir,
        ...extraEnv,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk) => (stdout += chunk))
    child.stderr.on('data', (chunk) => (stderr += chunk))
    child.on('exit', (code) => resolve({ code, stdout, stderr }))
  })
}

beforeAll(async () => {
  api = await startApiServer()
  dir = mkdtempSync(join(tmpdir(), 'quarry-cli-'))
  db = join(dir, 'quarry.db')
  const added = await quarry(
    'datasource',
    'add',
    'api',
    '--url',
    api.url,
    '--auth',
    'bearer',
    '--token',
    'tok-CLI-SECRET',
    '--test-path',
    '/echo',
  )
  expect(added.code, added.stderr).toBe(0)
})
afterAll(async () => {
  await api.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('quarry datasource', () => {
  it('lists datasources', async () => {
    const { stdout, code } = await quarry('datasource', 'list')
    expect(code).toBe(0)
    expect(stdout).toContain(`api  ·  bearer  ·  ${api.url}`)
  })

  it('shows a datasource with its secrets masked', async () => {
    const { stdout } = await quarry('datasource', 'show', 'api')
    expect(stdout).toContain('"token": "••••••"')
    expect(stdout).not.toContain('tok-CLI-SECRET')
  })

  it('shows secrets only when asked', async () => {
    expect((await quarry('datasource', 'show', 'api', '--show-secrets')).stdout).toContain('tok-CLI-SECRET')
  })

  it('tests a working datasource in one line', async () => {
    const { stdout, code } = await quarry('datasource', 'test', 'api')
    expect(code).toBe(0)
    expect(stdout).toMatch(/^ok: api works \(GET \/echo answered in \d+ ms\)\n$/)
  })

  it('tests a broken datasource in one line that says why', async () => {
    await quarry('datasource', 'add', 'broken', '--url', api.url, '--test-path', '/html')
    const { stdout, code } = await quarry('datasource', 'test', 'broken')
    expect(code).toBe(1)
    expect(stdout.trim().split('\n')).toHaveLength(1)
    expect(stdout).toContain('failed: broken does not work:')
    expect(stdout).toContain('text/html')
  })

  it('refuses an invalid base URL, naming the field', async () => {
    const { stderr, code } = await quarry('datasource', 'add', 'bad', '--url', 'not-a-url')
    expect(code).toBe(2)
    expect(stderr).toContain('Invalid datasource "bad": --url: must be an absolute http(s) URL')
  })

  it('refuses an unknown auth type', async () => {
    const { stderr, code } = await quarry('datasource', 'add', 'bad', '--url', api.url, '--auth', 'magic')
    expect(code).toBe(2)
    expect(stderr).toContain('--auth must be one of none, basic, api-key, bearer')
  })

  it('refuses a duplicate name', async () => {
    const { stderr, code } = await quarry('datasource', 'add', 'api', '--url', api.url)
    expect(code).toBe(2)
    expect(stderr).toContain('api')
  })

  it('never writes a secret into the store file in clear', () => {
    expect(readFileSync(db).includes('tok-CLI-SECRET')).toBe(false)
  })
})

describe('quarry query and run', () => {
  beforeAll(async () => {
    const converter = join(dir, 'names.js')
    writeFileSync(
      converter,
      'function convert(json) { return JSON.parse(json).values.map(v => ({ ID: v.id, Name: v.name })) }',
    )
    const added = await quarry(
      'query',
      'add',
      'items',
      '--datasource',
      'api',
      '--path',
      '/offset',
      '--pagination',
      'offset',
      '--page-size',
      '25',
      '--items-path',
      'values',
      '--converter',
      converter,
    )
    expect(added.code, added.stderr).toBe(0)
    await quarry(
      'query',
      'add',
      'echo',
      '--datasource',
      'api',
      '--path',
      '/echo?q=:q',
      '--param',
      'q:integer=1',
    )
  })

  it('prints rows as CSV', async () => {
    const { stdout, code } = await quarry('run', 'items', '--format', 'csv')
    expect(code).toBe(0)
    const lines = stdout.split('\r\n')
    expect(lines[0]).toBe('ID,Name')
    expect(lines[1]).toBe('1,item 1')
    expect(lines.filter(Boolean)).toHaveLength(104)
  })

  it('prints a table that fits the terminal', async () => {
    const { stdout, code } = await quarry('run', 'items')
    expect(code).toBe(0)
    expect(stdout).toContain('item 103')
  })

  it('exits 2 and names the parameter on a bad value', async () => {
    const { stderr, code } = await quarry('run', 'echo', '--param', 'q=abc')
    expect(code).toBe(2)
    expect(stderr).toContain('Parameter "q" must be an integer, got "abc".')
  })

  it('exits 2 on an unknown parameter', async () => {
    const { stderr, code } = await quarry('run', 'echo', '--param', 'zzz=1')
    expect(code).toBe(2)
    expect(stderr).toContain('has no parameter "zzz"')
  })

  it('exits 1 when the query fails upstream', async () => {
    await quarry('query', 'add', 'html', '--datasource', 'api', '--path', '/html')
    const { stderr, code } = await quarry('run', 'html')
    expect(code).toBe(1)
    expect(stderr).toContain('not JSON')
  })

  it('exits 2 on an unknown format', async () => {
    const { stderr, code } = await quarry('run', 'items', '--format', 'parquet')
    expect(code).toBe(2)
    expect(stderr).toContain('--format must be one of table, json, csv, xlsx, ndjson, html')
  })

  it('exits 2 on an unknown query', async () => {
    const { stderr, code } = await quarry('run', 'nope')
    expect(code).toBe(2)
    expect(stderr).toContain('No query named "nope"')
  })
})

describe('quarry export and import', () => {
  it('exports without secrets unless asked', async () => {
    const { stdout, code } = await quarry('export')
    expect(code).toBe(0)
    const document = JSON.parse(stdout) as {
      datasources: { name: string }[]
      queries: { name: string }[]
      secrets: unknown
    }
    expect(document.datasources.map((d) => d.name)).toContain('api')
    expect(document.queries.map((q) => q.name)).toContain('items')
    expect(document.secrets).toBeNull()
    expect(stdout).not.toContain('tok-CLI-SECRET')
  })

  it('round-trips everything, secrets included, into another store with a passphrase', async () => {
    const file = join(dir, 'export.json')
    const exported = await quarryWith(
      { QUARRY_EXPORT_PASSPHRASE: 'correct horse' },
      '--db',
      db,
      'export',
      '--include-secrets',
      '--output',
      file,
    )
    expect(exported.code, exported.stderr).toBe(0)
    expect(readFileSync(file, 'utf8')).not.toContain('tok-CLI-SECRET')
    const other = join(dir, 'other.db')
    const imported = await quarryWith(
      { QUARRY_EXPORT_PASSPHRASE: 'correct horse' },
      '--db',
      other,
      'import',
      file,
    )
    expect(imported.code, imported.stderr).toBe(0)
    const shown = await quarryWith({}, '--db', other, 'datasource', 'show', 'api', '--show-secrets')
    expect(shown.stdout, shown.stderr).toContain('tok-CLI-SECRET')
    const run = await quarryWith({}, '--db', other, 'run', 'items', '--format', 'csv')
    expect(run.stdout.split('\r\n')[1]).toBe('1,item 1')
  })

  it('refuses a wrong passphrase and changes nothing', async () => {
    const file = join(dir, 'export2.json')
    await quarryWith(
      { QUARRY_EXPORT_PASSPHRASE: 'correct horse' },
      '--db',
      db,
      'export',
      '--include-secrets',
      '--output',
      file,
    )
    const other = join(dir, 'third.db')
    const imported = await quarryWith(
      { QUARRY_EXPORT_PASSPHRASE: 'wrong horse' },
      '--db',
      other,
      'import',
      file,
    )
    expect(imported.code).toBe(2)
    expect(imported.stderr).toContain('passphrase does not open the secrets')
    expect((await quarryWith({}, '--db', other, 'datasource', 'list')).stdout).toContain('No datasources yet')
  })

  it('validates everything before it changes anything', async () => {
    const file = join(dir, 'bad.json')
    const document = JSON.parse((await quarry('export')).stdout) as { queries: Record<string, unknown>[] }
    document.queries.push({ name: 'orphan', datasource: 'nowhere', path: '/x' })
    document.queries.push({ name: 'broken', datasource: 'api', path: '/x', method: 'FETCH' })
    writeFileSync(file, JSON.stringify(document))
    const other = join(dir, 'fourth.db')
    const imported = await quarryWith({}, '--db', other, 'import', file)
    expect(imported.code).toBe(2)
    expect(imported.stderr).toContain('Nothing was imported')
    expect(imported.stderr).toContain('Query "orphan" uses datasource "nowhere"')
    expect(imported.stderr).toContain('query "broken"')
    expect((await quarryWith({}, '--db', other, 'query', 'list')).stdout).toContain('No queries yet')
  })

  it('refuses to overwrite without --replace', async () => {
    const file = join(dir, 'same.json')
    writeFileSync(file, (await quarry('export')).stdout)
    const again = await quarry('import', file)
    expect(again.code).toBe(2)
    expect(again.stderr).toContain('use --replace to overwrite')
  })
})
