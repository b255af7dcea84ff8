import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto'
import { StoreError } from './errors.js'

const KEY_BYTES = 32
const IV_BYTES = 12 // the size GCM is specified for (NIST SP 800-38D §8.2); random per value
const TAG_BYTES = 16
const VERSION = 'v1'

/** How to make a key; every key error repeats it. */
export const MAKE_A_KEY = 'Make one with: openssl rand -base64 32'

/**
 * Reads a 256-bit key written as 64 hex characters or as base64 / base64url of 32 bytes (surrounding
 * whitespace ignored). Anything else is a StoreError QUARRY_SECRET_KEY_INVALID that names `source`
 * and the expected format, and never echoes the value.
 *
 * @example
 * parseSecretKey('0'.repeat(64), 'QUARRY_SECRET_KEY').length // 32
 */
export function parseSecretKey(text: string, source: string): Buffer {
  const trimmed = text.trim()
  if (/^[0-9a-f]{64}$/i.test(trimmed)) return Buffer.from(trimmed, 'hex')
  // Buffer.from(…, 'base64') skips characters it does not know, so check the alphabet first.
  if (/^[A-Za-z0-9+/_-]+={0,2}$/.test(trimmed)) {
    const key = Buffer.from(trimmed, 'base64')
    if (key.length === KEY_BYTES) return key
  }
  throw new StoreError(
    'QUARRY_SECRET_KEY_INVALID',
    `${source} is not a valid secret key: expected 32 random bytes written as base64 (44 characters) or ` +
      `as 64 hex characters, got ${trimmed.length} characters. ${MAKE_A_KEY}`,
  )
}

/**
 * A new random key, as the base64 text a key file or QUARRY_SECRET_KEY holds.
 *
 * @example
 * parseSecretKey(generateSecretKey(), 'new key').length // 32
 */
export function generateSecretKey(): string {
  return randomBytes(KEY_BYTES).toString('base64')
}

/**
 * A key's public name: the first 8 hex characters of its SHA-256. Shown in messages so that two keys
 * can be told apart without showing either.
 *
 * @example
 * keyIdOf(Buffer.alloc(32)) // '66687aad'
 */
export function keyIdOf(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 8)
}

/**
 * The key id an envelope was sealed with, or undefined when `envelope` is not one.
 *
 * @example
 * envelopeKeyId(box.encrypt('x', 'test')) === box.keyId // true
 */
export function envelopeKeyId(envelope: string): string | undefined {
  const parts = envelope.split('.')
  return parts.length === 5 && parts[0] === VERSION ? parts[1] : undefined
}

/**
 * Seals and opens secret values with AES-256-GCM: `v1.<keyId>.<iv>.<tag>.<ciphertext>`, base64url
 * parts, a fresh random IV per value. `context` is bound in as additional authenticated data, so an
 * envelope copied from one kind of field into another fails to open instead of decrypting there.
 * Failing to open is always a StoreError (wrong key, or damaged value), never a raw crypto error and
 * never garbage: GCM's tag authenticates every bit.
 *
 * @example
 * const box = new SecretBox(parseSecretKey(process.env.QUARRY_SECRET_KEY ?? '', 'QUARRY_SECRET_KEY'), 'QUARRY_SECRET_KEY')
 * const sealed = box.encrypt('tok-123', 'connection-tokens')
 * box.decrypt(sealed, 'connection-tokens', 'the tokens of jira') // 'tok-123'
 */
export class SecretBox {
  /** The id of the key new values are sealed with. */
  keyId: string
  /** The id of the key the box was made with (configured), whatever it seals with now. */
  readonly ownKeyId: string
  /** Where the key came from, for messages ("QUARRY_SECRET_KEY", "the key file …"). */
  readonly source: string
  // Private fields: util.inspect and JSON.stringify of the box never show a key.
  #key: Buffer
  /**
   * Every key this box can open values with, by id: its own, and during a key rotation the other
   * one (`quarry secrets rotate-key` leaves each sealed under the other in the store, secret-key.ts).
   */
  readonly #ring = new Map<string, Buffer>()

  constructor(key: Buffer, source: string) {
    if (key.length !== KEY_BYTES)
      throw new TypeError(`a secret key has ${KEY_BYTES} bytes, got ${key.length}`)
    this.#key = Buffer.from(key)
    this.keyId = keyIdOf(key)
    this.ownKeyId = this.keyId
    this.source = source
    this.#ring.set(this.keyId, this.#key)
  }

  /** Lets the box open values sealed with `key` too (a key rotation's other key). */
  addKey(key: Buffer): void {
    if (key.length !== KEY_BYTES)
      throw new TypeError(`a secret key has ${KEY_BYTES} bytes, got ${key.length}`)
    this.#ring.set(keyIdOf(key), Buffer.from(key))
  }

  /** True when the box can open values sealed with the key `keyId`. */
  knows(keyId: string): boolean {
    return this.#ring.has(keyId)
  }

  /** The ids of every key the box can open values with. */
  keyIds(): string[] {
    return [...this.#ring.keys()]
  }

  /** Seals new values with the key `keyId` from now on (it must be known). The rotation's switch. */
  sealWith(keyId: string): void {
    const key = this.#ring.get(keyId)
    if (key === undefined) throw new TypeError(`the key ${keyId} is not in this box`)
    this.#key = key
    this.keyId = keyId
  }

  /** A copy of the key `keyId` (known to the box), for sealing it under another key. */
  keyById(keyId: string): Buffer | undefined {
    const key = this.#ring.get(keyId)
    return key === undefined ? undefined : Buffer.from(key)
  }

  /**
   * The key itself, as key files hold it. Only `quarry backup --include-key` asks, to put it in a
   * backup file the operator chose to make as secret as the key.
   */
  exportKey(): string {
    return this.#key.toString('base64')
  }

  encrypt(plaintext: string, context: string): string {
    const iv = randomBytes(IV_BYTES)
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv, { authTagLength: TAG_BYTES })
    cipher.setAAD(Buffer.from(context, 'utf8'))
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()])
    const parts = [iv, cipher.getAuthTag(), ciphertext].map((part) => part.toString('base64url'))
    return [VERSION, this.keyId, ...parts].join('.')
  }

  /** `what` names the value in messages, e.g. "the secrets of datasource jira". */
  decrypt(envelope: string, context: string, what: string): string {
    const parts = envelope.split('.')
    const [version, keyId, iv, tag, ciphertext] = parts
    if (
      parts.length !== 5 ||
      version !== VERSION ||
      keyId === undefined ||
      !/^[0-9a-f]{8}$/.test(keyId) ||
      iv === undefined ||
      tag === undefined ||
      ciphertext === undefined
    ) {
      throw new StoreError(
        'QUARRY_SECRET_CORRUPT',
        `${capitalise(what)} in the store is not an encrypted value Quarry wrote (it was altered or damaged). ` +
          `Set the secret again.`,
      )
    }
    const key = this.#ring.get(keyId)
    if (key === undefined) throw this.mismatch(keyId, what)
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'), {
        authTagLength: TAG_BYTES,
      })
      decipher.setAAD(Buffer.from(context, 'utf8'))
      decipher.setAuthTag(Buffer.from(tag, 'base64url'))
      return Buffer.concat([
        decipher.update(Buffer.from(ciphertext, 'base64url')),
        decipher.final(),
      ]).toString('utf8')
    } catch (error) {
      throw new StoreError(
        'QUARRY_SECRET_CORRUPT',
        `${capitalise(what)} could not be decrypted with key ${keyId}: the stored value was altered or ` +
          `damaged. Set the secret again.`,
        { cause: error },
      )
    }
  }

  /** Seals a map of secret strings as one envelope. */
  encryptMap(values: Readonly<Record<string, string>>, context: string): string {
    for (const [name, value] of Object.entries(values)) {
      if (typeof value !== 'string')
        throw new TypeError(`secret "${name}" must be a string, got ${typeof value}`)
    }
    return this.encrypt(JSON.stringify(values), context)
  }

  /** Opens a map sealed by encryptMap, frozen. */
  decryptMap(envelope: string, context: string, what: string): Readonly<Record<string, string>> {
    return Object.freeze(JSON.parse(this.decrypt(envelope, context, what)) as Record<string, string>)
  }

  /** The error for a value sealed with another key than this box's. */
  mismatch(storedKeyId: string, what: string): StoreError {
    return new StoreError(
      'QUARRY_SECRET_KEY_MISMATCH',
      `${capitalise(what)} was encrypted with key ${storedKeyId}, but the current key (from ${this.source}) is ` +
        `${this.keyId}. Set QUARRY_SECRET_KEY to the original key.`,
    )
  }
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1)
}
