import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { strategyOf } from '../../src/auth/index.js'
import { authSchema } from '../../src/domain/auth-kinds/auth-schema.js'
import {
  AUTH_KINDS,
  AUTH_KIND_LIST,
  AUTH_TYPES,
  SECRET_AUTH_FIELDS,
  authFlags,
  authFromFlags,
  authRegistry,
  defineAuthKind,
  flagKey,
  freshAuth,
} from '../../src/domain/auth-kinds/index.js'
import { datasourceFromFlags } from '../../src/cli/datasource-input.js'
import { startTestEngine, type TestEngine } from '../helpers/engine.js'

/** A kind no datasource has: a signed header, described like its siblings in src/domain/auth-kinds/. */
const signedHeaderAuth = defineAuthKind({
  type: 'signed-header',
  label: 'Signed header',
  fields: {
    keyId: { input: 'text', label: 'Key ID', flag: '--key-id <id>', help: 'signed-header: the key id' },
    signature: {
      input: 'secret',
      label: 'Signature',
      flag: '--signature <value>',
      help: 'signed-header: the signature (secret)',
    },
    algorithm: {
      input: 'choice',
      choices: [
        { value: 'hmac-sha256', label: 'HMAC-SHA256' },
        { value: 'ed25519', label: 'Ed25519' },
      ],
      default: 'hmac-sha256',
      label: 'Algorithm',
      flag: '--algorithm <name>',
      help: 'signed-header: hmac-sha256 (default) or ed25519',
    },
  },
  strategy: {
    sends: (auth) => ({
      headers: {
        'x-signature': `keyId=${auth.keyId},algorithm=${auth.algorithm},signature=${auth.signature}`,
      },
      query: {},
    }),
  },
})
const kinds = [...AUTH_KIND_LIST, signedHeaderAuth] as const
const registry = authRegistry(kinds)

let engine: TestEngine
beforeAll(async () => {
  engine = await startTestEngine()
})
afterAll(async () => {
  await engine.close()
})

describe('a kind added to the auth-kind registry', () => {
  it('is in the registry under its type', () => {
    expect(Object.keys(registry)).toEqual([...AUTH_TYPES, 'signed-header'])
    expect(registry['signed-header'].label).toBe('Signed header')
  })

  it('gets a CLI flag per field, after the flags of the kinds before it', () => {
    const flags = authFlags(kinds)
    expect(flags.slice(-3)).toEqual([
      { flag: '--key-id <id>', help: 'signed-header: the key id' },
      { flag: '--signature <value>', help: 'signed-header: the signature (secret)' },
      { flag: '--algorithm <name>', help: 'signed-header: hmac-sha256 (default) or ed25519' },
    ])
    expect(flags.map((flag) => flagKey(flag.flag)).slice(-3)).toEqual(['keyId', 'signature', 'algorithm'])
  })

  it('is built from its flags and validated by the schema derived from it', () => {
    const schema = authSchema(kinds)
    const given = authFromFlags(signedHeaderAuth, { keyId: 'k-1', signature: 's3cret-signature' })
    expect(schema.parse(given)).toEqual({
      type: 'signed-header',
      keyId: 'k-1',
      signature: 's3cret-signature',
      algorithm: 'hmac-sha256',
    })
    const missing = schema.safeParse(authFromFlags(signedHeaderAuth, { keyId: 'k-1' }))
    expect(missing.success).toBe(false)
    expect(missing.error?.issues[0]?.path).toEqual(['signature'])
    expect(schema.safeParse({ ...given, algorithm: 'md5' }).success).toBe(false)
  })

  it('starts in the admin UI with its fields empty and its defaults set', () => {
    expect(freshAuth(signedHeaderAuth, { type: 'none' }, 'https://quarry.example')).toEqual({
      type: 'signed-header',
      keyId: '',
      signature: '',
      algorithm: 'hmac-sha256',
    })
  })

  it('authenticates requests with the strategy its description gives, its header sensitive', async () => {
    const auth = authSchema(kinds).parse({ type: 'signed-header', keyId: 'k-1', signature: 'sig' })
    const strategy = strategyOf(signedHeaderAuth, auth, {
      datasource: 'api',
      connections: engine.store.connections,
    })
    expect(await strategy.credentials()).toEqual({
      headers: { 'x-signature': 'keyId=k-1,algorithm=hmac-sha256,signature=sig' },
      query: {},
    })
    expect(strategy.sensitiveHeaders).toEqual(['x-signature'])
    expect(await strategy.rejected(401, await strategy.credentials())).toBe(false)
  })
})

describe('the registered auth kinds', () => {
  it('are none, basic, api-key, bearer and the two OAuth 2.0 grants', () => {
    expect(AUTH_TYPES).toEqual([
      'none',
      'basic',
      'api-key',
      'bearer',
      'oauth2-client-credentials',
      'oauth2-authorization-code',
    ])
  })

  it('name their secret fields, which the store encrypts', () => {
    expect(SECRET_AUTH_FIELDS).toEqual(['password', 'value', 'token', 'clientSecret', 'clientKey'])
  })

  it('share a flag only with one description of it', () => {
    const helps = new Map<string, Set<string>>()
    for (const kind of AUTH_KIND_LIST) {
      for (const field of Object.values(kind.fields as Record<string, { flag: string; help: string }>))
        helps.set(field.flag, (helps.get(field.flag) ?? new Set()).add(field.help))
    }
    for (const [flag, help] of helps) expect({ flag, help: help.size }).toEqual({ flag, help: 1 })
  })

  it('send Basic credentials as UTF-8 (RFC 7617 §2.1)', async () => {
    const strategy = strategyOf(
      AUTH_KINDS.basic,
      { type: 'basic', username: 'jürgen', password: 'pässword' },
      { datasource: 'api', connections: engine.store.connections },
    )
    const expected = Buffer.from('jürgen:pässword', 'utf8').toString('base64')
    expect((await strategy.credentials()).headers).toEqual({ authorization: `Basic ${expected}` })
  })

  it('put an API key in the query without marking a header sensitive', async () => {
    const strategy = strategyOf(
      AUTH_KINDS['api-key'],
      { type: 'api-key', in: 'query', name: 'api_key', value: 'k' },
      { datasource: 'api', connections: engine.store.connections },
    )
    expect(await strategy.credentials()).toEqual({ headers: {}, query: { api_key: 'k' } })
    expect(strategy.sensitiveHeaders).toEqual([])
  })

  it('keep the fields of the same kind when the CLI edits one of them', () => {
    const base = datasourceFromFlags('api', {
      url: 'https://api.example',
      auth: 'api-key',
      keyName: 'X-Key',
      key: 'k-1',
    })
    expect(base.type === 'rest' && base.auth).toEqual({
      type: 'api-key',
      in: 'header',
      name: 'X-Key',
      value: 'k-1',
    })
    const edited = datasourceFromFlags('api', { key: 'k-2' }, base)
    expect(edited.type === 'rest' && edited.auth).toEqual({
      type: 'api-key',
      in: 'header',
      name: 'X-Key',
      value: 'k-2',
    })
  })
})
