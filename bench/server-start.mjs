// Server start: `quarry serve` from process start to its first cached view served, vs a bare
// Fastify hello-world from process start to its first response (target ≤ 2×, issue 18). Each a
// fresh process that says where it listens; the time runs until the first 200 answer arrives.
// Alternating, median of several runs; the view's result was cached by a first server beforehand.
//   npm run bench:server-start
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { availableParallelism, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { PUBLIC_VIEW_KEY, publicViewStore } from './public-view-store.mjs'
import { recordResult } from './results.mjs'
import { consent, startSim } from './sim-process.mjs'

const RUNS = 11

/** Starts `args` with node, waits for "listening on URL", fetches `path` there; ms until its 200. */
function firstAnswer(args, path, env = process.env) {
  const started = performance.now()
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'], env })
  return new Promise((resolve, reject) => {
    let out = ''
    child.stdout.on('data', async (chunk) => {
      out += chunk
      const match = /listening on (http:\/\/\S+)/.exec(out)
      if (!match || out === null) return
      out = null
      try {
        const answer = await fetch(`${match[1]}${path}`)
        await answer.arrayBuffer()
        if (answer.status !== 200) throw new Error(`${path}: HTTP ${answer.status}`)
        resolve(performance.now() - started)
      } catch (error) {
        reject(error)
      } finally {
        child.kill('SIGTERM')
      }
    })
    child.on('exit', (code) => out !== null && reject(new Error(`${args.join(' ')} exited with ${code}`)))
  })
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const dir = mkdtempSync(join(tmpdir(), 'quarry-bench-start-'))
const sim = await startSim(['--issues', '2000', '--seed', '11'])
try {
  const { tokens, cloudId } = await consent(sim.url, 'read:jira-work offline_access')
  await (await publicViewStore(dir, { simUrl: sim.url, cloudId, tokens })).close()
  const env = { ...process.env, QUARRY_SECRET_KEY: PUBLIC_VIEW_KEY, QUARRY_DATABASE_URL: '' }
  const serve = ['bin/quarry.js', 'serve', '--db', join(dir, 'q.db'), '--port', '0', '--quiet']
  await firstAnswer(serve, '/v/issues', env) // fills the cache (and Node's compile cache)
  const times = { quarry: [], hello: [] }
  for (let i = 0; i < RUNS; i++) {
    times.quarry.push(await firstAnswer(serve, '/v/issues', env))
    times.hello.push(await firstAnswer(['bench/view-server.mjs', 'hello'], '/'))
  }
  const [quarry, hello] = [median(times.quarry), median(times.hello)]
  const line =
    `\`quarry serve\` from process start to its first cached view served vs a bare Fastify hello-world to its first response: ` +
    `**${(quarry / hello).toFixed(2)}×** (target ≤ 2; ${quarry.toFixed(0)} vs ${hello.toFixed(0)} ms, medians of ${RUNS} alternating starts; ` +
    `machine load average ${loadavg()[0].toFixed(1)} on ${availableParallelism()} cores)`
  console.log(line)
  if (!process.argv.includes('--no-write')) recordResult('Server start', 'npm run bench:server-start', line)
} finally {
  sim.stop()
  rmSync(dir, { recursive: true, force: true })
}
