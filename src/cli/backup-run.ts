import { join } from 'node:path'
import { readBackup, restoreBackup, writeBackup } from '../store/backup.js'
import { DEFAULT_LOCK_TIMEOUT_MS, KEY_FILE_NAME, connectStore, defaultDataDir } from '../store/index.js'
import { cliStoreOptions, type StoreFlags } from './context.js'

/** Where the key in use comes from, said for a person who must keep a copy of it. */
function keyLocation(): string {
  const fromEnv = process.env.QUARRY_SECRET_KEY
  return fromEnv !== undefined && fromEnv.trim() !== ''
    ? 'QUARRY_SECRET_KEY'
    : `the key file ${join(defaultDataDir(), KEY_FILE_NAME)}`
}

function counted(rows: Readonly<Record<string, number>>): string {
  return Object.entries(rows)
    .filter(([table]) => table !== 'meta')
    .map(([table, count]) => `${count} ${table.replaceAll('_', ' ')}`)
    .join(', ')
}

export async function runBackup(
  file: string,
  flags: { includeKey?: boolean },
  global: StoreFlags,
): Promise<void> {
  const connection = await connectStore(cliStoreOptions(global))
  try {
    const summary = await writeBackup(connection, file, {
      includeKey: flags.includeKey === true,
      dataDir: defaultDataDir(),
      busyTimeoutMs: DEFAULT_LOCK_TIMEOUT_MS,
    })
    console.log(`Backed up ${connection.where} to ${file}: ${counted(summary.rows)}.`)
    if (summary.keyId === null) return
    if (summary.includesKey) {
      console.error(
        `Warning: ${file} holds the secret key ${summary.keyId}: whoever reads it can read every secret in it ` +
          `(client secrets, OAuth tokens). Keep it as you keep the key.`,
      )
    } else {
      console.log(
        `Its secrets are encrypted with key ${summary.keyId}, which is NOT in the file: it is in ${keyLocation()}. ` +
          `Without that key the backup's secrets are lost. Keep a copy of the key apart from the backup.`,
      )
    }
  } finally {
    await connection.db.destroy()
  }
}

export async function runRestore(
  file: string,
  flags: { force?: boolean },
  global: StoreFlags,
): Promise<void> {
  // The file is read and checked whole before the store is even opened.
  const backup = await readBackup(file)
  const connection = await connectStore(cliStoreOptions(global))
  try {
    const summary = await restoreBackup(connection, backup, {
      force: flags.force === true,
      dataDir: defaultDataDir(),
      busyTimeoutMs: DEFAULT_LOCK_TIMEOUT_MS,
    })
    console.log(`Restored ${file} into ${connection.where}: ${counted(summary.rows)}.`)
    if (summary.from !== summary.to) console.log(`Migrated the schema from ${summary.from} to ${summary.to}.`)
    if (summary.keyFileWritten !== undefined)
      console.log(`Wrote the key from the backup to ${summary.keyFileWritten} (mode 600).`)
    else if (summary.keySource !== undefined)
      console.log(`Its secrets open with the key from ${summary.keySource} (${summary.keyId ?? ''}).`)
    console.log('Sessions and the response cache are not in backups: everyone signs in again.')
  } finally {
    await connection.db.destroy()
  }
}
