import { spawn, type ChildProcess } from 'node:child_process'
import { join } from 'node:path'
import { TEST_SECRET_KEY } from './engine.js'
import { freePort } from './quarry-process.mjs'

/** `quarry demo` running as a user starts it (the built CLI), on free ports with its own store. */
export interface RunningDemo {
  readonly process: ChildProcess
  /** The server, e.g. http://127.0.0.1:PORT. */
  readonly url: string
  readonly simUrl: string
  /** Its sample page on another origin that embeds a view. */
  readonly embedUrl: string
  /** What it printed up to "Ctrl-C stops." (URLs, the setup link). */
  readonly output: string
  /** The one-time setup link it printed, if the store had no user yet. */
  readonly setupUrl: string | undefined
  /** SIGTERM, then waits for the process to exit. */
  stop(): Promise<void>
}

/** Starts `quarry demo` with its store in `dir`; resolves once it printed its URLs. */
export async function startDemo(dir: string): Promise<RunningDemo> {
  // Every port its own: two demos (say, two test files at once) must not meet on a default.
  const [port, simPort, embedPort] = [await freePort(), await freePort(), await freePort()]
  const bin = new URL('../../bin/quarry.js', import.meta.url).pathname
  const args = [
    '--db',
    join(dir, 'quarry.db'),
    'demo',
    '--port',
    String(port),
    '--sim-port',
    String(simPort),
    '--embed-port',
    String(embedPort),
    '--quiet',
  ]
  const child = spawn(process.execPath, [bin, ...args], {
    env: { ...process.env, QUARRY_SECRET_KEY: TEST_SECRET_KEY, QUARRY_DATABASE_URL: '', XDG_DATA_HOME: dir },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  await new Promise<void>((resolve, reject) => {
    const collect = (chunk: Buffer) => {
      output += String(chunk)
      if (output.includes('Ctrl-C stops.')) resolve()
    }
    child.stdout?.on('data', collect)
    child.stderr?.on('data', collect)
    child.on('exit', (code) => reject(new Error(`quarry demo exited (${code}):\n${output}`)))
  })
  return {
    process: child,
    url: `http://127.0.0.1:${port}`,
    simUrl: `http://127.0.0.1:${simPort}`,
    embedUrl: `http://127.0.0.1:${embedPort}`,
    output,
    setupUrl: /Admin \(first start\):\s+(\S+)/.exec(output)?.[1],
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return
      const exited = new Promise((resolve) => child.once('exit', resolve))
      child.kill('SIGTERM')
      await exited
    },
  }
}
