import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { authorizeUrlOf, finished, runQuarry, spawnQuarry } from '../helpers/cli.js'
import { freePort } from '../helpers/quarry-process.mjs'
import type { RunningOidcProvider } from '../helpers/oidc-provider.js'
import {
  ENTRA_CLIENT,
  ENTRA_TENANT,
  GITLAB_CLIENT,
  GOOGLE_CLIENT,
  startEntraLike,
  startGitLabLike,
  startGoogleLike,
} from '../helpers/provider-shapes.js'

/**
 * `quarry datasource add --preset google|entra|gitlab` and `quarry connect` (issue 14, Done-when 3):
 * the presets' own flags come from the registry, consent runs on loopback or with --paste against a
 * certified OpenID provider shaped like each (test/helpers/provider-shapes.ts), and a ready-made
 * query runs with the access token it brought.
 */

const PASTE_REDIRECT = 'https://quarry.example.com/callback'
let dir: string
let idp: RunningOidcProvider | undefined
let redirect: string

const where = () => ({ db: join(dir, 'q.db'), dir })
const quarry = (...args: string[]) => runQuarry(where(), ...args)

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'quarry-oidc-presets-'))
  redirect = `http://localhost:${await freePort()}/callback`
})
afterEach(async () => {
  await idp?.close()
  idp = undefined
  rmSync(dir, { recursive: true, force: true })
})

async function add(name: string, preset: string, ...flags: string[]): Promise<string> {
  const added = await quarry('datasource', 'add', name, '--preset', preset, ...flags)
  expect(added.code, added.stderr).toBe(0)
  return added.stdout
}

/** `quarry connect NAME` on loopback: the provider plays the user, its redirect goes to Quarry's listener. */
async function connectOnLoopback(name: string): Promise<{ authorize: URL; stdout: string }> {
  const child = spawnQuarry(where(), 'connect', name, '--no-browser')
  const done = finished(child)
  const authorize = await authorizeUrlOf(child, 'Waiting for the answer')
  expect((await fetch(await (idp as RunningOidcProvider).consent(authorize))).status).toBe(200)
  const { code, stdout, stderr } = await done
  expect(code, stderr).toBe(0)
  return { authorize: new URL(authorize), stdout }
}

async function runJson(query: string, ...params: string[]): Promise<Record<string, unknown>[]> {
  const run = await quarry('run', query, ...params, '--format', 'json')
  expect(run.code, run.stderr).toBe(0)
  return JSON.parse(run.stdout) as Record<string, unknown>[]
}

describe('quarry datasource add --preset', () => {
  it('google: adds its queries, connects on loopback with access_type=offline, and lists events', async () => {
    idp = await startGoogleLike([redirect])
    const out = await add(
      'cal',
      'google',
      ...['--client-id', GOOGLE_CLIENT.id, '--client-secret', GOOGLE_CLIENT.secret],
      ...['--auth-url', idp.issuer, '--api-url', idp.resourceUrl, '--redirect-uri', redirect],
    )
    expect(out).toContain('Added Google datasource "cal" with queries cal-events, cal-files.')
    const { authorize, stdout } = await connectOnLoopback('cal')
    expect(authorize.searchParams.get('access_type')).toBe('offline')
    expect(stdout).toContain('Connected "cal" with scopes')
    expect((await runJson('cal-events')).map((row) => row.Summary)).toEqual([
      'Meeting 1',
      'Meeting 2',
      'Meeting 3',
    ])
  })

  it('entra: takes --tenant, connects with --paste, and reads the profile from Graph', async () => {
    idp = await startEntraLike([PASTE_REDIRECT])
    const out = await add(
      'graph',
      'entra',
      ...['--client-id', ENTRA_CLIENT.id, '--client-secret', ENTRA_CLIENT.secret, '--tenant', ENTRA_TENANT],
      ...['--auth-url', idp.origin, '--api-url', `${idp.resourceUrl}/v1.0`, '--redirect-uri', PASTE_REDIRECT],
    )
    expect(out).toContain('queries graph-me, graph-messages, graph-tasks')
    const child = spawnQuarry(where(), 'connect', 'graph', '--paste')
    const done = finished(child)
    const authorize = await authorizeUrlOf(child, 'copy the address')
    expect(new URL(authorize).searchParams.get('prompt')).toBe('select_account')
    child.stdin.write(`${await idp.consent(authorize)}\n`)
    const { code, stderr } = await done
    expect(code, stderr).toBe(0)
    expect(await runJson('graph-me')).toEqual([
      {
        Name: 'Alice Example',
        Mail: 'alice@contoso.example',
        Login: 'alice@contoso.example',
        Title: 'Engineer',
      },
    ])
  })

  it('entra: a wrong tenant is refused by its flag, storing nothing', async () => {
    const refused = await quarry(
      'datasource',
      'add',
      'graph',
      '--preset',
      'entra',
      ...['--client-id', ENTRA_CLIENT.id, '--client-secret', 's', '--tenant', 'contoso/evil'],
    )
    expect(refused.code).not.toBe(0)
    expect(refused.stderr).toContain('--tenant: must be the directory (tenant) ID')
    expect((await quarry('datasource', 'list')).stdout).not.toContain('graph')
  })

  it('gitlab: takes --gitlab-url as the issuer, connects on loopback, and lists projects over pages', async () => {
    idp = await startGitLabLike([redirect])
    await add(
      'gl',
      'gitlab',
      ...[
        '--client-id',
        GITLAB_CLIENT.id,
        '--client-secret',
        GITLAB_CLIENT.secret,
        '--gitlab-url',
        idp.issuer,
      ],
      ...['--api-url', `${idp.resourceUrl}/api/v4`, '--redirect-uri', redirect],
    )
    const shown = JSON.parse((await quarry('datasource', 'show', 'gl')).stdout) as {
      auth: Record<string, unknown>
    }
    expect(shown.auth).toMatchObject({
      issuer: idp.issuer,
      tokenUrl: `${idp.issuer}/oauth/token`,
      pkce: true,
    })
    await connectOnLoopback('gl')
    expect((await runJson('gl-projects')).map((row) => row.Project)).toEqual([
      'group/project-1',
      'group/project-2',
      'group/project-3',
    ])
  })
})
