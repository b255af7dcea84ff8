import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, expect, it } from 'vitest'
import { TEST_SECRET_KEY } from '../helpers/engine.js'

/**
 * `quarry connect` on a datasource connected through a Quarry server (issue 14, Done-when 5): the
 * callback is the server's to receive, so the command prints the page with the Connect button instead
 * of listening on the server's port (which failed with EADDRINUSE).
 */
const bin = new URL('../../bin/quarry.js', import.meta.url).pathname
let dir: string
let server: Server
let origin: string

function quarry(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [bin, '--db', join(dir, 'q.db'), ...args], {
    env: { ...process.env, QUARRY_SECRET_KEY: TEST_SECRET_KEY, QUARRY_DATABASE_URL: '', XDG_DATA_HOME: dir },
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk) => (stdout += chunk))
  child.stderr.on('data', (chunk) => (stderr += chunk))
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr })))
}

async function addOAuth(redirectUri: string): Promise<void> {
  const added = await quarry(
    'datasource',
    'add',
    'crm',
    '--type',
    'rest',
    '--url',
    'https://api.example.com',
    '--auth',
    'oauth2-authorization-code',
    '--authorize-url',
    'https://auth.example.com/authorize',
    '--token-url',
    'https://auth.example.com/token',
    '--client-id',
    'app',
    '--client-secret',
    'secret',
    '--scope',
    'read offline_access',
    '--redirect-uri',
    redirectUri,
  )
  expect(added.code, added.stderr).toBe(0)
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'quarry-connect-server-'))
  // Stands in for a running `quarry serve`: the port of the datasource's callback is taken.
  server = createServer((_req, res) => res.end('the Quarry server'))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

afterEach(async () => {
  await new Promise((resolve) => server.close(resolve))
  rmSync(dir, { recursive: true, force: true })
})

it("prints the server's Connect page for a datasource whose callback is the server's, without listening on its port", async () => {
  await addOAuth(`${origin}/api/oauth/callback`)
  const connect = await quarry('connect', 'crm', '--no-browser', '--timeout', '5s')
  expect(connect.code, connect.stderr).toBe(0)
  expect(connect.stdout).toContain(`${origin}/admin/datasources/crm`)
  expect(connect.stdout).toContain('press Connect')
  expect(connect.stdout + connect.stderr).not.toMatch(/EADDRINUSE|authorize\?/)
})

it('prints the Connect page of the server --public-url names, whatever the callback', async () => {
  await addOAuth('http://localhost:8765/callback')
  const connect = await quarry(
    'connect',
    'crm',
    '--no-browser',
    '--public-url',
    'https://quarry.example.com/',
  )
  expect(connect.code, connect.stderr).toBe(0)
  expect(connect.stdout).toContain('https://quarry.example.com/admin/datasources/crm')
  expect(connect.stdout).not.toContain('authorize?')
})
