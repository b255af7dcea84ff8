import { execFileSync } from 'node:child_process'
import {
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SESSION_COOKIE } from '../../src/server/context.js'
import { TEST_SECRET_KEY } from '../helpers/engine.js'
import { freePort } from '../helpers/quarry-process.mjs'
import { createTestSchema, type TestSchema } from '../helpers/postgres.js'
import { deployBlock, execStart, settings, templated } from './deploy-doc.js'
import { setCookies, start, Visitor, type Started } from './harness.js'

/**
 * Issue 19: the deployment docs/reverse-proxy.md describes, run as written. nginx (Debian's
 * package) with the documented configuration — only its ports and certificate paths changed —
 * terminates TLS on loopback with a certificate made for this run, in front of two `quarry serve`
 * processes started with the documented unit's ExecStart line on one PostgreSQL schema; `quarry
 * sim` plays Atlassian. Visitors come from addresses of their own (127.0.0.2, …), so what the
 * servers believe about a visitor's address can be checked.
 */

const NGINX = '/usr/sbin/nginx'
const OPENSSL = '/usr/bin/openssl'
const QUARRY = new URL('../../bin/quarry.js', import.meta.url).pathname
/** nginx never runs as root here: when the test does, nginx runs as nobody (its files are given to nobody). */
const NOBODY = 65534
const PASSWORD = 'correct horse battery'

let schema: TestSchema
let dir: string
let nginxDir: string
let sim: Started
let servers: Started[] = []
let nginx: Started
let publicUrl: string
let simUrl: string
let ca: string
const answers: string[] = []
const visitors: Visitor[] = []
let ada: Visitor

function visitor(address: string): Visitor {
  const made = new Visitor(publicUrl, address, ca, answers)
  visitors.push(made)
  return made
}

function requireTool(path: string, pkg: string): void {
  if (!existsSync(path)) {
    throw new Error(
      `${path} is missing: the reverse-proxy test needs Debian's ${pkg} package (bash scripts/test.sh installs it through scripts/test-tools.sh; or apt-get install -y ${pkg})`,
    )
  }
}

/** A self-signed certificate for 127.0.0.1, made for this run. */
function makeCertificate(): void {
  const request =
    'req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 -subj /CN=127.0.0.1'
  const names = ['-addext', 'subjectAltName=IP:127.0.0.1']
  const files = ['-keyout', join(nginxDir, 'key.pem'), '-out', join(nginxDir, 'cert.pem')]
  execFileSync(OPENSSL, [...request.split(' '), ...names, ...files], { stdio: 'pipe' })
  ca = readFileSync(join(nginxDir, 'cert.pem'), 'utf8')
}

/** A `quarry serve` as the documented unit starts it: its ExecStart and Environment, instance `port`. */
async function startServer(port: number): Promise<Started> {
  const unit = deployBlock('systemd')
  const words = execStart(unit)
  expect(words[0]).toBe('/usr/local/bin/quarry')
  const args = templated(words.slice(1).join('\n'), {
    '%i': String(port),
    'https://quarry.example.com': publicUrl,
  }).split('\n')
  // The environment file's variables, with this run's values; the unit's own Environment= lines.
  const secrets: Record<string, string> = {
    QUARRY_DATABASE_URL: schema.url,
    QUARRY_SECRET_KEY: TEST_SECRET_KEY,
  }
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    QUARRY_ATLASSIAN_AUTH_URL: simUrl,
    QUARRY_ATLASSIAN_API_URL: simUrl,
  }
  for (const [name] of settings(deployBlock('environment'))) env[name] = secrets[name]
  for (const [key, value] of settings(unit)) {
    if (key !== 'Environment') continue
    const [name = '', path = ''] = value.split('=')
    env[name] = join(dir, path)
    mkdirSync(env[name], { recursive: true })
  }
  const server = start(process.execPath, [QUARRY, ...args], { env })
  await server.waitFor('listening on')
  return server
}

/** nginx with the documented configuration in a main configuration of the test's own (Debian's nginx.conf's part). */
async function startNginx(port: number, upstreams: readonly number[]): Promise<Started> {
  const site = templated(deployBlock('nginx'), {
    'server 127.0.0.1:8080;': `server 127.0.0.1:${upstreams[0]};`,
    'server 127.0.0.1:8081;': `server 127.0.0.1:${upstreams[1]};`,
    'listen 443 ssl;': `listen 127.0.0.1:${port} ssl;`,
    '/etc/ssl/quarry/fullchain.pem': join(nginxDir, 'cert.pem'),
    '/etc/ssl/quarry/privkey.pem': join(nginxDir, 'key.pem'),
  })
  writeFileSync(join(nginxDir, 'quarry.conf'), site)
  const temp = ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']
  writeFileSync(
    join(nginxDir, 'nginx.conf'),
    [
      'worker_processes 1;',
      `pid ${nginxDir}/nginx.pid;`,
      `error_log ${nginxDir}/error.log info;`,
      'events { worker_connections 256; }',
      'http {',
      `  access_log ${nginxDir}/access.log;`,
      ...temp.map((name) => `  ${name === 'body' ? 'client_body' : name}_temp_path ${nginxDir}/${name};`),
      `  include ${nginxDir}/quarry.conf;`,
      '}',
    ].join('\n'),
  )
  const root = process.getuid?.() === 0
  if (root) for (const name of ['', ...readdirSync(nginxDir)]) chownSync(join(nginxDir, name), NOBODY, NOBODY)
  const started = start(
    NGINX,
    [
      '-p',
      `${nginxDir}/`,
      '-c',
      join(nginxDir, 'nginx.conf'),
      '-e',
      join(nginxDir, 'error.log'),
      '-g',
      'daemon off;',
    ],
    root ? { uid: NOBODY, gid: NOBODY } : {},
  )
  // Ready once it answers over TLS (the servers behind it listen already).
  const probe = new Visitor(publicUrl, '127.0.0.1', ca, [])
  let last = ''
  try {
    for (let attempt = 0; attempt < 100 && started.child.exitCode === null; attempt++) {
      try {
        const answer = await probe.send('GET', '/api/setup')
        if (answer.status === 200) return started
        last = `it answered ${answer.status}`
      } catch (error) {
        last = (error as Error).message
      }
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    const log = existsSync(join(nginxDir, 'error.log'))
      ? readFileSync(join(nginxDir, 'error.log'), 'utf8')
      : ''
    throw new Error(`nginx did not start (${last}):\n${started.output()}\n${log}`)
  } finally {
    await probe.close()
  }
}

beforeAll(async () => {
  requireTool(NGINX, 'nginx')
  requireTool(OPENSSL, 'openssl')
  schema = await createTestSchema()
  dir = mkdtempSync(join(tmpdir(), 'quarry-proxy-'))
  nginxDir = mkdtempSync(join(tmpdir(), 'quarry-nginx-'))
  makeCertificate()
  const [proxyPort, simPort, portA, portB] = await Promise.all([
    freePort(),
    freePort(),
    freePort(),
    freePort(),
  ])
  publicUrl = `https://127.0.0.1:${proxyPort}`
  simUrl = `http://127.0.0.1:${simPort}`
  const client = `quarry-web:web-secret:${publicUrl}/api/oauth/callback`
  const simFlags = `--port ${simPort} --issues 40 --auto-consent alice --client ${client}`
  sim = start(process.execPath, [QUARRY, 'sim', ...simFlags.split(' ')])
  await sim.waitFor('listening on')
  // One after the other: the second finds the store the first made.
  servers = [await startServer(portA as number), await startServer(portB as number)]
  nginx = await startNginx(proxyPort as number, [portA as number, portB as number])
  ada = visitor('127.0.0.10')
}, 90_000)

afterAll(async () => {
  await Promise.all(visitors.map((one) => one.close()))
  await Promise.all([nginx, sim, ...servers].filter(Boolean).map((one) => one.stop()))
  await schema?.drop()
  for (const path of [dir, nginxDir]) if (path) rmSync(path, { recursive: true, force: true })
})

/** The session cookie an answer sets, whole (with its attributes). */
function sessionCookie(headers: Parameters<typeof setCookies>[0]): string {
  const cookie = setCookies(headers).find((one) => one.startsWith(`${SESSION_COOKIE}=`))
  if (cookie === undefined) throw new Error('no session cookie was set')
  return cookie
}

/** The requests a server logged, with the client address it believed. */
function logged(server: Started): Array<{ url: string; remoteAddress: string }> {
  return server
    .output()
    .split('\n')
    .filter((line) => line.includes('"request completed"'))
    .map((line) => JSON.parse(line).req)
}

describe('two quarry servers behind nginx with TLS, as docs/reverse-proxy.md sets them up', () => {
  it('runs nginx as a user other than root, on the files of its own directory', () => {
    const uid = /^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${nginx.child.pid}/status`, 'utf8'))?.[1]
    expect(Number(uid)).not.toBe(0)
    expect(readFileSync(join(nginxDir, 'nginx.pid'), 'utf8').trim()).toBe(String(nginx.child.pid))
  })

  it('creates the first admin through the setup link, which names the public URL; the session cookie is Secure', async () => {
    const [first, second] = servers.map(
      (server) => /create the admin at (\S+)/.exec(server.output())?.[1] ?? '',
    ) as [string, string]
    for (const link of [first, second]) expect(link.startsWith(`${publicUrl}/admin/setup?token=`)).toBe(true)
    expect((await ada.send('GET', first)).status).toBe(200)
    // As the document says, each server's link works until the first admin exists: the first
    // server's creates her, and the second's is spent with it.
    const token = (link: string) => new URL(link).searchParams.get('token') as string
    const created = await ada.send('POST', '/api/setup', {
      json: { token: token(first), name: 'ada', password: PASSWORD },
    })
    expect(created.status).toBe(201)
    const spent = await visitor('127.0.0.12').send('POST', '/api/setup', {
      json: { token: token(second), name: 'bob', password: PASSWORD },
    })
    expect(JSON.parse(spent.text).error.code).toBe('QUARRY_SETUP')
    ada.csrf = JSON.parse(created.text).csrfToken
    const cookie = sessionCookie(created.headers)
    expect(cookie).toMatch(/; Secure/)
    expect(cookie).toMatch(/; HttpOnly/)
    expect(cookie).toMatch(/; SameSite=Lax/)
  })

  it('signs in through the proxy, and the session holds on whichever server answers', async () => {
    const again = visitor('127.0.0.11')
    const signedIn = await again.send('POST', '/api/session', { json: { name: 'ada', password: PASSWORD } })
    expect(signedIn.status).toBe(200)
    expect(sessionCookie(signedIn.headers)).toMatch(/; Secure/)
    // nginx takes turns: four requests reach both servers.
    for (let i = 0; i < 4; i++) {
      const session = await again.send('GET', '/api/session')
      expect(session.status).toBe(200)
      expect(JSON.parse(session.text).user.name).toBe('ada')
    }
  })

  it('connects Jira through the simulator, the consent coming back to the public URL', async () => {
    const created = await ada.send('POST', '/api/presets/jira-cloud/datasources', {
      json: { name: 'jira', clientId: 'quarry-web', clientSecret: 'web-secret' },
    })
    expect(created.status).toBe(201)
    const started = await ada.send('POST', '/api/datasources/jira/connect', { json: {} })
    const { authorizeUrl, redirectUri } = JSON.parse(started.text)
    expect(redirectUri).toBe(`${publicUrl}/api/oauth/callback`)
    // The browser goes to the provider, which consents (alice) and sends it back through nginx.
    const consent = await fetch(authorizeUrl, { redirect: 'manual' })
    const callback = consent.headers.get('location') ?? ''
    expect(callback.startsWith(`${publicUrl}/api/oauth/callback?`)).toBe(true)
    const back = await ada.send('GET', callback)
    expect(back.status).toBe(302)
    expect(back.headers.location).toBe('/admin/datasources/jira?connected=1')
    const [listed] = JSON.parse((await ada.send('GET', '/api/datasources')).text)
    expect(listed.connection).toMatchObject({ status: 'connected', site: { name: 'acme' } })
  })

  it('shows a view, fetches it again on Refresh and downloads it as CSV', async () => {
    const view = await ada.send('GET', '/v/jira-projects')
    expect(view.status).toBe(200)
    expect(view.text).toContain('DEMO')
    const upstream = async () => JSON.parse(await (await fetch(`${simUrl}/_sim/stats`)).text()).requests
    const before = await upstream()
    const refreshed = await ada.send('POST', '/v/jira-projects/refresh', { form: { _csrf: ada.csrf } })
    expect(refreshed.status).toBe(303)
    expect(refreshed.headers.location).toBe('/v/jira-projects')
    const after = await upstream()
    expect(after['GET project/search']).toBeGreaterThan(before['GET project/search'] ?? 0)
    const csv = await ada.send('GET', '/v/jira-projects/rows.csv')
    expect(csv.status).toBe(200)
    expect(csv.headers['content-type']).toMatch(/^text\/csv/)
    expect(csv.headers['content-disposition']).toMatch(/^attachment/)
    expect(csv.text.split('\r\n')[0]).toBe('Key,Name,Type')
    expect(csv.text).toMatch(/\r\nDEMO,/)
  })

  it('counts sign-in attempts per visitor address as nginx saw it; an address a visitor writes in X-Forwarded-For is ignored', async () => {
    const mallory = visitor('127.0.0.2')
    const statuses: number[] = []
    // The default limit is 10 a minute; each attempt claims to come from another address.
    for (let i = 1; i <= 11; i++) {
      const attempt = await mallory.send('POST', '/api/session', {
        json: { name: 'ada', password: 'wrong password' },
        headers: { 'x-forwarded-for': `203.0.113.${i}` },
      })
      statuses.push(attempt.status)
    }
    expect(statuses).toEqual([...Array(10).fill(401), 429])
    // Another visitor is not limited: the servers do not see everyone as nginx's 127.0.0.1.
    const bea = visitor('127.0.0.3')
    expect(
      (await bea.send('POST', '/api/session', { json: { name: 'ada', password: PASSWORD } })).status,
    ).toBe(200)

    // A request's line is written once it is answered, so the last one may reach the log just after.
    const addresses = () =>
      new Set(
        servers
          .flatMap(logged)
          .filter((req) => req.url === '/api/session')
          .map((req) => req.remoteAddress),
      )
    await expect.poll(addresses).toEqual(new Set(['127.0.0.11', '127.0.0.2', '127.0.0.3']))
  })

  it('spreads requests over both servers, and the other answers when one stops', async () => {
    const [a, b] = servers.map((server) => logged(server).length)
    expect(a).toBeGreaterThan(5)
    expect(b).toBeGreaterThan(5)
    await servers[1]?.stop()
    for (let i = 0; i < 4; i++) expect((await ada.send('GET', '/v/jira-projects/rows.csv')).status).toBe(200)
  })

  it('never hands out a server’s own address: links and redirects name the public URL', async () => {
    const own = servers.map((server) => /listening on (\S+)/.exec(server.output())?.[1])
    // The servers report the public URL as theirs; their real ports appear in nothing sent.
    expect(own).toEqual([publicUrl, publicUrl])
    const openapi = JSON.parse((await ada.send('GET', '/api/docs')).text)
    expect(openapi.servers.map((server: { url: string }) => server.url)).toEqual([publicUrl])
    expect((await ada.send('GET', '/embed.js')).text).toContain(publicUrl)
    const ports = readFileSync(join(nginxDir, 'quarry.conf'), 'utf8').match(/127\.0\.0\.1:\d+(?=;)/g) ?? []
    expect(ports).toHaveLength(2)
    for (const port of ports) expect(answers.filter((text) => text.includes(port))).toEqual([])
  })
})
