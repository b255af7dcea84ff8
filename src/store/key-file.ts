import { randomBytes } from 'node:crypto'
import { link, mkdir, open, readFile, rm, stat } from 'node:fs/promises'
import { homedir } from 'node:os'
import { isAbsolute, join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { StoreError } from './errors.js'

/** The key file's name inside the data directory. */
export const KEY_FILE_NAME = 'secret.key'

/**
 * Where Quarry keeps its data by default: `$XDG_DATA_HOME/quarry`, or `~/.local/share/quarry` when
 * XDG_DATA_HOME is unset or relative (the XDG Base Directory spec says to ignore a relative one).
 *
 * @example
 * defaultDataDir({ XDG_DATA_HOME: '/data' }) // '/data/quarry'
 */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  const xdg = env.XDG_DATA_HOME
  return join(xdg !== undefined && isAbsolute(xdg) ? xdg : join(homedir(), '.local', 'share'), 'quarry')
}

/**
 * Creates the data directory (mode 0700: it holds the key file and the default store) if missing.
 *
 * @example
 * await ensureDataDir(defaultDataDir())
 */
export async function ensureDataDir(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 })
  } catch (error) {
    throw new StoreError(
      'QUARRY_SECRET_KEY_FILE',
      `Cannot create Quarry's data directory ${dir} (${(error as Error).message}). Create it with mode 700, ` +
        `or set QUARRY_SECRET_KEY instead of using a key file.`,
      { cause: error },
    )
  }
}

/**
 * The key file's text, or undefined when there is none. Refuses a file that group or others may
 * read or write: a key anyone on the machine can read protects nothing.
 *
 * @example
 * const text = await readKeyFile(join(defaultDataDir(), KEY_FILE_NAME))
 */
export async function readKeyFile(path: string): Promise<string | undefined> {
  // A racing creator that fell back to open-then-write may leave the file empty for a moment.
  for (let attempt = 0; ; attempt++) {
    let text: string
    try {
      const info = await stat(path)
      if (process.platform !== 'win32' && (info.mode & 0o077) !== 0) {
        throw new StoreError(
          'QUARRY_SECRET_KEY_FILE',
          `The key file ${path} can be read or written by other users (mode ` +
            `${(info.mode & 0o777).toString(8).padStart(3, '0')}); refusing to use it. Run: chmod 600 ${path}`,
        )
      }
      text = await readFile(path, 'utf8')
    } catch (error) {
      if (error instanceof StoreError) throw error
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
      throw new StoreError(
        'QUARRY_SECRET_KEY_FILE',
        `Cannot read the key file ${path} (${(error as Error).message}). Check its owner and permissions.`,
        { cause: error },
      )
    }
    if (text.trim() !== '' || attempt >= 20) return text
    await sleep(50)
  }
}

/**
 * Creates the key file with `text` and mode 0600, unless it exists; returns the text that is in the
 * file afterwards. Two processes racing here agree on one key: each writes a private temporary file
 * and hard-links it into place, and link(2) creates exclusively — the loser gets EEXIST and reads the
 * winner's key. The file appears with its whole content at once, so no reader sees it half-written.
 *
 * @example
 * const text = await createKeyFile(join(dir, KEY_FILE_NAME), generateSecretKey() + '\n')
 */
export async function createKeyFile(path: string, text: string): Promise<string> {
  const temporary = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`
  try {
    const handle = await open(temporary, 'wx', 0o600)
    try {
      await handle.writeFile(text, 'utf8')
      await handle.sync()
    } finally {
      await handle.close()
    }
    try {
      await link(temporary, path)
      return text
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      if (code === 'EEXIST') return (await readKeyFile(path)) ?? text
      // Some file systems have no hard links; an exclusive create still lets only one writer win.
      if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP') throw error
    }
    try {
      const handle = await open(path, 'wx', 0o600)
      try {
        await handle.writeFile(text, 'utf8')
        await handle.sync()
      } finally {
        await handle.close()
      }
      return text
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') return (await readKeyFile(path)) ?? text
      throw error
    }
  } catch (error) {
    if (error instanceof StoreError) throw error
    throw new StoreError(
      'QUARRY_SECRET_KEY_FILE',
      `Cannot create the key file ${path} (${(error as Error).message}). Check the permissions of its ` +
        `directory, or set QUARRY_SECRET_KEY instead.`,
      { cause: error },
    )
  } finally {
    await rm(temporary, { force: true })
  }
}
