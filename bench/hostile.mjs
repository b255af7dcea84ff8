// Hostile input: a real `quarry serve` (the built CLI, its own SQLite store) against a hostile
// upstream on loopback and hostile converters nobody here would write. Every case is run through
// the API (POST /api/queries/NAME/run), the view (/v/NAME) and the CSV download, and counted as
//   - a crash: the server process died, or answered 500 QUARRY_INTERNAL;
//   - a stack trace: any answer holding a stack frame ("    at …") or "Node.js v…";
//   - a silent corruption: a case with a known right answer whose rows are not it.
// The server's peak RSS (VmHWM) and the converter workers' largest RSS are reported too.
//   npm run bench:hostile        (`--no-write` prints without touching bench/RESULTS.md)
import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { brotliCompressSync, createGzip, deflateSync, gzipSync } from 'node:zlib'
import { recordResult } from './results.mjs'

const dir = mkdtempSync(join(tmpdir(), 'quarry-hostile-'))
const db = join(dir, 'q.db')
const env = {
  ...process.env,
  QUARRY_SECRET_KEY: Buffer.alloc(32, 5).toString('base64'),
  QUARRY_DATABASE_URL: '',
}
const MAX_BYTES = 16 * 1024 * 1024

const json = (value) => Buffer.from(JSON.stringify(value))
const OK = { items: [{ name: 'café', n: 1 }] }

/** The hostile upstream's answers, by path. */
const ROUTES = {
  '/ok': (_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(json(OK)),
  '/latin1': (_req, res) =>
    res
      .writeHead(200, { 'content-type': 'application/json; charset=iso-8859-1' })
      .end(Buffer.from('{"items":[{"name":"caf\xe9"}]}', 'latin1')),
  '/cp1252': (_req, res) =>
    res
      .writeHead(200, { 'content-type': 'application/json; charset=windows-1252' })
      .end(Buffer.from([...Buffer.from('{"items":[{"name":"'), 0x80, ...Buffer.from('5"}]}')])),
  '/bom': (_req, res) =>
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), json(OK)])),
  '/utf16': (_req, res) =>
    res
      .writeHead(200, { 'content-type': 'application/json; charset=utf-16' })
      .end(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(JSON.stringify(OK), 'utf16le')])),
  '/gzip': (_req, res) =>
    res
      .writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' })
      .end(gzipSync(json(OK))),
  '/deflate': (_req, res) =>
    res
      .writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'deflate' })
      .end(deflateSync(json(OK))),
  '/br': (_req, res) =>
    res
      .writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'br' })
      .end(brotliCompressSync(json(OK))),
  // 1 GiB of zeros, gzipped on the fly (about 1 MB on the wire).
  '/bomb': (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' })
    const gzip = createGzip({ level: 9 })
    gzip.pipe(res)
    const chunk = Buffer.alloc(1024 * 1024, 0x20)
    let left = 1024
    const pump = () => {
      while (left > 0) {
        left--
        if (!gzip.write(chunk)) return gzip.once('drain', pump)
      }
      gzip.end()
    }
    res.on('close', () => (left = 0))
    pump()
  },
  '/deep': (_req, res) =>
    res.writeHead(200, { 'content-type': 'application/json' }).end('['.repeat(200_000) + ']'.repeat(200_000)),
  '/xml': (_req, res) =>
    res
      .writeHead(200, { 'content-type': 'application/xml' })
      .end('<?xml version="1.0" encoding="UTF-8"?><?pi data?><items><item><name>café</name></item></items>'),
  '/reset': (req, _res) => {
    req.socket.write(
      'HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{"items":[',
    )
    setTimeout(() => req.socket.destroy(), 20)
  },
  '/redirect': (_req, res) => res.writeHead(302, { location: 'http://localhost:1/elsewhere' }).end(),
  '/429': (_req, res) =>
    res.writeHead(429, { 'retry-after': '1', 'content-type': 'application/json' }).end('{}'),
  '/html500': (_req, res) =>
    res
      .writeHead(500, { 'content-type': 'text/html' })
      .end('<html><body><h1>Oops</h1><script>x</script></body></html>'),
  '/binary': (_req, res) =>
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(Buffer.from([0, 1, 2, 0xff, 0xfe, 0x80, 0x81])),
  '/drip': (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' })
    const timer = setInterval(() => res.write(' '), 100)
    res.on('close', () => clearInterval(timer))
  },
  '/huge': (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(Buffer.alloc(MAX_BYTES + 1024, 0x20))
  },
}

/** Upstream cases: the expected code, or the value the rows must hold (then a corruption is checkable). */
const UPSTREAM_CASES = [
  { name: 'latin1', path: '/latin1', holds: 'café' },
  { name: 'cp1252', path: '/cp1252', holds: '€5' },
  { name: 'bom', path: '/bom', holds: 'café' },
  { name: 'utf16', path: '/utf16', holds: 'café' },
  { name: 'gzip', path: '/gzip', holds: 'café' },
  { name: 'deflate', path: '/deflate', holds: 'café' },
  { name: 'br', path: '/br', holds: 'café' },
  { name: 'xml', path: '/xml', holds: 'café', lacks: 'xml' },
  { name: 'bomb', path: '/bomb', code: 'QUARRY_UPSTREAM_TOO_LARGE' },
  { name: 'deep', path: '/deep', code: 'QUARRY_UPSTREAM_TOO_DEEP' },
  { name: 'reset', path: '/reset', code: 'QUARRY_UPSTREAM_NETWORK' },
  { name: 'redirect', path: '/redirect', code: 'QUARRY_UPSTREAM_REDIRECT_REFUSED' },
  { name: 'rate-limited', path: '/429', code: 'QUARRY_RATE_LIMITED' },
  { name: 'html500', path: '/html500', code: 'QUARRY_UPSTREAM_STATUS' },
  { name: 'binary', path: '/binary', code: 'QUARRY_UPSTREAM_NOT_JSON' },
  { name: 'drip', path: '/drip', code: 'QUARRY_UPSTREAM_TIMEOUT' },
  { name: 'huge', path: '/huge', code: 'QUARRY_UPSTREAM_TOO_LARGE' },
]

/** Converter cases over /ok. */
const CONVERTER_CASES = [
  {
    name: 'reference-error',
    code: 'QUARRY_CONVERTER_RUNTIME',
    source: 'function convert(json) { return nope }',
  },
  { name: 'syntax-error', code: 'QUARRY_CONVERTER_SYNTAX', source: 'function convert(json) { return [ }' },
  { name: 'cpu-loop', code: 'QUARRY_CONVERTER_TIMEOUT', source: 'function convert(json) { for (;;) {} }' },
  {
    name: 'big-array',
    code: 'QUARRY_CONVERTER_MEMORY',
    source: 'function convert(json) { return new Array(1e8).fill(0) }',
  },
  {
    name: 'ten-million-objects',
    code: 'QUARRY_CONVERTER_LIMIT',
    source: 'function convert(json) { return new Array(1e7).fill({}) }',
  },
  {
    name: 'deep-value',
    code: 'QUARRY_CONVERTER_CONTRACT',
    source:
      'function convert(json) { let v = 1; for (let i = 0; i < 5000; i++) v = [v]; return [{ deep: v }] }',
  },
  {
    name: 'cycle',
    code: 'QUARRY_CONVERTER_CONTRACT',
    source: 'function convert(json) { const a = {}; a.self = a; return [{ a }] }',
  },
  {
    name: 'not-rows',
    code: 'QUARRY_CONVERTER_CONTRACT',
    source: 'function convert(json) { return [1, 2, 3] }',
  },
  {
    name: 'huge-message',
    code: 'QUARRY_CONVERTER_RUNTIME',
    source: "function convert(json) { throw new Error('x'.repeat(6e7)) }",
  },
  {
    name: 'import',
    code: 'QUARRY_CONVERTER_RUNTIME',
    source: "function convert(json) { return import('node:fs') }",
  },
  {
    name: 'forged-call',
    holds: '"a":1',
    rows: 1,
    source:
      "function convert(json) { Function.prototype.call = function () { return '[1,2,3]' }; JSON.stringify = () => '[{}]'; return [{ a: 1 }] }",
  },
  {
    name: 'values',
    holds: '"big":"12345678901234567890"',
    rows: 1,
    source:
      'function convert(json) { return [{ big: 12345678901234567890n, when: new Date(0), nan: NaN, u: undefined, m: new Map([["k", 1]]) }] }',
  },
  {
    name: 'rows-150k',
    rows: 150_000,
    source:
      'function convert(json) { const r = []; for (let i = 0; i < 150000; i++) r.push({ i, s: "row " + i }); return r }',
  },
]

const STACK = /\n\s+at [\w.<>]|Node\.js v\d/

function quarry(...args) {
  const run = spawnSync(process.execPath, ['bin/quarry.js', '--db', db, ...args], { env, encoding: 'utf8' })
  if (run.status !== 0) throw new Error(`quarry ${args.join(' ')}: ${run.stderr}`)
}

function listen(handler) {
  return new Promise((resolve) => {
    const server = createServer(handler).listen(0, '127.0.0.1', () => resolve(server))
  })
}

const upstream = await listen((req, res) => {
  const route = ROUTES[new URL(req.url, 'http://x').pathname]
  if (route) route(req, res)
  else res.writeHead(404).end()
})
const upstreamUrl = `http://127.0.0.1:${upstream.address().port}`

quarry(
  'datasource',
  'add',
  'hostile',
  '--url',
  upstreamUrl,
  '--timeout',
  '3s',
  '--max-bytes',
  String(MAX_BYTES),
)
for (const c of UPSTREAM_CASES)
  quarry('query', 'add', c.name, '--datasource', 'hostile', '--path', c.path, '--items-path', 'items')
for (const c of CONVERTER_CASES) {
  const file = join(dir, `${c.name}.js`)
  writeFileSync(file, c.source)
  quarry('query', 'add', c.name, '--datasource', 'hostile', '--path', '/ok', '--converter', file)
}

const server = spawn(process.execPath, ['bin/quarry.js', '--db', db, 'serve', '--port', '0', '--quiet'], {
  env,
  stdio: ['ignore', 'pipe', 'pipe'],
})
let serverOutput = ''
const started = await new Promise((resolve, reject) => {
  server.stdout.on('data', (chunk) => {
    serverOutput += chunk
    const setup = /create the admin at (\S+)/.exec(serverOutput)
    const listening = /listening on (\S+)/.exec(serverOutput)
    if (setup && listening) resolve({ url: listening[1], setup: setup[1] })
  })
  server.stderr.on('data', (chunk) => (serverOutput += chunk))
  server.on('exit', (code) => reject(new Error(`quarry serve exited (${code}): ${serverOutput}`)))
})

/** Resident memory of the server and, separately, the largest of its child processes (converter workers). */
const peak = { server: 0, worker: 0 }
function rssKb(pid) {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0)
  } catch {
    return 0
  }
}
const sampler = setInterval(() => {
  peak.server = Math.max(peak.server, rssKb(server.pid))
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
      if (ppid === server.pid) peak.worker = Math.max(peak.worker, rssKb(Number(entry)))
    } catch {
      // gone already
    }
  }
}, 50)

const token = new URL(started.setup).searchParams.get('token')
const setup = await fetch(`${started.url}/api/setup`, {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ token, name: 'bench', password: 'bench password 1' }),
})
const cookie = setup.headers.get('set-cookie').split(';')[0]
const { csrfToken } = await setup.json()
const headers = { cookie, 'x-csrf-token': csrfToken, 'content-type': 'application/json' }

const tally = { cases: 0, answers: 0, crashes: 0, stacks: 0, corruptions: 0, wrongCode: 0 }
const problems = []

async function check(c) {
  tally.cases++
  const answers = [
    ['run', await fetch(`${started.url}/api/queries/${c.name}/run`, { method: 'POST', headers, body: '{}' })],
    ['view', await fetch(`${started.url}/v/${c.name}`, { headers: { cookie } })],
    ['csv', await fetch(`${started.url}/v/${c.name}/rows.csv`, { headers: { cookie } })],
  ]
  for (const [where, response] of answers) {
    tally.answers++
    const text = await response.text()
    const label = `${c.name} ${where} ${response.status}`
    if (server.exitCode !== null) {
      tally.crashes++
      problems.push(`${label}: the server died`)
    } else if (response.status === 500 || text.includes('QUARRY_INTERNAL')) {
      tally.crashes++
      problems.push(`${label}: QUARRY_INTERNAL`)
    }
    if (STACK.test(text)) {
      tally.stacks++
      problems.push(`${label}: a stack trace`)
    }
    if (where !== 'run') continue
    if (c.code !== undefined) {
      const code = response.status >= 400 ? JSON.parse(text).error?.code : 'none'
      if (code !== c.code) {
        tally.wrongCode++
        problems.push(`${label}: ${code}, expected ${c.code}`)
      }
      continue
    }
    const body = response.status === 200 ? JSON.parse(text) : undefined
    const rowsText = JSON.stringify(body?.rows ?? null)
    const corrupt =
      body === undefined ||
      (c.holds !== undefined && !rowsText.includes(c.holds)) ||
      (c.lacks !== undefined && body.columns.some((column) => column.includes(c.lacks))) ||
      (c.rows !== undefined && body.rowCount !== c.rows)
    if (corrupt) {
      tally.corruptions++
      problems.push(`${label}: ${rowsText.slice(0, 200)}`)
    }
  }
}

try {
  for (const c of [...UPSTREAM_CASES, ...CONVERTER_CASES]) await check(c)
} finally {
  clearInterval(sampler)
  server.kill('SIGTERM')
  upstream.close()
}
const serverPeakMb = Math.round(peak.server / 1024)
const workerPeakMb = Math.round(peak.worker / 1024)
const line =
  `${tally.cases} hostile cases (${UPSTREAM_CASES.length} upstream: charsets, BOMs, gzip/deflate/br, a 1 GiB gzip bomb, ` +
  `200,000-deep JSON, resets, redirects, 429s, HTML, binary, a drip, an oversize body; ${CONVERTER_CASES.length} converters: ` +
  `errors, a CPU loop, 800 MB and 10-million-object results, deep and cyclic values, non-rows, a 60 MB message, import(), ` +
  `overridden built-ins, BigInt/Date/NaN/Map values, 150,000 rows), each through the API run, the view and the CSV download ` +
  `(${tally.answers} answers): **${tally.crashes} crashes, ${tally.stacks} stack traces, ${tally.corruptions} silent corruptions**, ` +
  `${tally.wrongCode} unexpected codes; server peak RSS **${serverPeakMb} MB**, largest converter worker ${workerPeakMb} MB`
console.log(line)
for (const problem of problems) console.log(`  ${problem}`)
rmSync(dir, { recursive: true, force: true })
if (!process.argv.includes('--no-write')) recordResult('Hostile input', 'npm run bench:hostile', line)
if (problems.length > 0) process.exitCode = 1
