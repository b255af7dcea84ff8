import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { refreshIdle } from '../../src/auth/keep-alive.js'
import { startConsent } from '../../src/auth/oauth/consent.js'
import { ensureDiscovered } from '../../src/auth/oauth/discovery.js'
import { finishConsent } from '../../src/auth/oauth/finish-consent.js'
import { NO_REUSE_GRACE } from '../../src/auth/oauth/reuse-grace.js'
import { createFromPreset } from '../../src/auth/presets/create-from-preset.js'
import { presetNamed } from '../../src/auth/presets/index.js'
import type { PresetPlace } from '../../src/auth/presets/preset.js'
import { QuarryError } from '../../src/domain/errors.js'
import { loadRestDatasource, runQuery } from '../../src/engine/index.js'
import { startTestEngine, type TestEngine } from '../helpers/engine.js'
import type { RunningOidcProvider } from '../helpers/oidc-provider.js'
import {
  DOORKEEPER_INVALID_GRANT,
  ENTRA_CLIENT,
  ENTRA_TENANT,
  GITLAB_CLIENT,
  GOOGLE_CLIENT,
  startEntraLike,
  startGitLabLike,
  startGoogleLike,
  type AnswerLog,
} from '../helpers/provider-shapes.js'

/**
 * Issue 14, Done-when 3: the google, entra and gitlab presets (src/auth/presets/) against a certified
 * OpenID provider shaped like each (test/helpers/provider-shapes.ts): consent through the preset's own
 * endpoints and parameters, the refresh each provider does (Google: no new refresh token; Entra and
 * GitLab: rotation), each provider's error body, and the ready-made queries against its API's shape.
 */

const REDIRECT = 'http://127.0.0.1:8765/callback'
let engine: TestEngine
let idp: RunningOidcProvider | undefined
let log: AnswerLog

beforeEach(async () => {
  engine = await startTestEngine()
  log = []
})
afterEach(async () => {
  await idp?.close()
  idp = undefined
  await engine.close()
})

/** A datasource and its queries as `datasource add --preset` or the quick form makes them. */
async function addFromPreset(
  preset: string,
  name: string,
  given: Record<string, unknown>,
  place: PresetPlace,
): Promise<void> {
  await createFromPreset(engine.store, {
    preset,
    name,
    given,
    place: { redirectUri: REDIRECT, ...place },
    fieldName: (key) => key,
  })
}

/** Consent as `quarry connect` does it: discovery first where the preset set an issuer. */
async function connect(name: string): Promise<URL> {
  const datasource = await ensureDiscovered(
    engine.store,
    await loadRestDatasource(engine.store, name, 'test'),
  )
  if (datasource.auth.type !== 'oauth2-authorization-code') throw new Error('3LO expected')
  const attempt = await startConsent(datasource.auth)
  const callback = new URL(await (idp as RunningOidcProvider).consent(attempt.url))
  await finishConsent(engine.store, datasource, { callback, attempt })
  return new URL(attempt.url)
}

async function rows(query: string): Promise<Record<string, unknown>[]> {
  return JSON.parse((await runQuery(engine, { query })).rowsJson) as Record<string, unknown>[]
}

const connection = async (name: string) => engine.store.connections.get(name)
/** The coded error a consent ended in. */
const refusal = (consent: Promise<unknown>) =>
  consent.then(
    () => expect.fail('the consent should have failed'),
    (error: unknown) => (expect(error).toBeInstanceOf(QuarryError), error as QuarryError),
  )

describe('google', () => {
  const given = { clientId: GOOGLE_CLIENT.id, clientSecret: GOOGLE_CLIENT.secret }
  beforeEach(async () => {
    idp = await startGoogleLike([REDIRECT], log)
    await addFromPreset('google', 'google', given, { authUrl: idp.issuer, apiUrl: idp.resourceUrl })
  })

  it('connects with access_type=offline, prompt=consent and PKCE, the ID token checked against the issuer', async () => {
    const authorize = await connect('google')
    expect(authorize.pathname).toBe('/o/oauth2/v2/auth')
    expect(authorize.searchParams.get('access_type')).toBe('offline')
    expect(authorize.searchParams.get('prompt')).toBe('consent')
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256')
    const stored = await loadRestDatasource(engine.store, 'google', 'test')
    expect(stored.auth).toMatchObject({ issuer: idp?.issuer, clientAuth: 'body' })
    const exchange = log.find((answer) => answer.grantType === 'authorization_code')
    expect(exchange?.body).toHaveProperty('id_token')
    expect((await connection('google'))?.status).toBe('connected')
  })

  it('without access_type=offline Google sends no refresh token, and Quarry says how to ask, storing nothing', async () => {
    const datasource = presetNamed('google').datasource('online', given, {
      redirectUri: REDIRECT,
      authUrl: idp?.issuer,
      apiUrl: idp?.resourceUrl,
    })
    if (datasource.auth.type !== 'oauth2-authorization-code') throw new Error('3LO expected')
    await engine.addDatasource({
      ...datasource,
      auth: { ...datasource.auth, authorizeParams: { prompt: 'consent' } },
    })
    const error = await refusal(connect('online'))
    expect(log.find((answer) => answer.grantType === 'authorization_code')?.body).not.toHaveProperty(
      'refresh_token',
    )
    expect(error.message).toContain('The provider sent no refresh token')
    expect(error.remedy?.cli).toContain('--authorize-param access_type=offline')
    expect(await connection('online')).toBeUndefined()
  })

  it('keeps the refresh token it holds when a refresh answers without one', async () => {
    await connect('google')
    const before = await connection('google')
    const [result] = await refreshIdle(engine.store, { olderThanMs: 0 })
    expect(result?.outcome).toBe('refreshed')
    const refresh = log.filter((answer) => answer.grantType === 'refresh_token')
    expect(refresh).toHaveLength(1)
    expect(refresh[0]?.body).not.toHaveProperty('refresh_token')
    const after = await connection('google')
    expect(after?.tokens.refresh_token).toBe(before?.tokens.refresh_token)
    expect(after?.tokens.access_token).not.toBe(before?.tokens.access_token)
    // Kept, it still works: a second refresh with the same refresh token.
    const [again] = await refreshIdle(engine.store, { olderThanMs: 0 })
    expect(again?.outcome).toBe('refreshed')
  })

  it("says Google's words when the refresh token is dead, and needs consent", async () => {
    await connect('google')
    const token = (await connection('google'))?.tokens.refresh_token as string
    await (await idp?.provider.RefreshToken.find(token))?.destroy()
    const [result] = await refreshIdle(engine.store, { olderThanMs: 0 })
    expect(result?.outcome).toBe('needs_consent')
    const stored = await connection('google')
    expect(stored?.status).toBe('needs_consent')
    expect(stored?.statusMessage).toContain('invalid_grant: Token has been expired or revoked.')
    expect(stored?.statusMessage).not.toContain(token)
  })

  it('runs its ready-made queries, following nextPageToken with pageToken', async () => {
    await connect('google')
    expect(await rows('google-events')).toEqual([
      expect.objectContaining({ Summary: 'Meeting 1', Start: '2026-12-01T09:00:00Z' }),
      expect.objectContaining({ Summary: 'Meeting 2' }),
      expect.objectContaining({ Summary: 'Meeting 3', Organizer: 'alice@example.com' }),
    ])
    expect(await rows('google-files')).toEqual([
      { Name: 'Plan.docx', Type: 'application/vnd.google-apps.document', Modified: '' },
    ])
  })
})

describe('entra', () => {
  const given = (tenant: string) => ({ clientId: ENTRA_CLIENT.id, clientSecret: ENTRA_CLIENT.secret, tenant })
  beforeEach(async () => {
    idp = await startEntraLike([REDIRECT], log)
  })
  const place = () => ({ authUrl: idp?.origin, apiUrl: `${idp?.resourceUrl}/v1.0` })

  it("connects to a tenant by its ID: the tenant's issuer, prompt=select_account, the ID token checked", async () => {
    await addFromPreset('entra', 'graph', given(ENTRA_TENANT), place())
    const authorize = await connect('graph')
    expect(authorize.pathname).toBe(`/${ENTRA_TENANT}/oauth2/v2.0/authorize`)
    expect(authorize.searchParams.get('prompt')).toBe('select_account')
    expect(authorize.searchParams.get('scope')?.split(' ')).toEqual(
      expect.arrayContaining(['openid', 'offline_access', 'User.Read']),
    )
    const stored = await loadRestDatasource(engine.store, 'graph', 'test')
    expect(stored.auth).toMatchObject({ issuer: `${idp?.origin}/${ENTRA_TENANT}/v2.0` })
    const exchange = log.find((answer) => answer.grantType === 'authorization_code')
    expect(exchange?.body).toMatchObject({ id_token: expect.any(String), ext_expires_in: expect.any(Number) })
    expect((await connection('graph'))?.status).toBe('connected')
  })

  it('connects through common without an ID token; with openid it names the issuer to set, storing nothing', async () => {
    await addFromPreset('entra', 'graph', given('common'), place())
    const authorize = await connect('graph')
    expect(authorize.pathname).toBe('/common/oauth2/v2.0/authorize')
    expect(authorize.searchParams.get('scope')?.split(' ')).not.toContain('openid')
    expect((await connection('graph'))?.status).toBe('connected')

    await addFromPreset('entra', 'graph-oidc', given('common'), {
      ...place(),
      scopes: 'openid offline_access User.Read',
    })
    const error = await refusal(connect('graph-oidc'))
    expect(error.code).toBe('QUARRY_OAUTH_ID_TOKEN_INVALID')
    expect(error.message).toContain(`It names issuer "${idp?.origin}/${ENTRA_TENANT}/v2.0"`)
    expect(error.message).toContain('Nothing was stored.')
    expect(await connection('graph-oidc')).toBeUndefined()
  })

  it('stores the new refresh token of every refresh, and says nothing of a lost grant (the old one stays valid)', async () => {
    await addFromPreset('entra', 'graph', given(ENTRA_TENANT), place())
    await connect('graph')
    const before = (await connection('graph'))?.tokens.refresh_token
    const [result] = await refreshIdle(engine.store, { olderThanMs: 0 })
    expect(result?.outcome).toBe('refreshed')
    const after = await connection('graph')
    expect(after?.tokens.refresh_token).not.toBe(before)
    expect(after?.statusMessage).toBeNull()
    // As Entra documents: the one sent is not revoked on use.
    expect(await idp?.provider.RefreshToken.find(before as string)).toBeDefined()
  })

  it('carries the AADSTS description of a refused client secret, never the secret', async () => {
    await addFromPreset(
      'entra',
      'graph',
      { ...given(ENTRA_TENANT), clientSecret: 'the-secret-id-not-its-value' },
      place(),
    )
    const error = await refusal(connect('graph'))
    expect(error.code).toBe('QUARRY_OAUTH_TOKEN_ERROR')
    expect(error.message).toContain('Token exchange failed')
    expect(error.message).toContain('invalid_client: AADSTS7000215: Invalid client secret provided.')
    expect(error.message).not.toContain('the-secret-id-not-its-value')
    // Entra's trace lines joined into the one message.
    expect(error.message).toContain('Invalid client secret provided. Ensure')
    expect(error.message).toContain(' Trace ID: 0000aaaa-11bb-cccc-dd22-eeeeee333333 Correlation ID:')
    expect(error.message).not.toMatch(/[\r\n]/)
    expect(error.message).toContain('Nothing was stored.')
  })

  it('marks a revoked grant as needing consent with its AADSTS description', async () => {
    await addFromPreset('entra', 'graph', given(ENTRA_TENANT), place())
    await connect('graph')
    const token = (await connection('graph'))?.tokens.refresh_token as string
    await (await idp?.provider.RefreshToken.find(token))?.destroy()
    const [result] = await refreshIdle(engine.store, { olderThanMs: 0 })
    expect(result?.outcome).toBe('needs_consent')
    expect((await connection('graph'))?.statusMessage).toContain('invalid_grant: AADSTS50173:')
  })

  it('runs its ready-made queries against Graph, following @odata.nextLink', async () => {
    await addFromPreset('entra', 'graph', given(ENTRA_TENANT), place())
    await connect('graph')
    expect(await rows('graph-me')).toEqual([
      {
        Name: 'Alice Example',
        Mail: 'alice@contoso.example',
        Login: 'alice@contoso.example',
        Title: 'Engineer',
      },
    ])
    expect(await rows('graph-messages')).toEqual([
      { Received: '2026-12-02 08:30', From: 'bob@contoso.example', Subject: 'Quarterly numbers', Read: 'no' },
      { Received: '2026-12-02 08:30', From: 'carol@contoso.example', Subject: 'Offsite', Read: 'no' },
    ])
  })
})

describe('gitlab', () => {
  const given = { clientId: GITLAB_CLIENT.id, clientSecret: GITLAB_CLIENT.secret }
  beforeEach(async () => {
    idp = await startGitLabLike([REDIRECT], log)
  })
  const add = () =>
    addFromPreset(
      'gitlab',
      'gitlab',
      { ...given, gitlabUrl: idp?.issuer },
      { apiUrl: `${idp?.resourceUrl}/api/v4` },
    )

  it('connects with PKCE to the instance as issuer; access tokens live 2 hours', async () => {
    await add()
    const authorize = await connect('gitlab')
    expect(authorize.pathname).toBe('/oauth/authorize')
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256')
    expect(authorize.searchParams.has('prompt')).toBe(false)
    const exchange = log.find((answer) => answer.grantType === 'authorization_code')
    expect(exchange?.body).toMatchObject({ expires_in: 7200, created_at: expect.any(Number) })
    const stored = await connection('gitlab')
    const life = (stored?.accessExpiresAt?.getTime() ?? 0) - (stored?.lastRefreshAt?.getTime() ?? 0)
    expect(life).toBe(7200_000)
  })

  it('rotates the refresh token on every refresh and says a lost answer would cost the grant', async () => {
    await add()
    await connect('gitlab')
    const before = (await connection('gitlab'))?.tokens.refresh_token
    const [result] = await refreshIdle(engine.store, { olderThanMs: 0 })
    expect(result?.outcome).toBe('refreshed')
    const after = await connection('gitlab')
    expect(after?.tokens.refresh_token).not.toBe(before)
    expect(after?.statusMessage).toBe(NO_REUSE_GRACE)
  })

  it("marks a revoked refresh token as needing consent with Doorkeeper's description", async () => {
    await add()
    await connect('gitlab')
    const current = await connection('gitlab')
    // The one sent before a rotation: GitLab revoked it.
    await refreshIdle(engine.store, { olderThanMs: 0 })
    await engine.store.connections.withLock('gitlab', (_now, save) =>
      save({ ...(current as NonNullable<typeof current>), accessExpiresAt: new Date(0) }),
    )
    const [result] = await refreshIdle(engine.store, { olderThanMs: 0 })
    expect(result?.outcome).toBe('needs_consent')
    expect((await connection('gitlab'))?.statusMessage).toContain(
      `invalid_grant: ${DOORKEEPER_INVALID_GRANT}`,
    )
  })

  it('runs its ready-made queries, following the Link header, with a project path encoded', async () => {
    await add()
    await connect('gitlab')
    expect((await rows('gitlab-projects')).map((row) => row.Project)).toEqual([
      'group/project-1',
      'group/project-2',
      'group/project-3',
    ])
    const issues = await runQuery(engine, { query: 'gitlab-issues', params: { project: 'group/project-1' } })
    expect(JSON.parse(issues.rowsJson)).toEqual([
      {
        Ref: 'group/project-1#7',
        Title: 'Fix the login',
        State: 'opened',
        Author: 'alice',
        Assignee: 'bob',
        Updated: '2026-12-02 09:15',
      },
    ])
    expect((await rows('gitlab-merge-requests'))[0]).toMatchObject({ Title: 'Add presets' })
  })
})

describe('the registry', () => {
  it.each(['google', 'entra', 'gitlab'])('lists %s with its form and queries', (name) => {
    const preset = presetNamed(name)
    expect(preset.form.fields.map((field) => field.key)).toEqual(
      expect.arrayContaining(['clientId', 'clientSecret']),
    )
    expect(preset.queries('x').length).toBeGreaterThan(0)
  })
})
