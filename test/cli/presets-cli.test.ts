import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { CLIENT, startAtlassianLike, type AtlassianLike } from '../helpers/atlassian-like.js'
import { runQuarry } from '../helpers/cli.js'
import { TEST_SECRET_KEY } from '../helpers/engine.js'
import { GITHUB_APP, OAUTH_APP, startGithubLike, type GithubLike } from '../helpers/github-like.js'

/**
 * `quarry datasource add --preset confluence-cloud|github` and `quarry connect --paste` (issue 14):
 * the presets' flags come from the registry, the consent runs against `oidc-provider` shaped like
 * each provider (test/helpers/atlassian-like.ts, github-like.ts), and a ready-made query runs.
 */

const bin = new URL('../../bin/quarry.js', import.meta.url).pathname
const PASTE_REDIRECT = 'https://quarry.example.com/callback'
let dir: string
let provider: AtlassianLike | GithubLike | undefined

const quarry = (...args: string[]) => runQuarry({ db: join(dir, 'q.db'), dir }, ...args)

function spawnQuarry(...args: string[]): ChildProcessWithoutNullStreams {
  return spawn(process.execPath, [bin, '--db', join(dir, 'q.db'), ...args], {
    env: { ...process.env, QUARRY_SECRET_KEY: TEST_SECRET_KEY, QUARRY_DATABASE_URL: '', XDG_DATA_HOME: dir },
  })
}

/** Runs `quarry connect NAME --paste`, consents at the provider and pastes where it redirected. */
async function connectPasting(name: string, idp: { consent(url: string): Promise<string> }) {
  const child = spawnQuarry('connect', name, '--paste')
  let stdout = ''
  let stderr = ''
  child.stderr.on('data', (chunk) => (stderr += chunk))
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve))
  const authorize = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk
      const match = /(http:\/\/127\.0\.0\.1:\d+\/\S*authorize\?\S+)/.exec(stdout)
      if (match && stdout.includes('copy the address')) resolve(match[1] as string)
    })
    child.on('exit', () => reject(new Error(`connect exited before printing a URL: ${stdout}${stderr}`)))
  })
  child.stdin.write(`${await idp.consent(authorize)}\n`)
  return { code: await exited, stdout, stderr }
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'quarry-presets-cli-'))
})
afterEach(async () => {
  await provider?.close()
  provider = undefined
  rmSync(dir, { recursive: true, force: true })
})

describe('quarry datasource add --preset confluence-cloud', () => {
  it('adds the datasource and its queries, connects to the site, and runs the spaces query', async () => {
    const atlassian = await startAtlassianLike([PASTE_REDIRECT])
    provider = atlassian
    const added = await quarry(
      'datasource',
      'add',
      'wiki',
      '--preset',
      'confluence-cloud',
      '--client-id',
      CLIENT.client_id,
      '--client-secret',
      CLIENT.client_secret,
      '--redirect-uri',
      PASTE_REDIRECT,
      '--auth-url',
      atlassian.front.url,
      '--api-url',
      atlassian.idp.resourceUrl,
    )
    expect(added.code, added.stderr).toBe(0)
    expect(added.stdout).toContain(
      'Added Confluence Cloud datasource "wiki" with queries wiki-spaces, wiki-pages, wiki-search.',
    )
    const connected = await connectPasting('wiki', atlassian.idp)
    expect(connected.code, connected.stderr).toBe(0)
    expect(connected.stdout).toContain('Connected "wiki" to acme (https://acme.atlassian.net)')
    const run = await quarry('run', 'wiki-spaces', '--format', 'csv')
    expect(run.code, run.stderr).toBe(0)
    expect(run.stdout).toContain('98306,ENG,Engineering,global,current')
    expect(run.stdout).toContain('98307,~alice,Alice,personal,current')
  })
})

describe('quarry datasource add --preset github', () => {
  it('adds an OAuth app datasource, connects without a refresh token, and runs the repos query', async () => {
    const github = await startGithubLike([PASTE_REDIRECT])
    provider = github
    const added = await quarry(
      'datasource',
      'add',
      'gh',
      '--preset',
      'github',
      '--client-id',
      OAUTH_APP.client_id,
      '--client-secret',
      OAUTH_APP.client_secret,
      '--redirect-uri',
      PASTE_REDIRECT,
      '--auth-url',
      github.front.url,
      '--api-url',
      github.idp.resourceUrl,
    )
    expect(added.code, added.stderr).toBe(0)
    expect(added.stdout).toContain('Added GitHub datasource "gh" with queries gh-repos, gh-issues, gh-pulls.')
    const connected = await connectPasting('gh', github.idp)
    expect(connected.code, connected.stderr).toBe(0)
    expect(connected.stdout).toContain('Connected "gh" with scopes repo,read:user')
    const run = await quarry('run', 'gh-repos', '--format', 'csv')
    expect(run.code, run.stderr).toBe(0)
    expect(run.stdout).toContain('alice/widgets,false,TypeScript,3,2,2026-11-30 10:00')
    expect(run.stdout).toContain('alice/notes,true,,0,0,2026-11-02 08:30')
  })

  it('takes --app-kind github-app, and refuses a kind GitHub does not have naming the flag', async () => {
    const common = ['--client-id', GITHUB_APP.client_id, '--client-secret', GITHUB_APP.client_secret]
    const app = await quarry(
      'datasource',
      'add',
      'ghapp',
      '--preset',
      'github',
      ...common,
      '--app-kind',
      'github-app',
    )
    expect(app.code, app.stderr).toBe(0)
    const shown = JSON.parse((await quarry('datasource', 'show', 'ghapp')).stdout) as { preset: unknown }
    expect(shown.preset).toEqual({ name: 'github', apiUrl: 'https://api.github.com', appKind: 'github-app' })
    const wrong = await quarry(
      'datasource',
      'add',
      'ghx',
      '--preset',
      'github',
      ...common,
      '--app-kind',
      'saml',
    )
    expect(wrong.code).not.toBe(0)
    expect(wrong.stderr).toContain('Invalid github datasource "ghx": --app-kind: ')
    expect((await quarry('datasource', 'list')).stdout).not.toContain('ghx')
  })
})
