import { spawn } from 'node:child_process'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ERROR_CODES, type ErrorCode } from '../../src/domain/errors.js'
import { startApiServer, type ApiServer } from '../helpers/api-server.js'
import { TEST_SECRET_KEY } from '../helpers/engine.js'
import { createTestSchema, type TestSchema } from '../helpers/postgres.js'
import { startTestServer, type Browser, type TestServer } from '../helpers/server.js'

/**
 * Issue 12: no stack trace reaches a user from any command or route. Each failure a user, an
 * upstream or a converter can cause is driven through the built CLI (bin/quarry.js) and, where it
 * has a route, through the API, over one store: the CLI prints `quarry: <message> (<code>)` and exits with
 * the registry's code; the API answers the registry's code and status; neither shows a stack.
 */

const bin = new URL('../../bin/quarry.js', import.meta.url).pathname
let api: ApiServer
let server: TestServer
let admin: Browser
let pg: TestSchema
/** A port nothing listens on: a connection to it is refused. */
let closedPort: number

/** Stack frames and Node's crash footer: what must never be printed or answered. */
const STACK = /^\s+at |Node\.js v\d/m

function quarry(
  args: readonly string[],
  nodeOptions: readonly string[] = [],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [...nodeOptions, bin, '--db', join(server.engine.dir, 'quarry.db'), ...args],
      {
        env: {
          ...process.env,
          QUARRY_SECRET_KEY: TEST_SECRET_KEY,
          QUARRY_DATABASE_URL: '',
          XDG_DATA_HOME: server.engine.dir,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    )
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk) => (stdout += chunk))
    child.stderr.on('data', (chunk) => (stderr += chunk))
    child.on('exit', (code) => resolve({ code, stdout, stderr }))
  })
}

async function freePort(): Promise<number> {
  const probe = createServer()
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
  const { port } = probe.address() as { port: number }
  await new Promise((resolve) => probe.close(resolve))
  return port
}

beforeAll(async () => {
  closedPort = await freePort()
  // A redirect to another host than the datasource's (localhost is not 127.0.0.1 to the allow-list).
  api = await startApiServer({ redirectTarget: `http://localhost:${closedPort}` })
  server = await startTestServer()
  admin = await server.signIn('ada', 'admin')
  pg = await createTestSchema()
  const { engine } = server
  await engine.addDatasource({ name: 'api', type: 'rest', baseUrl: api.url, auth: { type: 'none' } })
  await engine.addDatasource({
    name: 'slow-api',
    type: 'rest',
    baseUrl: api.url,
    auth: { type: 'none' },
    timeoutMs: 1000,
  })
  await engine.addDatasource({
    name: 'gone-api',
    type: 'rest',
    baseUrl: `http://127.0.0.1:${closedPort}`,
    auth: { type: 'none' },
  })
  await engine.addDatasource({
    name: 'small-api',
    type: 'rest',
    baseUrl: api.url,
    auth: { type: 'none' },
    maxResponseBytes: 1024,
  })
  await engine.addDatasource({ name: 'pg', type: 'postgres', url: pg.url })
  await engine.addDatasource({ name: 'impatient-pg', type: 'postgres', url: pg.url, statementTimeoutMs: 100 })
  await engine.addDatasource({
    name: 'gone-pg',
    type: 'postgres',
    url: `postgres://postgres@127.0.0.1:${closedPort}/test`,
  })
  const rest = (name: string, path: string, extra: object = {}) =>
    engine.addQuery({ name, datasource: 'api', path, ...extra })
  await rest('echo', '/echo?q=:q', { params: [{ name: 'q', type: 'integer', default: '1' }] })
  await rest('undefined-name', '/echo', { converter: 'function convert(json) { return nope }' })
  await rest('syntax-error', '/echo', { converter: 'function convert(json) { return ( }' })
  await rest('endless', '/echo', { converter: 'function convert(json) { for (;;) {} }' })
  // One allocation past the limit: reaches the memory limit long before the CPU time limit, even on a
  // busy machine (a loop of small ones may spend its time in garbage collection first).
  await rest('hungry', '/echo', { converter: 'function convert(json) { return new Array(1e8).fill(0) }' })
  await rest('not-rows', '/echo', { converter: 'function convert(json) { return [1, 2, 3] }' })
  await rest('looping', '/same-cursor', {
    pagination: { type: 'cursor', cursorPath: 'paging.next', cursorParam: 'cursor', itemsPath: 'data' },
  })
  await rest('server-error', '/server-error')
  await rest('html', '/html')
  await engine.addQuery({ name: 'slow', datasource: 'slow-api', path: '/slow' })
  await engine.addQuery({ name: 'refused', datasource: 'gone-api', path: '/echo' })
  await engine.addQuery({ name: 'huge', datasource: 'small-api', path: '/huge' })
  await rest('redirected', '/redirect-out')
  await engine.addQuery({ name: 'sql-on-rest', datasource: 'api', sql: 'SELECT 1 AS x' })
  await engine.addQuery({ name: 'divide', datasource: 'pg', sql: 'SELECT 1/0 AS x' })
  await engine.addQuery({ name: 'write', datasource: 'pg', sql: 'CREATE TABLE written (a int)' })
  await engine.addQuery({ name: 'sleep', datasource: 'impatient-pg', sql: 'SELECT pg_sleep(2) AS x' })
  await engine.addQuery({ name: 'no-db', datasource: 'gone-pg', sql: 'SELECT 1 AS x' })
}, 30_000)
afterAll(async () => {
  await pg?.drop()
  await server?.close()
  await api?.close()
})

interface Scenario {
  readonly what: string
  readonly code: ErrorCode
  readonly cli: readonly string[]
  /** The route that meets the same failure, if the API has one. */
  readonly api?: {
    readonly method: 'GET' | 'POST' | 'DELETE'
    readonly url: string
    readonly payload?: object
  }
  /** What the message says (the CLI's line, and the admin's API message). */
  readonly message: RegExp
}

const run = (query: string, params: Record<string, string> = {}) => ({
  method: 'POST' as const,
  url: `/api/queries/${query}/run`,
  payload: { params },
})

const SCENARIOS: readonly Scenario[] = [
  {
    what: 'an unknown output format',
    code: 'QUARRY_CONFIG_INVALID',
    cli: ['run', 'echo', '--format', 'xml'],
    message: /^--format must be one of table, json, csv, xlsx, ndjson, html; got "xml"$/,
  },
  {
    what: 'an unknown datasource',
    code: 'QUARRY_DATASOURCE_NOT_FOUND',
    cli: ['datasource', 'show', 'nowhere'],
    api: { method: 'GET', url: '/api/datasources/nowhere' },
    message: /No datasource named "nowhere"/,
  },
  {
    what: 'an unknown query',
    code: 'QUARRY_QUERY_NOT_FOUND',
    cli: ['run', 'nothing'],
    api: run('nothing'),
    message: /No query named "nothing"/,
  },
  {
    what: 'a parameter of the wrong type',
    code: 'QUARRY_PARAM_TYPE',
    cli: ['run', 'echo', '--param', 'q=ten'],
    api: run('echo', { q: 'ten' }),
    message: /^Parameter "q" must be an integer, got "ten"\.$/,
  },
  {
    what: 'a parameter the query does not declare',
    code: 'QUARRY_PARAM_UNKNOWN',
    cli: ['run', 'echo', '--param', 'limit=5'],
    api: run('echo', { limit: '5' }),
    message: /limit/,
  },
  {
    what: 'a datasource name that is taken',
    code: 'QUARRY_DATASOURCE_EXISTS',
    cli: ['datasource', 'add', 'api', '--url', 'http://127.0.0.1:9'],
    api: {
      method: 'POST',
      url: '/api/datasources',
      payload: { name: 'api', type: 'rest', baseUrl: 'http://127.0.0.1:9', auth: { type: 'none' } },
    },
    message: /api/,
  },
  {
    what: 'removing a datasource that queries use',
    code: 'QUARRY_DATASOURCE_IN_USE',
    cli: ['datasource', 'remove', 'api'],
    api: { method: 'DELETE', url: '/api/datasources/api' },
    message: /api/,
  },
  {
    what: 'SQL on a REST datasource',
    code: 'QUARRY_DATASOURCE_KIND',
    cli: ['run', 'sql-on-rest'],
    api: run('sql-on-rest'),
    message: /^Query "sql-on-rest" has SQL, but datasource "api" is a REST API/,
  },
  {
    what: 'a converter that names an undefined variable (ReferenceError)',
    code: 'QUARRY_CONVERTER_RUNTIME',
    cli: ['run', 'undefined-name', '--format', 'csv'],
    api: run('undefined-name'),
    message: /^Converter failed at line 1, column \d+: ReferenceError: nope is not defined$/,
  },
  {
    what: 'a converter that does not compile (SyntaxError)',
    code: 'QUARRY_CONVERTER_SYNTAX',
    cli: ['run', 'syntax-error', '--format', 'json'],
    api: run('syntax-error'),
    message: /^Converter has a syntax error at line 1: Unexpected token '\}'$/,
  },
  {
    what: 'a converter that never ends',
    code: 'QUARRY_CONVERTER_TIMEOUT',
    cli: ['run', 'endless', '--format', 'ndjson'],
    api: run('endless'),
    message: /^Converter exceeded its CPU time limit of 5000 ms/,
  },
  {
    what: 'a converter that runs out of memory',
    code: 'QUARRY_CONVERTER_MEMORY',
    cli: ['run', 'hungry'],
    api: run('hungry'),
    message: /^Converter exceeded its memory limit of 128 MB/,
  },
  {
    what: 'a converter that returns something other than rows',
    code: 'QUARRY_CONVERTER_CONTRACT',
    cli: ['run', 'not-rows', '--format', 'csv'],
    api: run('not-rows'),
    message: /^convert\(\) returned/,
  },
  {
    what: 'an upstream that hands back a cursor it gave before',
    code: 'QUARRY_PAGINATION_LOOP',
    cli: ['run', 'looping', '--format', 'csv'],
    api: run('looping'),
    message:
      /^Pagination did not advance after page 2: the API handed back a page token or link it had given before/,
  },
  {
    what: 'a port that is not a number',
    code: 'QUARRY_USAGE',
    cli: ['serve', '--port', 'nope'],
    message: /^--port must be a port number \(0–65535\), got "nope"$/,
  },
  {
    what: 'an upstream that answers 500',
    code: 'QUARRY_UPSTREAM_STATUS',
    cli: ['run', 'server-error', '--format', 'csv'],
    api: run('server-error'),
    message: /^GET http:\/\/127\.0\.0\.1:\d+\/server-error answered 500: .*Something broke upstream\./,
  },
  {
    what: 'an upstream that answers HTML',
    code: 'QUARRY_UPSTREAM_NOT_JSON',
    cli: ['run', 'html', '--format', 'csv'],
    api: run('html'),
    message: /^GET http:\/\/127\.0\.0\.1:\d+\/html answered 200 with text\/html, not JSON/,
  },
  {
    what: 'an upstream that does not answer in time',
    code: 'QUARRY_UPSTREAM_TIMEOUT',
    cli: ['run', 'slow', '--format', 'csv'],
    api: run('slow'),
    message: /^GET http:\/\/127\.0\.0\.1:\d+\/slow did not answer within 1000 ms/,
  },
  {
    what: 'an upstream that refuses the connection',
    code: 'QUARRY_UPSTREAM_NETWORK',
    cli: ['run', 'refused', '--format', 'csv'],
    api: run('refused'),
    message:
      /^GET http:\/\/127\.0\.0\.1:\d+\/echo: 127\.0\.0\.1:\d+ refused the connection \(ECONNREFUSED\)\.$/,
  },
  {
    what: 'an upstream answer over the byte limit',
    code: 'QUARRY_UPSTREAM_TOO_LARGE',
    cli: ['run', 'huge', '--format', 'csv'],
    api: run('huge'),
    message: /1024 bytes/,
  },
  {
    what: 'a redirect to a host the datasource does not allow',
    code: 'QUARRY_UPSTREAM_REDIRECT_REFUSED',
    cli: ['run', 'redirected', '--format', 'csv'],
    api: run('redirected'),
    message: /localhost/,
  },
  {
    what: 'a statement that writes',
    code: 'QUARRY_SQL_READ_ONLY',
    cli: ['run', 'write', '--format', 'csv'],
    api: run('write'),
    message: /read-only/,
  },
  {
    what: 'a statement past the statement timeout',
    code: 'QUARRY_SQL_TIMEOUT',
    cli: ['run', 'sleep', '--format', 'csv'],
    api: run('sleep'),
    message: /timeout|time limit|ran past/i,
  },
  {
    what: 'a statement the database refuses',
    code: 'QUARRY_SQL_ERROR',
    cli: ['run', 'divide', '--format', 'csv'],
    api: run('divide'),
    message: /division by zero/,
  },
  {
    what: 'a database that cannot be reached',
    code: 'QUARRY_SQL_CONNECT',
    cli: ['run', 'no-db', '--format', 'csv'],
    api: run('no-db'),
    message: /127\.0\.0\.1/,
  },
]

describe('every failure ends in a registered code, without a stack (issue 12)', () => {
  for (const scenario of SCENARIOS) {
    const { exitCode, status } = ERROR_CODES[scenario.code]

    it(`CLI: ${scenario.what} prints one "quarry:" line and exits ${exitCode} (${scenario.code})`, async () => {
      const { code, stdout, stderr } = await quarry(scenario.cli)
      expect(stderr).not.toMatch(STACK)
      expect(stdout).toBe('')
      const lines = stderr.trimEnd().split('\n')
      expect(lines, stderr).toHaveLength(1)
      expect(lines[0]).toMatch(/^quarry: /)
      const suffix = ` (${scenario.code})`
      expect(lines[0]?.endsWith(suffix), lines[0]).toBe(true)
      expect(lines[0]?.slice('quarry: '.length, -suffix.length)).toMatch(scenario.message)
      expect(code).toBe(exitCode)
    }, 30_000)

    if (scenario.api) {
      const route = scenario.api
      it(`API: ${scenario.what} answers ${status} ${scenario.code}`, async () => {
        const response = await server.as(admin, route)
        expect(response.body).not.toMatch(STACK)
        const { error } = response.json<{ error: { code: string; message: string } }>()
        expect(error.code).toBe(scenario.code)
        expect(error.message).toMatch(scenario.message)
        expect(response.statusCode).toBe(status)
      }, 30_000)
    }
  }

  it('CLI: serve on a port in use prints one "quarry:" line and exits 2', async () => {
    const busy = createServer()
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve))
    const { port } = busy.address() as { port: number }
    try {
      const { code, stderr } = await quarry(['serve', '--port', String(port), '--quiet'])
      expect(stderr).toBe(
        `quarry: serve: 127.0.0.1:${port} is in use; choose another with --port (or --host) (QUARRY_PORT_IN_USE)\n`,
      )
      expect(code).toBe(2)
    } finally {
      await new Promise((resolve) => busy.close(resolve))
    }
  })

  it('CLI: a bad flag prints "quarry:" and the usage, and exits 2', async () => {
    const { code, stderr } = await quarry(['run', 'echo', '--bogus'])
    expect(stderr).not.toMatch(STACK)
    expect(stderr.split('\n')[0]).toBe("quarry: unknown option '--bogus'")
    expect(stderr).toContain('Usage: quarry run [options] <query>')
    expect(code).toBe(2)
  })
})

describe('a bug of Quarry’s is told in one line, its details kept aside (issue 12)', () => {
  // An error nobody handles, planted the moment the CLI installs its last-resort handler: a
  // rejection nobody awaits, as a stream callback's failure would be.
  const planted = `process.on('newListener', (event) => { if (event === 'unhandledRejection') setImmediate(() => Promise.reject(new TypeError('planted failure'))) })`
  const preload = ['--import', `data:text/javascript,${encodeURIComponent(planted)}`]

  it('prints "Quarry hit a bug" and the file with the details, exits 1', async () => {
    const { code, stderr } = await quarry(['run', 'slow'], preload)
    const match =
      /^quarry: Quarry hit a bug \(QUARRY_INTERNAL, TypeError\); the details are in (\S+) \(or run again with --debug to print them\)\.\n$/.exec(
        stderr,
      )
    expect(match, stderr).not.toBeNull()
    const { readFileSync, rmSync } = await import('node:fs')
    const file = match?.[1] ?? ''
    expect(readFileSync(file, 'utf8')).toMatch(/TypeError: planted failure\n\s+at /)
    rmSync(file)
    expect(code).toBe(1)
  })

  it('leaves a stray rejection in the server to the server, which keeps running', async () => {
    // Planted once `quarry serve` has its own handler (the second one registered).
    const plantedInServe = `let seen = 0; process.on('newListener', (event) => { if (event === 'unhandledRejection' && ++seen === 2) setImmediate(() => Promise.reject(new TypeError('planted failure'))) })`
    const port = await freePort()
    const child = spawn(
      process.execPath,
      [
        '--import',
        `data:text/javascript,${encodeURIComponent(plantedInServe)}`,
        bin,
        '--db',
        join(server.engine.dir, 'quarry.db'),
        'serve',
        '--port',
        String(port),
      ],
      {
        env: {
          ...process.env,
          QUARRY_SECRET_KEY: TEST_SECRET_KEY,
          QUARRY_DATABASE_URL: '',
          XDG_DATA_HOME: server.engine.dir,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    )
    let output = ''
    child.stdout.on('data', (chunk) => (output += chunk))
    child.stderr.on('data', (chunk) => (output += chunk))
    try {
      await new Promise<void>((resolve) => {
        const check = () =>
          output.includes('unhandled rejection; the server keeps running') ? resolve() : undefined
        child.stdout.on('data', check)
        child.stderr.on('data', check)
      })
      const health = await fetch(`http://127.0.0.1:${port}/healthz`)
      expect(health.status).toBe(200)
      expect(output).not.toContain('Quarry hit a bug')
    } finally {
      child.kill('SIGTERM')
      await new Promise((resolve) => child.once('exit', resolve))
    }
  }, 30_000)

  it('prints the stack with --debug', async () => {
    const { code, stderr } = await quarry(['--debug', 'run', 'slow'], preload)
    expect(stderr).toMatch(
      /^quarry: Quarry hit a bug \(QUARRY_INTERNAL\):\nTypeError: planted failure\n\s+at /,
    )
    expect(code).toBe(1)
  })
})
