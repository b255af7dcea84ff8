import { demoClient } from '../sim/oauth/clients.js'
import { AUDIENCE } from '../sim/oauth/routes.js'
import { SimFlagError, parseSimFlags, type RawSimFlags } from '../sim/options.js'
import { startSimulator } from '../sim/server.js'
import { CliError } from './errors.js'

/** Starts the simulator in the foreground and prints what to try, until Ctrl-C. */
export async function runSim(flags: RawSimFlags): Promise<void> {
  let options
  try {
    options = parseSimFlags(flags)
  } catch (error) {
    if (error instanceof SimFlagError) throw new CliError('QUARRY_USAGE', `sim: ${error.message}`)
    throw error
  }
  const demo = options.clients.length === 0 ? demoClient(options.seed) : undefined
  if (demo) options = { ...options, clients: [demo] }
  let sim
  try {
    sim = await startSimulator(options)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'EADDRINUSE') {
      throw new CliError(
        'QUARRY_PORT_IN_USE',
        `sim: port ${options.port} is in use; choose another with --port`,
        {
          cause: error,
        },
      )
    }
    throw error
  }
  const { world } = sim.context
  const consent = options.autoConsent
  if (consent && !world.users.some((u) => u.login === consent.login)) {
    await sim.close()
    throw new CliError(
      'QUARRY_USAGE',
      `sim: --auto-consent names no user "${consent.login}"; users: ${world.users.map((u) => u.login).join(', ')}`,
    )
  }
  const client = options.clients[0]
  const lines = [
    `Atlassian Cloud simulator listening on ${sim.url}`,
    `  seed ${options.seed} · ${options.issues} issues on ${world.sites.length} sites (${world.sites.map((s) => s.name).join(', ')}) · ` +
      `access tokens last ${options.accessTtlSeconds} s · refresh grace ${options.refreshGraceSeconds} s`,
    `  users: ${world.users.map((u) => `${u.login} (${u.siteIndexes.map((i) => world.sites[i]?.name).join('+')})`).join(', ')}`,
    consent
      ? `  consent: automatic, as ${consent.login}`
      : '  consent: through the page (add --auto-consent alice to skip it)',
  ]
  if (demo) {
    lines.push(
      '',
      'Demo app (registered because no --client was given):',
      `  client id:     ${demo.clientId}`,
      `  client secret: ${demo.clientSecret}`,
      `  redirect URIs: ${demo.redirectUris.join(', ')}`,
    )
  }
  if (client) {
    const redirectUri = client.redirectUris[client.redirectUris.length - 1] as string
    const authorize = new URL('/authorize', sim.url)
    authorize.search = new URLSearchParams({
      audience: AUDIENCE,
      client_id: client.clientId,
      scope: 'read:jira-work read:jira-user offline_access',
      redirect_uri: redirectUri,
      state: 'try-me',
      response_type: 'code',
      prompt: 'consent',
    }).toString()
    lines.push(
      '',
      'Try it (the README walks through every step with curl):',
      `  1. consent:   open ${authorize}`,
      `  2. token:     curl -s ${sim.url}/oauth/token -H 'content-type: application/json' \\`,
      `                  -d '{"grant_type":"authorization_code","client_id":"${client.clientId}","client_secret":"${demo ? demo.clientSecret : 'YOUR_SECRET'}","code":"CODE","redirect_uri":"${redirectUri}"}'`,
      `  3. sites:     curl -s ${sim.url}/oauth/token/accessible-resources -H "authorization: Bearer $ACCESS_TOKEN"`,
      `  4. issues:    curl -s "${sim.url}/ex/jira/CLOUD_ID/rest/api/3/search/jql?jql=project%3DDEMO&fields=key,summary" -H "authorization: Bearer $ACCESS_TOKEN"`,
      `  inspect:      curl -s ${sim.url}/_sim/stats`,
    )
  }
  lines.push('', 'Press Ctrl-C to stop.')
  console.log(lines.join('\n'))

  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop)
      process.off('SIGTERM', stop)
      resolve()
    }
    process.on('SIGINT', stop)
    process.on('SIGTERM', stop)
  })
  await sim.close()
}
