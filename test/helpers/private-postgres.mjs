// A PostgreSQL cluster of one test's own (initdb and pg_ctl from Debian's postgresql package, on a
// loopback port), which the test may stop and start: the machine's shared server must never be
// stopped. Plain JavaScript, so that both the tests and the benchmarks (bench/, plain Node) use it.
import { execFile, execFileSync } from 'node:child_process'
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)
const DEBIAN_ROOT = '/usr/lib/postgresql'

/** Debian's newest /usr/lib/postgresql/N/bin that has initdb (scripts/test-tools.sh installs one). */
export function postgresBinDir() {
  const versions = existsSync(DEBIAN_ROOT)
    ? readdirSync(DEBIAN_ROOT).filter((version) => existsSync(join(DEBIAN_ROOT, version, 'bin', 'initdb')))
    : []
  versions.sort((a, b) => Number(b) - Number(a))
  if (versions[0] === undefined) {
    throw new Error(
      `initdb was not found in ${DEBIAN_ROOT}/*/bin: install Debian's postgresql package (scripts/test-tools.sh does).`,
    )
  }
  return join(DEBIAN_ROOT, versions[0], 'bin')
}

/**
 * PostgreSQL refuses to run as root. As root, the cluster belongs to the `postgres` user the Debian
 * package creates and its programs run as that user (runuser); as anyone else, as themselves.
 */
function asOwner() {
  if (process.getuid?.() !== 0) return { prefix: [], owner: undefined }
  const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim())
  const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim())
  return { prefix: ['runuser', '-u', 'postgres', '--'], owner: { uid, gid } }
}

/**
 * Creates a cluster in a temporary directory and starts it on 127.0.0.1:`port` (trust authentication,
 * fsync off: its data is thrown away). `stop()` is `pg_ctl stop -m fast` (sessions are ended, as in a
 * restart or a failover), `start()` starts it again, `close()` stops it at once and deletes it.
 *
 * @example
 * const cluster = await startPrivatePostgres(54329)
 * await cluster.stop(); await cluster.start(); await cluster.close()
 */
export async function startPrivatePostgres(port) {
  const bin = postgresBinDir()
  const { prefix, owner } = asOwner()
  const dir = mkdtempSync(join(tmpdir(), 'quarry-private-pg-'))
  if (owner !== undefined) chownSync(dir, owner.uid, owner.gid)
  const data = join(dir, 'data')
  const exec = (program, args) => {
    const [command, ...rest] = [...prefix, join(bin, program), ...args]
    return run(command, rest, { timeout: 60_000 })
  }
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=100`
  const pgCtl = (...args) => exec('pg_ctl', ['-D', data, '-l', join(dir, 'log'), '-t', '30', ...args])
  await exec('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8', '--locale=C'])
  const cluster = {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    start: () => pgCtl('-o', options, '-w', 'start').then(() => undefined),
    stop: () => pgCtl('-m', 'fast', '-w', 'stop').then(() => undefined),
    async close() {
      await pgCtl('-m', 'immediate', '-w', 'stop').catch(() => {})
      rmSync(dir, { recursive: true, force: true })
    },
  }
  try {
    await cluster.start()
  } catch (error) {
    rmSync(dir, { recursive: true, force: true })
    throw error
  }
  return cluster
}
