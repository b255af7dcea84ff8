import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseClientSpec } from '../../src/sim/oauth/clients.js'
import type { RunningSimulator } from '../../src/sim/server.js'
import { TEST_SECRET_KEY } from '../helpers/engine.js'
import { startTestSim, stats } from '../helpers/sim.js'

/**
 * The seed's seven manual steps (docs/architecture.md, "The guide Quarry replaces"), executed against the
 * simulator (issue 13): the README's curl walkthrough yields the tokens; the guide's six values and
 * its scope go into a Quarry datasource as the guide types them into PocketQuery; the seed's
 * converter shows the table. Then the same through `quarry connect`.
 */

const root = new URL('../..', import.meta.url)
const bin = new URL('bin/quarry.js', root).pathname
const readme = readFileSync(new URL('README.md', root), 'utf8')

/** The seed's converter, verbatim (docs/architecture.md, "The guide Quarry replaces"). */
const SEED_CONVERTER = `function convert(json) {
  const parsed = JSON.parse(json);
  return parsed['issues'].map(issue => ({
    'Issue Key': issue.key,
    'Description': issue.fields.description,
  }));
}
`
const SCOPE = 'read:jira-work read:jira-user offline_access'

let sim: RunningSimulator
let dir: string

function spawnQuarry(args: string[], env: Record<string, string> = {}): ChildProcessWithoutNullStreams {
  return spawn(process.execPath, [bin, '--db', join(dir, 'quarry.db'), ...args], {
    env: {
      ...process.env,
      QUARRY_SECRET_KEY: TEST_SECRET_KEY,
      QUARRY_DATABASE_URL: '',
      XDG_DATA_HOME: dir,
      ...env,
    },
  })
}

function finished(
  child: ChildProcessWithoutNullStreams,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk) => (stdout += chunk))
  child.stderr.on('data', (chunk) => (stderr += chunk))
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr })))
}

const quarry = (...args: string[]) => finished(spawnQuarry(args))

/** Steps 2–5 of the guide: the README's curl walkthrough up to its refresh step, on this simulator. */
function curlSteps(): Promise<Record<string, string>> {
  const block = /<!-- readme-3lo:start -->[\s\S]*?```bash\n([\s\S]*?)```/.exec(readme)?.[1] ?? ''
  const from = block.indexOf('field() {')
  const to = block.indexOf('# 4. Refresh')
  expect(from, 'README keeps its curl walkthrough').toBeGreaterThan(0)
  const script = `set -euo pipefail\nSIM=${sim.url}\n${block.slice(from, to)}\nprintf '\\nACCESS=%s\\nREFRESH=%s\\nCLOUD_ID=%s\\n' "$ACCESS" "$REFRESH" "$CLOUD_ID"\n`
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', script], { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    child.stdout.on('data', (chunk) => (out += chunk))
    child.stderr.on('data', (chunk) => (out += chunk))
    child.on('exit', (code) => {
      if (code !== 0) reject(new Error(`the curl steps failed (${code}): ${out}`))
      const values = Object.fromEntries(
        [...out.matchAll(/^(ACCESS|REFRESH|CLOUD_ID)=(.+)$/gm)].map((m) => [m[1], m[2]]),
      )
      resolve(values as Record<string, string>)
    })
  })
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'quarry-seed-guide-'))
  writeFileSync(join(dir, 'converter.js'), SEED_CONVERTER)
  sim = await startTestSim({
    issues: 30,
    clients: [parseClientSpec('my-app:my-secret:https://example.com')],
    autoConsent: { login: 'alice', sites: undefined },
  })
}, 30_000)
afterAll(async () => {
  await sim.close()
  rmSync(dir, { recursive: true, force: true })
})

describe("the seed's seven manual steps, against the simulator", () => {
  let tokens: Record<string, string> = {}

  it('steps 2–5: the documented curl flow yields an access token, a refresh token and the site id', async () => {
    tokens = await curlSteps()
    expect(tokens.ACCESS).toMatch(/\S{20,}/)
    expect(tokens.REFRESH).toMatch(/\S{20,}/)
    expect(tokens.CLOUD_ID).toMatch(/\S+/)
  }, 30_000)

  it('step 6: the six values and the scope make a datasource; its removed /search test path is named with the fix', async () => {
    const baseUrl = `${sim.url}/ex/jira/${tokens.CLOUD_ID}/rest/api/2`
    // The guide's values, in the guide's order; the secrets come from the environment, not the command line.
    const added = await finished(
      spawnQuarry(
        [
          'datasource',
          'add',
          'pq-guide',
          '--url',
          baseUrl,
          '--test-path',
          '/search',
          '--auth',
          'oauth2-authorization-code',
          '--token-url',
          `${sim.url}/oauth/token`,
          '--client-id',
          'my-app',
          '--client-secret',
          'env:PQ_CLIENT_SECRET',
          '--refresh-token',
          'env:PQ_REFRESH_TOKEN',
          '--access-token',
          'env:PQ_ACCESS_TOKEN',
          '--scope',
          SCOPE,
          // Not among the six, but known from step 2: where `quarry connect` sends the user later.
          '--authorize-url',
          `${sim.url}/authorize`,
          '--audience',
          'api.atlassian.com',
          '--redirect-uri',
          'https://example.com',
        ],
        {
          PQ_CLIENT_SECRET: 'my-secret',
          PQ_REFRESH_TOKEN: tokens.REFRESH ?? '',
          PQ_ACCESS_TOKEN: tokens.ACCESS ?? '',
        },
      ),
    )
    expect(added.code, added.stderr).toBe(0)
    const gone = await quarry('datasource', 'test', 'pq-guide')
    expect(gone.code).toBe(1)
    expect(gone.stdout + gone.stderr).toContain('answered 410')
    expect(gone.stdout + gone.stderr).toContain(
      'Atlassian removed this search endpoint in 2025 (CHANGE-2046): search with the path /search/jql?jql=… (pagination next-page-token) instead, and test the datasource with the path /myself.',
    )
    expect((await quarry('datasource', 'edit', 'pq-guide', '--test-path', '/myself')).code).toBe(0)
    const works = await quarry('datasource', 'test', 'pq-guide')
    expect(works.code, works.stdout + works.stderr).toBe(0)
    expect(works.stdout).toContain('pq-guide works')
  }, 30_000)

  it("step 7: a query with the seed's converter shows the table", async () => {
    const added = await quarry(
      'query',
      'add',
      'guide-issues',
      '--datasource',
      'pq-guide',
      '--path',
      '/search/jql?jql=:jql&fields=key,description&maxResults=100',
      '--pagination',
      'next-page-token',
      '--converter',
      join(dir, 'converter.js'),
    )
    expect(added.code, added.stderr).toBe(0)
    const run = await quarry(
      'run',
      'guide-issues',
      '--format',
      'csv',
      '--param',
      'jql=project = DEMO ORDER BY key',
    )
    expect(run.code, run.stderr).toBe(0)
    const lines = run.stdout.trim().split(/\r?\n/)
    expect(lines[0]).toBe('Issue Key,Description')
    expect(lines[1]).toMatch(/^DEMO-1,/)
    expect(lines.length).toBeGreaterThan(2)
    // The guide's query path itself is Jira's removed search: the run says what to use instead.
    await quarry(
      'query',
      'add',
      'guide-old',
      '--datasource',
      'pq-guide',
      '--path',
      '/search?jql=:jql',
      '--converter',
      join(dir, 'converter.js'),
    )
    const old = await quarry('run', 'guide-old', '--param', 'jql=project = DEMO')
    expect(old.code).toBe(1)
    expect(old.stderr).toContain('CHANGE-2046')
    expect((await stats(sim)).invalidGrants).toBe(0)
  }, 30_000)

  it('refuses a secret flag naming an environment variable that is not set, naming it', async () => {
    const refused = await quarry('datasource', 'edit', 'pq-guide', '--refresh-token', 'env:PQ_NOT_SET')
    expect(refused.code).toBe(2)
    expect(refused.stderr).toContain(
      '--refresh-token env:PQ_NOT_SET: the environment variable PQ_NOT_SET is not set',
    )
  })

  it('then the same through quarry connect: consent once, and the table shows', async () => {
    const child = spawnQuarry(['connect', 'pq-guide', '--paste'])
    const done = finished(child)
    const url = await new Promise<string>((resolve, reject) => {
      let out = ''
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk
        const match = /(http:\/\/\S+\/authorize\?\S+)\s/.exec(out) // the whole line printed
        if (match) resolve(match[1] as string)
      })
      child.on('exit', () => reject(new Error(`connect exited before printing a URL: ${out}`)))
    })
    const redirect = (await fetch(url, { redirect: 'manual' })).headers.get('location') ?? ''
    expect(redirect, url).toMatch(/^https:\/\/example\.com\/\?code=/)
    child.stdin.write(`${redirect}\n`)
    const connected = await done
    expect(connected.code, connected.stderr).toBe(0)
    expect(connected.stdout).toContain('Connected "pq-guide"')
    const run = await quarry(
      'run',
      'guide-issues',
      '--format',
      'csv',
      '--param',
      'jql=project = WEB ORDER BY key',
    )
    expect(run.code, run.stderr).toBe(0)
    expect(run.stdout).toMatch(/^Issue Key,Description\r?\nWEB-1,/)
  }, 30_000)
})
