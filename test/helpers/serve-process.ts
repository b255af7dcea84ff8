import { spawn, type ChildProcess } from 'node:child_process'
import { freePort } from './net.js'
import { TEST_SECRET_KEY } from './engine.js'

/** A `quarry serve` process of its own (the built CLI), on a free loopback port. */
export interface ServeProcess {
  readonly child: ChildProcess
  readonly url: string
}

/**
 * Starts `quarry serve` on `databaseUrl` and resolves once it listens: for tests of several servers
 * on one store.
 *
 * @example
 * const server = await serveProcess({ databaseUrl: schema.url, dataDir })
 */
export async function serveProcess(target: { databaseUrl: string; dataDir: string }): Promise<ServeProcess> {
  const port = await freePort()
  const bin = new URL('../../bin/quarry.js', import.meta.url).pathname
  const child = spawn(process.execPath, [bin, 'serve', '--port', String(port), '--quiet'], {
    env: {
      ...process.env,
      QUARRY_SECRET_KEY: TEST_SECRET_KEY,
      QUARRY_DATABASE_URL: target.databaseUrl,
      XDG_DATA_HOME: target.dataDir,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  await new Promise<void>((resolve, reject) => {
    const seen = (chunk: Buffer) => {
      output += chunk.toString()
      if (output.includes('listening on')) resolve()
    }
    child.stdout?.on('data', seen)
    child.stderr?.on('data', seen)
    child.once('exit', (code) => reject(new Error(`quarry serve exited ${code}: ${output}`)))
  })
  return { child, url: `http://127.0.0.1:${port}` }
}

/** Stops a server (SIGTERM, or `signal`) and waits for it to exit. */
export async function stopProcess(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise((resolve) => child.once('exit', resolve))
  child.kill(signal)
  await exited
}
