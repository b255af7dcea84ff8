import { createCipheriv, createDecipheriv, randomBytes, scrypt as scryptCallback } from 'node:crypto'
import { promisify } from 'node:util'
import { z } from 'zod'
import { QuarryError } from './errors.js'

/**
 * The whole configuration as one document, for `quarry export` / `quarry import`:
 * datasources (secrets blanked), named converters and templates, and queries in clear, and — only when asked —
 * the secrets and OAuth connections encrypted with a passphrase (scrypt +
 * AES-256-GCM), so a file on a laptop or in a ticket never carries them in clear.
 */

export const CONFIG_DOCUMENT_VERSION = 1

const scrypt = promisify(scryptCallback) as (
  password: string,
  salt: Buffer,
  keylen: number,
  options: object,
) => Promise<Buffer>
/** scrypt cost: about 0.1 s on the project machine; exports are rare, guesses should be dear. */
const SCRYPT = { N: 2 ** 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 }

const EncryptedSchema = z.object({
  cipher: z.literal('aes-256-gcm'),
  kdf: z.literal('scrypt'),
  salt: z.string(),
  iv: z.string(),
  tag: z.string(),
  data: z.string(),
})

export const ConfigDocumentSchema = z.object({
  quarry: z.literal(CONFIG_DOCUMENT_VERSION),
  exportedAt: z.string(),
  datasources: z.array(z.record(z.string(), z.unknown())),
  queries: z.array(z.record(z.string(), z.unknown())),
  /** The converter and template libraries (issue 13); absent in exports made before they existed. */
  converters: z.array(z.record(z.string(), z.unknown())).default([]),
  templates: z.array(z.record(z.string(), z.unknown())).default([]),
  /** Dashboards (issue 17); absent in exports made before they existed. */
  dashboards: z.array(z.record(z.string(), z.unknown())).default([]),
  secrets: EncryptedSchema.nullable(),
  /** Server settings an admin makes in the admin UI; absent in exports made before they existed. */
  settings: z.object({ embedOrigins: z.array(z.string()).default([]) }).optional(),
})
export type ConfigDocument = z.infer<typeof ConfigDocumentSchema>

/** What the encrypted part holds: per datasource, its secrets and its connection's stored form. */
export const SecretPayloadSchema = z.object({
  datasources: z.record(z.string(), z.record(z.string(), z.string())),
  connections: z.record(z.string(), z.record(z.string(), z.unknown())),
})
export type SecretPayload = z.infer<typeof SecretPayloadSchema>

export async function encryptSecrets(
  payload: SecretPayload,
  passphrase: string,
): Promise<ConfigDocument['secrets']> {
  const salt = randomBytes(16)
  const iv = randomBytes(12)
  const key = await scrypt(passphrase, salt, 32, SCRYPT)
  const cipher = createCipheriv('aes-256-gcm', key, iv)
  const data = Buffer.concat([cipher.update(JSON.stringify(payload), 'utf8'), cipher.final()])
  return {
    cipher: 'aes-256-gcm',
    kdf: 'scrypt',
    salt: salt.toString('base64'),
    iv: iv.toString('base64'),
    tag: cipher.getAuthTag().toString('base64'),
    data: data.toString('base64'),
  }
}

export async function decryptSecrets(
  secrets: NonNullable<ConfigDocument['secrets']>,
  passphrase: string,
): Promise<SecretPayload> {
  const key = await scrypt(passphrase, Buffer.from(secrets.salt, 'base64'), 32, SCRYPT)
  let text: string
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(secrets.iv, 'base64'))
    decipher.setAuthTag(Buffer.from(secrets.tag, 'base64'))
    text = Buffer.concat([decipher.update(Buffer.from(secrets.data, 'base64')), decipher.final()]).toString(
      'utf8',
    )
  } catch (error) {
    throw new QuarryError(
      'QUARRY_CONFIG_INVALID',
      'The passphrase does not open the secrets in this export (or the file was changed). Check QUARRY_EXPORT_PASSPHRASE.',
      { cause: error },
    )
  }
  const parsed = SecretPayloadSchema.safeParse(JSON.parse(text))
  if (!parsed.success) {
    throw new QuarryError(
      'QUARRY_CONFIG_INVALID',
      'The secrets in this export are not in the expected shape.',
    )
  }
  return parsed.data
}
