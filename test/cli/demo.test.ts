import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { TEST_SECRET_KEY } from '../helpers/engine.js'
import { freePort } from '../helpers/net.js'

/** `quarry demo` as the README's first command starts it, on free ports and its own store. */

const bin = new URL('../../bin/quarry.js', import.meta.url).pathname
let dir: string
let demo: ChildProcess
let url: string

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'quarry-demo-'))
  const [port, simPort] = [await freePort(), await freePort()]
  demo = spawn(
    process.execPath,
    [
      bin,
      '--db',
      join(dir, 'demo.db'),
      'demo',
      '--port',
      String(port),
      '--sim-port',
      String(simPort),
      '--quiet',
    ],
    {
      env: {
        ...process.env,
        QUARRY_SECRET_KEY: TEST_SECRET_KEY,
        QUARRY_DATABASE_URL: '',
        XDG_DATA_HOME: dir,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  let output = ''
  await new Promise<void>((resolve, reject) => {
    demo.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString()
      if (output.includes('Ctrl-C stops')) resolve()
    })
    demo.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()))
    demo.on('exit', (code) => reject(new Error(`quarry demo exited (${code}): ${output}`)))
  })
  url = `http://127.0.0.1:${port}`
}, 60_000)
afterAll(() => {
  demo?.kill('SIGTERM')
  rmSync(dir, { recursive: true, force: true })
})

describe('quarry demo', () => {
  it('shows its public Jira view to anyone', async () => {
    const response = await fetch(`${url}/v/jira-issues`)
    expect(response.status).toBe(200)
    expect(await response.text()).toMatch(/DEMO-\d+/)
  })

  it('does not let an anonymous visitor run their own JQL with the connected account (issue 10)', async () => {
    for (const path of ['/v/jira-issues', '/v/jira-issues/rows.json', '/v/jira-issues/rows.csv']) {
      const response = await fetch(`${url}${path}?jql=${encodeURIComponent('project = OPS')}`)
      expect(response.status, path).toBe(403)
      expect(await response.text(), path).not.toMatch(/OPS-\d+/)
    }
  })
})
