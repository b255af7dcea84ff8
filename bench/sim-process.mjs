// Shared by the benchmarks: `quarry sim` in its own process (so the simulator
// and the code measured do not share a CPU core's event loop), and a consent
// that yields tokens and the first site's cloud id.
import { spawn } from 'node:child_process'

export const BENCH_CLIENT = {
  id: 'bench',
  secret: 'bench-secret',
  redirect: 'http://localhost:8765/callback',
}

/** Starts the simulator with the bench app registered and alice consenting; resolves once it listens. */
export function startSim(extraArgs = []) {
  const child = spawn(
    process.execPath,
    [
      'bin/quarry.js',
      'sim',
      '--port',
      '0',
      '--auto-consent',
      'alice',
      '--client',
      `${BENCH_CLIENT.id}:${BENCH_CLIENT.secret}:${BENCH_CLIENT.redirect}`,
      ...extraArgs,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  )
  return new Promise((resolve, reject) => {
    let out = ''
    child.stdout.on('data', (chunk) => {
      out += chunk
      const match = /listening on (http:\/\/\S+)/.exec(out)
      if (match) resolve({ url: match[1], stop: () => child.kill('SIGTERM') })
    })
    child.on('exit', (code) => reject(new Error(`quarry sim exited with ${code}`)))
  })
}

/** Consents through the simulator (auto-consent) and returns the token set and alice's first site. */
export async function consent(sim, scope = 'read:jira-work read:jira-user offline_access') {
  const authorize = new URL('/authorize', sim)
  authorize.search = new URLSearchParams({
    audience: 'api.atlassian.com',
    client_id: BENCH_CLIENT.id,
    scope,
    redirect_uri: BENCH_CLIENT.redirect,
    state: 'bench',
    response_type: 'code',
  }).toString()
  const code = new URL(
    (await fetch(authorize, { redirect: 'manual' })).headers.get('location'),
  ).searchParams.get('code')
  const tokens = await (
    await fetch(`${sim}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        grant_type: 'authorization_code',
        client_id: BENCH_CLIENT.id,
        client_secret: BENCH_CLIENT.secret,
        code,
        redirect_uri: BENCH_CLIENT.redirect,
      }),
    })
  ).json()
  const sites = await (
    await fetch(`${sim}/oauth/token/accessible-resources`, {
      headers: { authorization: `Bearer ${tokens.access_token}` },
    })
  ).json()
  return { tokens, cloudId: sites.find((s) => s.name === 'acme').id }
}

/** `quarry datasource add` arguments for a 3LO Jira datasource on the simulator, seeded with a refresh token. */
export function jiraDatasourceArgs(sim, baseUrl, refreshToken) {
  return [
    'datasource',
    'add',
    'jira',
    '--url',
    baseUrl,
    '--auth',
    'oauth2-authorization-code',
    '--authorize-url',
    `${sim}/authorize`,
    '--token-url',
    `${sim}/oauth/token`,
    '--client-id',
    BENCH_CLIENT.id,
    '--client-secret',
    BENCH_CLIENT.secret,
    '--scope',
    'read:jira-work offline_access',
    '--redirect-uri',
    BENCH_CLIENT.redirect,
    '--refresh-token',
    refreshToken,
  ]
}
