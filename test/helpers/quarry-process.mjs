// Processes of the built CLI on loopback, for the tests and the benches that run several servers
// (plain .mjs so that bench/*.mjs can import it; its types are in quarry-process.d.mts).
import { spawn } from 'node:child_process'
import { createServer } from 'node:net'

const BIN = new URL('../../bin/quarry.js', import.meta.url).pathname

/** A loopback port free right now (for a server whose URL must be known before it starts). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer()
    probe.once('error', reject)
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address()
      probe.close(() => resolve(port))
    })
  })
}

/**
 * Starts `quarry serve` on a free port of its own and resolves once it listens. Its output is kept
 * in `server.log` line by line when `keep(line)` says so (nothing by default), and copied to stderr
 * with `echo`.
 *
 * @example
 * const server = await serveQuarry({ databaseUrl, dataDir, secretKey })
 * await fetch(`${server.url}/healthz`)
 * await stopProcess(server.child)
 */
export async function serveQuarry({
  databaseUrl,
  dataDir,
  secretKey,
  quiet = true,
  keep = () => false,
  echo = false,
}) {
  const port = await freePort()
  const child = spawn(
    process.execPath,
    [BIN, 'serve', '--port', String(port), ...(quiet ? ['--quiet'] : [])],
    {
      env: {
        ...process.env,
        QUARRY_DATABASE_URL: databaseUrl,
        QUARRY_SECRET_KEY: secretKey,
        XDG_DATA_HOME: dataDir,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  const server = { child, port, url: `http://127.0.0.1:${port}`, log: '' }
  let output = ''
  await new Promise((resolve, reject) => {
    const seen = (chunk) => {
      const text = chunk.toString()
      if (echo) process.stderr.write(text)
      if (output.length < 65_536) output += text
      for (const line of text.split('\n')) if (line !== '' && keep(line)) server.log += `${line}\n`
      if (output.includes('listening on')) resolve()
    }
    child.stdout.on('data', seen)
    child.stderr.on('data', seen)
    child.once('error', reject)
    child.once('exit', (code) => reject(new Error(`quarry serve exited with ${code}: ${output}`)))
  })
  return server
}

/** Stops a process (SIGTERM, or `signal`; SIGKILL after `killAfterMs`) and waits for it to exit. */
export async function stopProcess(child, signal = 'SIGTERM', killAfterMs = 10_000) {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise((resolve) => child.once('exit', resolve))
  child.kill(signal)
  const timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs)
  await exited
  clearTimeout(timer)
}
