import { join } from 'node:path'
import type { Kysely } from 'kysely'
import { StoreError } from './errors.js'
import { KEY_FILE_NAME, createKeyFile, ensureDataDir, readKeyFile } from './key-file.js'
import { retryWhileBusy } from './retry.js'
import type { Database } from './schema.js'
import { SecretBox, envelopeKeyId, generateSecretKey, parseSecretKey } from './secrets.js'

/** Meta rows `secret_key_ring:<id>`: during a key rotation, each key sealed under the other. */
export const KEY_RING_PREFIX = 'secret_key_ring:'
/** Additional authenticated data of a key sealed in the ring. */
export const KEY_RING_CONTEXT = 'key-ring'

/** The meta row that proves which key the store's secrets were sealed with. */
export const KEY_CHECK_ROW = 'secret_key_check'
const CHECK_ROW = KEY_CHECK_ROW
const CHECK_CONTEXT = 'key-check'
const CHECK_TEXT = 'quarry secret key check'

/**
 * Finds the secret key and proves it is the store's. The key comes from, in order: the `secretKey`
 * option, QUARRY_SECRET_KEY, the key file `secret.key` in `dataDir` — created on first use, unless the
 * store already holds secrets sealed with some key (a new key could not open them: say so instead).
 * On first open the store records a check value (a sealed constant) in `meta`; every later open must
 * be able to open it, so a wrong key is refused up front with both key ids, never discovered later as
 * undecryptable values.
 *
 * @example
 * const box = await loadSecretBox(db, { dataDir: defaultDataDir(), where: '/tmp/quarry.db', busyTimeoutMs: 30_000 })
 */
export async function loadSecretBox(
  db: Kysely<Database>,
  options: { secretKey?: string; dataDir: string; where: string; busyTimeoutMs: number },
): Promise<SecretBox> {
  const busy = (cause: unknown) =>
    new StoreError(
      'QUARRY_STORE_BUSY',
      `The SQLite store ${options.where} stayed locked by another process for ${options.busyTimeoutMs / 1000} s ` +
        `while opening it. Try again.`,
      { cause },
    )
  const readCheck = () =>
    retryWhileBusy(
      async () =>
        (await db.selectFrom('meta').select('value').where('key', '=', CHECK_ROW).executeTakeFirst())?.value,
      Date.now() + options.busyTimeoutMs,
      busy,
    )

  let check = await readCheck()
  const box = await findKey(options, check, options.where)
  if (check === undefined) {
    const value = box.encrypt(CHECK_TEXT, CHECK_CONTEXT)
    await retryWhileBusy(
      () =>
        db
          .insertInto('meta')
          .values({ key: CHECK_ROW, value })
          .onConflict((conflict) => conflict.column('key').doNothing())
          .execute(),
      Date.now() + options.busyTimeoutMs,
      busy,
    )
    // Another process opening the new store at the same moment may have recorded its key first.
    check = (await readCheck()) ?? value
  }

  await refreshKeyRing(db, box)
  const storedKeyId = envelopeKeyId(check)
  if (storedKeyId !== undefined && !box.knows(storedKeyId)) {
    throw new StoreError(
      'QUARRY_SECRET_KEY_MISMATCH',
      `The store ${options.where} was encrypted with key ${storedKeyId}, but the current key (from ${box.source}) ` +
        `is ${box.keyId}. Set QUARRY_SECRET_KEY to the original key.`,
    )
  }
  box.decrypt(check, CHECK_CONTEXT, `the key check value of the store ${options.where}`)
  return box
}

async function findKey(
  options: { secretKey?: string; dataDir: string },
  check: string | undefined,
  where: string,
): Promise<SecretBox> {
  if (options.secretKey !== undefined) {
    const source = 'the secretKey option'
    return new SecretBox(parseSecretKey(options.secretKey, source), source)
  }
  const fromEnv = process.env.QUARRY_SECRET_KEY
  if (fromEnv !== undefined && fromEnv.trim() !== '')
    return new SecretBox(parseSecretKey(fromEnv, 'QUARRY_SECRET_KEY'), 'QUARRY_SECRET_KEY')

  const path = join(options.dataDir, KEY_FILE_NAME)
  let text = await readKeyFile(path)
  if (text === undefined) {
    if (check !== undefined) {
      throw new StoreError(
        'QUARRY_SECRET_KEY_MISSING',
        `The store ${where} holds secrets encrypted with key ${envelopeKeyId(check) ?? '(unknown)'}, but no key ` +
          `was found: QUARRY_SECRET_KEY is not set and the key file ${path} does not exist. Set ` +
          `QUARRY_SECRET_KEY to the original key, or restore the key file.`,
      )
    }
    await ensureDataDir(options.dataDir)
    text = await createKeyFile(path, `${generateSecretKey()}\n`)
  }
  const source = `the key file ${path}`
  return new SecretBox(parseSecretKey(text, source), source)
}

/**
 * True when `box` opens a store's key check value (the `secret_key_check` meta row): the key is the
 * one that store's secrets were sealed with. A restore asks before it changes anything.
 *
 * @example
 * if (!opensKeyCheck(box, backupCheck)) throw new Error('wrong key')
 */
export function opensKeyCheck(box: SecretBox, check: string): boolean {
  if (envelopeKeyId(check) !== box.keyId) return false
  try {
    return box.decrypt(check, CHECK_CONTEXT, 'the key check value') === CHECK_TEXT
  } catch {
    return false
  }
}

/**
 * Teaches `box` the keys of a rotation in progress and which one the store seals with now. While
 * `quarry secrets rotate-key` runs (and until it is finished), the store's meta table holds the new
 * key sealed under the old one and the old under the new; a process that knows either learns the
 * other here, so a server started before the rotation keeps opening every value, and seals new
 * values with the key the store's check value is sealed with (the new one, once the rotation began).
 * Runs at open and again whenever a value sealed with an unknown key turns up (context.ts).
 *
 * @example
 * await refreshKeyRing(db, box) // box.knows(newKeyId) === true during a rotation
 */
export async function refreshKeyRing(db: Kysely<Database>, box: SecretBox): Promise<void> {
  const rows = await db
    .selectFrom('meta')
    .select(['key', 'value'])
    .where((eb) => eb.or([eb('key', 'like', `${KEY_RING_PREFIX}%`), eb('key', '=', CHECK_ROW)]))
    .execute()
  const ring = rows.filter((row) => row.key.startsWith(KEY_RING_PREFIX))
  for (let learned = true; learned;) {
    learned = false
    for (const row of ring) {
      const id = row.key.slice(KEY_RING_PREFIX.length)
      const sealedWith = envelopeKeyId(row.value)
      if (box.knows(id) || sealedWith === undefined || !box.knows(sealedWith)) continue
      box.addKey(
        parseSecretKey(box.decrypt(row.value, KEY_RING_CONTEXT, `the rotation key ${id}`), `key ${id}`),
      )
      learned = true
    }
  }
  const checkKeyId = envelopeKeyId(rows.find((row) => row.key === CHECK_ROW)?.value ?? '')
  if (checkKeyId !== undefined && checkKeyId !== box.keyId && box.knows(checkKeyId)) box.sealWith(checkKeyId)
}

/** The key check value sealed by `box`'s current key (rotate-key.ts writes it when it switches keys). */
export function sealKeyCheck(box: SecretBox): string {
  return box.encrypt(CHECK_TEXT, CHECK_CONTEXT)
}
