import type { Command } from 'commander'
import { CliError } from './errors.js'

const collect = (value: string, previous: string[] = []) => [...previous, value]

/** The port `quarry sim` listens on unless told otherwise. */
export const SIM_DEFAULT_PORT = 4455

export function registerSim(program: Command): void {
  program
    .command('sim')
    .description('Run the Atlassian Cloud simulator (OAuth 2.0 3LO + Jira REST) with demo data')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--port <port>', 'port to listen on (0 picks a free one)', String(SIM_DEFAULT_PORT))
    .option('--seed <n>', 'seed for data, tokens and faults: the same seed gives the same run', '1')
    .option('--issues <n>', 'number of issues across all sites', '500')
    .option('--now <iso>', 'what the clock reads at start (default: the real time)')
    .option('--access-ttl <seconds>', 'access token lifetime', '3600')
    .option('--refresh-grace <seconds>', 'how long a rotated refresh token keeps working', '600')
    .option('--client <id:secret:redirect[,redirect…]>', 'register an app (repeatable)', collect)
    .option(
      '--auto-consent <user[@site,…|@*]>',
      'skip the consent page: USER consents at once (to her first site, the named ones, or all)',
    )
    .option(
      '--expired-status <401|403|404|mixed>',
      'how an expired access token is answered (the real gateway sometimes says 403 or 404)',
    )
    .option('--rate <n/s>', 'rate limit per access token, requests per second')
    .option('--burst <n>', 'requests a token may make at once before --rate applies')
    .option('--retry-after-zero', 'answer 429 with Retry-After: 0, as Jira sometimes does')
    .option('--latency <ms[±jitter]>', 'delay every API answer')
    .option('--error-rate <p>', 'probability of a 5xx answer')
    .option('--malformed-rate <p>', 'probability of a cut-off or invalid body')
    .option('--slow-body <ms>', 'pause between body chunks')
    .option('--token-faults', 'apply the faults to the token endpoint as well')
    .action(async (flags) => {
      const { runSim } = await import('./sim-run.js')
      await runSim(flags)
    })
}

export { CliError }
