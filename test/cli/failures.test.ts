import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startApiServer, type ApiServer } from '../helpers/api-server.js'
import { TEST_SECRET_KEY } from '../helpers/engine.js'
import { freePort } from '../helpers/quarry-process.mjs'
import { startTestServer, type TestServer } from '../helpers/server.js'

/**
 * Issue 12: no stack trace reaches a user. Every registered code is driven through the CLI and the
 * API by test/cli/error-codes.test.ts; this file holds what is not one code's scenario: commander's
 * usage errors, and how a bug of Quarry's own is told (one line, details in a file, --debug).
 */

const bin = new URL('../../bin/quarry.js', import.meta.url).pathname
let api: ApiServer
let server: TestServer

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

beforeAll(async () => {
  api = await startApiServer()
  server = await startTestServer()
  const { engine } = server
  await engine.addDatasource({ name: 'api', type: 'rest', baseUrl: api.url, auth: { type: 'none' } })
  await engine.addQuery({ name: 'echo', datasource: 'api', path: '/echo' })
  await engine.addQuery({ name: 'slow', datasource: 'api', path: '/slow' })
}, 30_000)
afterAll(async () => {
  await server?.close()
  await api?.close()
})

describe('commander’s usage errors (issue 12)', () => {
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
