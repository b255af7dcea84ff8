import { copyFile, rename } from 'node:fs/promises'
import { join } from 'node:path'
import { createKeyFile } from '../store/key-file.js'
import { keyIdOf, parseSecretKey } from '../store/secrets.js'
import {
  KEY_FILE_NAME,
  defaultDataDir,
  generateSecretKey,
  rotateSecretKey,
  type RotationSummary,
} from '../store/index.js'
import { withStore, type StoreFlags } from './context.js'
import { CliError } from './errors.js'

function resealed(summary: RotationSummary): string {
  return Object.entries(summary.resealed)
    .map(([what, count]) => `${count} ${what}`)
    .join(', ')
}

export async function runRotateKey(
  flags: { newKeyFile?: string; finish?: boolean },
  global: StoreFlags,
): Promise<void> {
  if (flags.finish === true) {
    const summary = await withStore(global, (store) => rotateSecretKey(store, { finish: true }))
    console.log(
      `Finished the rotation to key ${summary.newKeyId}: resealed ${resealed(summary)} still sealed with the ` +
        `old key; the old key ${summary.oldKeyId} opens nothing in the store any more.`,
    )
    return
  }
  const fromEnv = process.env.QUARRY_SECRET_KEY
  const usesEnv = fromEnv !== undefined && fromEnv.trim() !== ''
  if (usesEnv && flags.newKeyFile === undefined) {
    throw new CliError(
      'QUARRY_USAGE',
      'secrets rotate-key: the key comes from QUARRY_SECRET_KEY, so say where the new key goes: --new-key-file FILE',
    )
  }
  await withStore(global, async (store) => {
    const newKey = generateSecretKey()
    // The new key is on disk before any secret is sealed with it, so a crash cannot lose it; the key
    // file is replaced only after the rotation began, when the store opens with either key.
    let where: string
    let staged: string | undefined
    if (flags.newKeyFile !== undefined) {
      where = flags.newKeyFile
      if ((await createKeyFile(where, `${newKey}\n`)).trim() !== newKey)
        throw new CliError('QUARRY_USAGE', `secrets rotate-key: ${where} exists already; choose a new file`)
    } else {
      where = join(defaultDataDir(), KEY_FILE_NAME)
      // Named after the key: a staged key a failed run left behind is never overwritten.
      staged = `${where}.${keyIdOf(parseSecretKey(newKey, 'the new key'))}.new`
      await createKeyFile(staged, `${newKey}\n`)
    }
    // Should the rotation fail after the store switched to the new key, the staged file is the new key's
    // only copy on disk: it stays (secret.key.<id>.new).
    const summary = await rotateSecretKey(store, { newKey })
    if (staged !== undefined) {
      await copyFile(where, `${where}.old`)
      await rename(staged, where)
    }
    console.log(
      `Rotated the secret key from ${summary.oldKeyId} to ${summary.newKeyId}: resealed ${resealed(summary)}. ` +
        `The new key is in ${where}${flags.newKeyFile === undefined ? ` (the old one in ${where}.old)` : ''}.`,
    )
    console.log(
      'Processes running with the old key keep working. Restart each with the new key ' +
        `(${usesEnv ? 'QUARRY_SECRET_KEY' : 'the key file'}), then run: quarry secrets rotate-key --finish`,
    )
  })
}
