import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { closeSync, openSync } from 'node:fs'
import { TEST_SECRET_KEY } from './engine.js'

/** What a CLI run left: its exit code and everything it printed. */
export interface CliRun {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

const bin = new URL('../../bin/quarry.js', import.meta.url).pathname

/**
 * Runs the built CLI (bin/quarry.js) as a user would: on the store `db`, with the test key, its data
 * directory in `dir`, never a developer's PostgreSQL URL; `env` adds variables; `input` is its whole
 * standard input (none: it is empty).
 *
 * @example const { code, stdout } = await runQuarry({ db, dir }, 'query', 'show', 'issues')
 */
export function runQuarry(
  where: {
    readonly db: string
    readonly dir: string
    readonly env?: Readonly<Record<string, string>>
    readonly input?: string
  },
  ...args: string[]
): Promise<CliRun> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, '--db', where.db, ...args], {
      env: {
        ...process.env,
        QUARRY_SECRET_KEY: TEST_SECRET_KEY,
        QUARRY_DATABASE_URL: '',
        XDG_DATA_HOME: where.dir,
        ...where.env,
      },
      stdio: 'pipe',
    })
    // No input: standard input ends at once, as a closed one would.
    child.stdin.end(where.input ?? '')
    // Whole buffers, decoded once: a chunk may end inside a multi-byte character.
    const out: Buffer[] = []
    const err: Buffer[] = []
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk))
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk))
    child.on('exit', (code) =>
      resolve({ code, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() }),
    )
  })
}

/**
 * Runs the built CLI like runQuarry, its stdout going straight into `file` (bytes as written, as a
 * shell's `> file` would: an XLSX is not text); `node` options come before the CLI's script.
 *
 * @example const { code } = await runQuarryToFile({ db, dir }, 'out.xlsx', ['run', 'q', '--format', 'xlsx'])
 */
export function runQuarryToFile(
  where: { readonly db: string; readonly dir: string },
  file: string,
  args: readonly string[],
  node: readonly string[] = [],
): Promise<{ readonly code: number | null; readonly stderr: string }> {
  const out = openSync(file, 'w')
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...node, bin, '--db', where.db, ...args], {
      env: {
        ...process.env,
        QUARRY_SECRET_KEY: TEST_SECRET_KEY,
        QUARRY_DATABASE_URL: '',
        XDG_DATA_HOME: where.dir,
      },
      stdio: ['ignore', out, 'pipe'],
    })
    let stderr = ''
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    child.on('exit', (code) => {
      closeSync(out)
      resolve({ code, stderr })
    })
  })
}

/**
 * Starts the built CLI on the store `db` like runQuarry, for a command that waits (connect): the
 * caller talks to it and waits for `finished`.
 *
 * @example const child = spawnQuarry({ db, dir }, 'connect', 'idp', '--paste')
 */
export function spawnQuarry(
  where: { readonly db: string; readonly dir: string },
  ...args: string[]
): ChildProcessWithoutNullStreams {
  return spawn(process.execPath, [bin, '--db', where.db, ...args], {
    env: {
      ...process.env,
      QUARRY_SECRET_KEY: TEST_SECRET_KEY,
      QUARRY_DATABASE_URL: '',
      XDG_DATA_HOME: where.dir,
    },
  })
}

/** What a spawned CLI left once it exits. */
export function finished(child: ChildProcessWithoutNullStreams): Promise<CliRun> {
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk) => (stdout += chunk))
  child.stderr.on('data', (chunk) => (stderr += chunk))
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr })))
}

/** The authorize URL a running `connect` printed (an http URL with a client_id), once it printed `ready`. */
export function authorizeUrlOf(child: ChildProcessWithoutNullStreams, ready: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = ''
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk
      const match = /(http:\/\/\S+\?\S*client_id=\S+)/.exec(out)
      if (match && out.includes(ready)) resolve(match[1] as string)
    })
    child.on('exit', () => reject(new Error(`connect exited before printing a URL: ${out}`)))
  })
}
