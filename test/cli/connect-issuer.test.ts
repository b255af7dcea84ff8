import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { authorizeUrlOf, finished, runQuarry, spawnQuarry as spawnOn } from '../helpers/cli.js'
import { freePort } from '../helpers/quarry-process.mjs'
import { startOidcProvider, type RunningOidcProvider } from '../helpers/oidc-provider.js'

/**
 * `quarry datasource add --issuer` and `quarry connect` against a certified OpenID provider with a
 * Keycloak-shaped issuer (issue 14): discovery at add, consent on loopback and with --paste, a query
 * against a resource server that accepts only the provider's live tokens, and a callback from
 * another issuer refused at its step, storing nothing.
 */

const PASTE_REDIRECT = 'https://quarry.example.com/callback'
let dir: string
let idp: RunningOidcProvider
let redirect: string

const quarry = (...args: string[]) => runQuarry({ db: join(dir, 'q.db'), dir }, ...args)
const spawnQuarry = (...args: string[]) => spawnOn({ db: join(dir, 'q.db'), dir }, ...args)

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'quarry-issuer-'))
  redirect = `http://localhost:${await freePort()}/callback`
  idp = await startOidcProvider({
    path: '/realms/demo',
    clients: [
      {
        client_id: 'cli-app',
        client_secret: 'cli-secret',
        token_endpoint_auth_method: 'client_secret_basic',
        redirect_uris: [redirect, PASTE_REDIRECT],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
      },
    ],
  })
})
afterEach(async () => {
  await idp.close()
  rmSync(dir, { recursive: true, force: true })
})

async function addIdp(redirectUri: string, ...extra: string[]) {
  const added = await quarry(
    'datasource',
    'add',
    'idp',
    '--url',
    idp.resourceUrl,
    '--auth',
    'oauth2-authorization-code',
    '--issuer',
    idp.issuer,
    '--client-id',
    'cli-app',
    '--client-secret',
    'cli-secret',
    '--scope',
    'openid offline_access',
    '--redirect-uri',
    redirectUri,
    ...extra,
  )
  expect(added.code, added.stderr).toBe(0)
  expect((await quarry('query', 'add', 'me', '--datasource', 'idp', '--path', '/me')).code).toBe(0)
}

describe('quarry connect with --issuer', () => {
  it('discovers the issuer at add and keeps what it found', async () => {
    await addIdp(redirect, '--authorize-param', 'access_type=offline', '--authorize-param', 'ui_locales=de')
    const shown = JSON.parse((await quarry('datasource', 'show', 'idp')).stdout) as {
      auth: Record<string, unknown>
    }
    expect(shown.auth).toMatchObject({
      issuer: idp.issuer,
      authorizeUrl: `${idp.issuer}/auth`,
      tokenUrl: `${idp.issuer}/token`,
      clientAuth: 'basic',
      pkce: true,
      authorizeParams: { prompt: 'consent', access_type: 'offline', ui_locales: 'de' },
      server: { issuer: idp.issuer, authorization_response_iss_parameter_supported: true },
    })
    // An edit changes one parameter and keeps the rest; name= removes one.
    expect((await quarry('datasource', 'edit', 'idp', '--authorize-param', 'ui_locales=')).code).toBe(0)
    const edited = JSON.parse((await quarry('datasource', 'show', 'idp')).stdout) as {
      auth: Record<string, unknown>
    }
    expect(edited.auth.authorizeParams).toEqual({ prompt: 'consent', access_type: 'offline' })
  })

  it('receives the code on loopback, and the query runs with the access token', async () => {
    await addIdp(redirect)
    const child = spawnQuarry('connect', 'idp', '--no-browser')
    const done = finished(child)
    const authorize = await authorizeUrlOf(child, 'Waiting for the answer')
    expect(new URL(authorize).searchParams.get('code_challenge_method')).toBe('S256')
    expect((await fetch(await idp.consent(authorize))).status).toBe(200)
    const { code, stdout, stderr } = await done
    expect(code, stderr).toBe(0)
    expect(stdout).toContain('Connected "idp" with scopes')
    const run = await quarry('run', 'me', '--format', 'json')
    expect(run.code, run.stderr).toBe(0)
    expect(JSON.parse(run.stdout)).toEqual([
      { sub: 'alice', client_id: 'cli-app', scope: expect.any(String) },
    ])
    expect(idp.refused()).toBe(0)
  })

  it('works with --paste', async () => {
    await addIdp(PASTE_REDIRECT)
    const child = spawnQuarry('connect', 'idp', '--paste')
    const done = finished(child)
    const callback = await idp.consent(await authorizeUrlOf(child, 'copy the address'))
    child.stdin.write(`${callback}\n`)
    const { code, stderr } = await done
    expect(code, stderr).toBe(0)
    expect((await quarry('run', 'me', '--format', 'csv')).stdout).toContain('alice,cli-app')
  })

  it('refuses an answer naming another issuer at the callback step, storing nothing', async () => {
    await addIdp(PASTE_REDIRECT)
    const child = spawnQuarry('connect', 'idp', '--paste')
    const done = finished(child)
    const callback = new URL(await idp.consent(await authorizeUrlOf(child, 'copy the address')))
    callback.searchParams.set('iss', `${idp.origin}/realms/evil`)
    child.stdin.write(`${callback.href}\n`)
    const { code, stderr } = await done
    expect(code).toBe(1)
    expect(stderr).toContain(
      `Callback check failed: the answer names issuer "${idp.origin}/realms/evil", but the datasource's issuer is "${idp.issuer}"`,
    )
    expect(stderr).toContain('Nothing was stored.')
    expect((await quarry('datasource', 'list')).stdout).toContain('not connected')
    const run = await quarry('run', 'me')
    expect(run.code).not.toBe(0)
  })

  it('names the flag when --redirect-uri is missing, and the cause when discovery cannot connect', async () => {
    const missing = await quarry(
      'datasource',
      'add',
      'idp',
      '--url',
      idp.resourceUrl,
      '--auth',
      'oauth2-authorization-code',
      '--issuer',
      idp.issuer,
      '--client-id',
      'cli-app',
      '--scope',
      'openid',
    )
    expect(missing.code).toBe(2)
    expect(missing.stderr).toContain('An oauth2-authorization-code datasource needs --redirect-uri URI')
    await idp.close()
    const gone = await quarry(
      'datasource',
      'add',
      'idp',
      '--url',
      idp.resourceUrl,
      '--auth',
      'oauth2-authorization-code',
      '--issuer',
      idp.issuer,
      '--client-id',
      'cli-app',
      '--redirect-uri',
      redirect,
      '--scope',
      'openid',
    )
    expect(gone.code).toBe(1)
    expect(gone.stderr).toContain(`Discovery of the issuer ${idp.issuer} failed`)
    expect(gone.stderr).toContain('refused the connection (ECONNREFUSED)')
    expect(gone.stderr).not.toContain('fetch failed')
  })
})
