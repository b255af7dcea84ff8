import type { Command } from 'commander'

/** `quarry connect NAME`: the OAuth consent, end to end, in one command. */
export function registerConnect(program: Command): void {
  program
    .command('connect <datasource>')
    .description(
      'Consent to an OAuth 2.0 (3LO) datasource: open the browser, receive the code, store the tokens',
    )
    .option('--no-browser', 'print the URL to open instead of opening a browser')
    .option(
      '--paste',
      'paste the URL the browser was redirected to (for a redirect URI this machine cannot receive)',
    )
    .option(
      '--public-url <url>',
      "the Quarry server the datasource is connected through: print its page's Connect link (a callback at /api/oauth/callback implies it)",
    )
    .option('--site <name|url|id>', 'Jira Cloud: which site, when the grant covers several')
    .option('--timeout <duration>', 'how long to wait for the callback', '5m')
    .action(async (name, flags, sub) => {
      const { connect } = await import('./connect-run.js')
      await connect(name, flags, sub.optsWithGlobals())
    })
}
