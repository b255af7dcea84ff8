import { createHash } from 'node:crypto'
import { chmodSync, existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { inspect } from 'node:util'
import { describe, expect, test, vi } from 'vitest'
import { StoreError } from '../../src/store/index.js'
import { keyIdOf, parseSecretKey, SecretBox } from '../../src/store/secrets.js'
import { connectionInput, DIALECTS, OTHER_KEY, TEST_KEY, useStoreTarget } from './harness.js'

const TOKEN = 'tok-SECRET-123'
const REFRESH = 'rt-SECRET-456'
const CLIENT_SECRET = 'cs-SECRET-789'

describe('secret envelopes', () => {
  const box = new SecretBox(parseSecretKey(TEST_KEY, 'test'), 'test')

  test('have the form v1.<keyId>.<iv>.<tag>.<ciphertext> with a 12-byte IV and a 16-byte tag', () => {
    const envelope = box.encrypt('hello', 'ctx')
    const [version, keyId, iv, tag, ciphertext] = envelope.split('.')
    expect(version).toBe('v1')
    expect(keyId).toBe(createHash('sha256').update(Buffer.from(TEST_KEY, 'base64')).digest('hex').slice(0, 8))
    expect(Buffer.from(iv ?? '', 'base64url')).toHaveLength(12)
    expect(Buffer.from(tag ?? '', 'base64url')).toHaveLength(16)
    expect(Buffer.from(ciphertext ?? '', 'base64url')).toHaveLength(5)
    for (const part of [iv, tag, ciphertext]) expect(part).toMatch(/^[A-Za-z0-9_-]*$/)
    expect(box.decrypt(envelope, 'ctx', 'x')).toBe('hello')
  })

  test('use a fresh IV for every value', () => {
    expect(box.encrypt('same', 'ctx')).not.toBe(box.encrypt('same', 'ctx'))
  })

  test('a changed bit, a different context or a truncated envelope is QUARRY_SECRET_CORRUPT, never garbage', () => {
    const envelope = box.encrypt('hello world', 'ctx')
    const parts = envelope.split('.')
    const body = Buffer.from(parts[4] ?? '', 'base64url')
    body[0] = (body[0] ?? 0) ^ 1
    const flipped = [...parts.slice(0, 4), body.toString('base64url')].join('.')
    for (const [value, context] of [
      [flipped, 'ctx'],
      [envelope, 'other-ctx'],
      [parts.slice(0, 4).join('.'), 'ctx'],
      ['plain text', 'ctx'],
    ] as const) {
      const error = (() => {
        try {
          return box.decrypt(value, context, 'the test value')
        } catch (e) {
          return e
        }
      })()
      expect(error).toBeInstanceOf(StoreError)
      expect(error).toMatchObject({
        code: 'QUARRY_SECRET_CORRUPT',
        message: expect.stringMatching(/^The test value/),
      })
    }
  })

  test('an envelope of another key is QUARRY_SECRET_KEY_MISMATCH naming both key ids', () => {
    const other = new SecretBox(parseSecretKey(OTHER_KEY, 'other'), 'QUARRY_SECRET_KEY')
    expect(() => other.decrypt(box.encrypt('x', 'ctx'), 'ctx', 'the value')).toThrow(
      expect.objectContaining({
        code: 'QUARRY_SECRET_KEY_MISMATCH',
        message: `The value was encrypted with key ${box.keyId}, but the current key (from QUARRY_SECRET_KEY) is ${other.keyId}. Set QUARRY_SECRET_KEY to the original key.`,
      }),
    )
  })

  test('the key never shows in inspection or JSON', () => {
    const key = Buffer.from(TEST_KEY, 'base64')
    const shown = `${JSON.stringify(box)} ${inspect(box, { showHidden: true, depth: 5 })}`
    expect(shown).not.toContain(key.toString('hex'))
    expect(shown).not.toContain(TEST_KEY)
  })
})

describe('parseSecretKey', () => {
  const bytes = Buffer.alloc(32, 0xab)

  test('accepts 64 hex characters, base64 and base64url of 32 bytes, trimming whitespace', () => {
    expect(parseSecretKey(bytes.toString('hex'), 's')).toEqual(bytes)
    expect(parseSecretKey(bytes.toString('hex').toUpperCase(), 's')).toEqual(bytes)
    expect(parseSecretKey(`${bytes.toString('base64')}\n`, 's')).toEqual(bytes)
    expect(parseSecretKey(bytes.toString('base64url'), 's')).toEqual(bytes)
    expect(keyIdOf(bytes)).toMatch(/^[0-9a-f]{8}$/)
  })

  test.each([
    ['too short', 'abc'],
    ['31 bytes', Buffer.alloc(31, 1).toString('base64')],
    ['33 bytes', Buffer.alloc(33, 1).toString('base64')],
    ['63 hex characters', 'a'.repeat(63)],
    ['not base64', `${'!'.repeat(43)}=`],
    ['a passphrase', 'correct horse battery staple'],
  ])('refuses %s with the expected format and how to make a key, never echoing it', (_name, text) => {
    const error = (() => {
      try {
        return parseSecretKey(text, 'QUARRY_SECRET_KEY')
      } catch (e) {
        return e
      }
    })()
    expect(error).toBeInstanceOf(StoreError)
    const { code, message } = error as StoreError
    expect(code).toBe('QUARRY_SECRET_KEY_INVALID')
    expect(message).toContain('QUARRY_SECRET_KEY is not a valid secret key')
    expect(message).toContain('base64 (44 characters) or as 64 hex characters')
    expect(message).toContain('openssl rand -base64 32')
    expect(message).not.toContain(text)
  })
})

for (const dialect of DIALECTS) {
  describe(`secrets at rest (${dialect})`, () => {
    const target = useStoreTarget(dialect)

    test('grep: no token or secret appears anywhere in the database', async () => {
      const store = await target().open()
      await store.datasources.create({
        name: 'jira',
        type: 'rest',
        config: { baseUrl: 'https://plain-config.example' },
        secrets: { clientSecret: CLIENT_SECRET },
      })
      await store.connections.put('jira', connectionInput({ access_token: TOKEN, refresh_token: REFRESH }))
      await store.connections.withLock('jira', (_c, save) =>
        save(connectionInput({ access_token: `${TOKEN}-2`, refresh_token: `${REFRESH}-2` })),
      )
      // While open (SQLite: the rows are still in the -wal file) and after close (checkpointed).
      const whileOpen = await target().rawText()
      await store.close()
      for (const raw of [whileOpen, await target().rawText()]) {
        // The grep can see plain data, so not finding a secret means something.
        expect(raw).toContain('https://plain-config.example')
        expect(raw).toContain('read:jira-work offline_access')
        for (const secret of [TOKEN, REFRESH, CLIENT_SECRET, 'SECRET']) expect(raw).not.toContain(secret)
        expect(raw).toMatch(/v1\.[0-9a-f]{8}\./)
      }
    })

    test('a store opened with another key is QUARRY_SECRET_KEY_MISMATCH naming both keys', async () => {
      const first = await target().open({ secretKey: TEST_KEY })
      await first.datasources.create({
        name: 'jira',
        type: 'rest',
        config: {},
        secrets: { s: CLIENT_SECRET },
      })
      await first.close()
      const right = new SecretBox(parseSecretKey(TEST_KEY, 'x'), 'x').keyId
      const wrong = new SecretBox(parseSecretKey(OTHER_KEY, 'x'), 'x').keyId

      const error = await target()
        .open({ secretKey: OTHER_KEY })
        .catch((e: unknown) => e)
      expect(error).toBeInstanceOf(StoreError)
      expect(error).toMatchObject({ code: 'QUARRY_SECRET_KEY_MISMATCH' })
      const { message } = error as StoreError
      expect(message).toContain(`was encrypted with key ${right}, but the current key`)
      expect(message).toContain(`is ${wrong}. Set QUARRY_SECRET_KEY to the original key.`)

      // the same through the environment
      vi.stubEnv('QUARRY_SECRET_KEY', OTHER_KEY)
      await expect(target().open()).rejects.toMatchObject({
        code: 'QUARRY_SECRET_KEY_MISMATCH',
        message: expect.stringContaining('(from QUARRY_SECRET_KEY)'),
      })
      // and the right key still opens it
      vi.stubEnv('QUARRY_SECRET_KEY', TEST_KEY)
      const again = await target().open()
      expect((await again.datasources.get('jira'))?.secrets).toEqual({ s: CLIENT_SECRET })
    })

    test('a malformed QUARRY_SECRET_KEY is a clear error', async () => {
      vi.stubEnv('QUARRY_SECRET_KEY', 'not-a-key')
      await expect(target().open()).rejects.toMatchObject({
        code: 'QUARRY_SECRET_KEY_INVALID',
        message: expect.stringMatching(
          /^QUARRY_SECRET_KEY is not a valid secret key: expected 32 random bytes .*openssl rand -base64 32$/,
        ),
      })
    })

    test('the secretKey option overrides QUARRY_SECRET_KEY', async () => {
      vi.stubEnv('QUARRY_SECRET_KEY', 'not-a-key')
      const store = await target().open({ secretKey: TEST_KEY })
      await store.datasources.create({ name: 'jira', type: 'rest', config: {}, secrets: { s: '1' } })
      expect((await store.datasources.get('jira'))?.secrets).toEqual({ s: '1' })
    })

    test('QUARRY_SECRET_KEY in hex works and no key file is created', async () => {
      vi.stubEnv('QUARRY_SECRET_KEY', Buffer.from(TEST_KEY, 'base64').toString('hex'))
      const store = await target().open()
      await store.datasources.create({ name: 'jira', type: 'rest', config: {}, secrets: { s: '1' } })
      expect(existsSync(join(target().dataDir, 'secret.key'))).toBe(false)
      await store.close()
      // the same key in base64 opens the store
      expect(await target().open({ secretKey: TEST_KEY })).toBeDefined()
    })

    test('without a key, a key file is created on first use with mode 0600 and reused', async () => {
      const store = await target().open()
      await store.datasources.create({
        name: 'jira',
        type: 'rest',
        config: {},
        secrets: { s: CLIENT_SECRET },
      })
      await store.close()
      const path = join(target().dataDir, 'secret.key')
      expect(statSync(path).mode & 0o777).toBe(0o600)
      const text = readFileSync(path, 'utf8')
      expect(parseSecretKey(text, 'file')).toHaveLength(32)
      const reopened = await target().open()
      expect((await reopened.datasources.get('jira'))?.secrets).toEqual({ s: CLIENT_SECRET })
      expect(readFileSync(path, 'utf8')).toBe(text)
    })

    test('a key file others can read is refused with how to fix it', async () => {
      await (await target().open()).close()
      const path = join(target().dataDir, 'secret.key')
      chmodSync(path, 0o644)
      await expect(target().open()).rejects.toMatchObject({
        code: 'QUARRY_SECRET_KEY_FILE',
        message: expect.stringContaining(`(mode 644); refusing to use it. Run: chmod 600 ${path}`),
      })
      chmodSync(path, 0o600)
      expect(await target().open()).toBeDefined()
    })

    test('a malformed key file names the file', async () => {
      const path = join(target().dataDir, 'secret.key')
      writeFileSync(path, 'garbage\n', { mode: 0o600 })
      await expect(target().open()).rejects.toMatchObject({
        code: 'QUARRY_SECRET_KEY_INVALID',
        message: expect.stringContaining(`the key file ${path} is not a valid secret key`),
      })
    })

    test('a missing key file for a store with secrets is a clear error, not a new key', async () => {
      const store = await target().open()
      await store.datasources.create({
        name: 'jira',
        type: 'rest',
        config: {},
        secrets: { s: CLIENT_SECRET },
      })
      await store.close()
      const path = join(target().dataDir, 'secret.key')
      rmSync(path)
      const error = await target()
        .open()
        .catch((e: unknown) => e)
      expect(error).toMatchObject({ code: 'QUARRY_SECRET_KEY_MISSING' })
      expect((error as Error).message).toMatch(
        new RegExp(
          `holds secrets encrypted with key [0-9a-f]{8}, but no key was found: .*key file ${path} does not exist`,
        ),
      )
      expect(existsSync(path)).toBe(false)
    })

    test('a tampered secret in the database is QUARRY_SECRET_CORRUPT, not garbage', async () => {
      const store = await target().open()
      await store.datasources.create({
        name: 'jira',
        type: 'rest',
        config: {},
        secrets: { s: CLIENT_SECRET },
      })
      await store.datasources.create({ name: 'other', type: 'rest', config: {}, secrets: { s: 'other' } })
      await store.connections.put('jira', connectionInput({ access_token: TOKEN }))
      // Swap in another row's envelope (valid, same key, wrong place) and damage a token envelope.
      await target().exec(
        `update datasources set secrets = (select secrets from datasources where name = 'other') where name = 'jira'`,
      )
      expect((await store.datasources.get('jira'))?.secrets).toEqual({ s: 'other' }) // same kind: still opens
      await target().exec(
        `update datasources set secrets = (select tokens from connections) where name = 'jira'`,
      )
      await expect(store.datasources.get('jira')).rejects.toMatchObject({
        code: 'QUARRY_SECRET_CORRUPT',
        message: expect.stringContaining('The secrets of datasource "jira" could not be decrypted'),
      })
      await target().exec(`update connections set tokens = replace(tokens, 'v1.', 'v1.x')`)
      await expect(store.connections.get('jira')).rejects.toMatchObject({ code: 'QUARRY_SECRET_CORRUPT' })
    })
  })
}
