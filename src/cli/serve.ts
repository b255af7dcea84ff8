import type { Command } from 'commander'

/** `quarry serve`: the web UI, the HTTP API, views and embeds. */
export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('Start the server: admin UI, HTTP API (docs at /api/docs), views and embeds')
    .option('--host <host>', 'the address to listen on', '127.0.0.1')
    .option('--port <port>', 'the port to listen on (0: any free port)', '8080')
    .option('--public-url <url>', 'where people reach this server (links, cookies, the OAuth callback)')
    .option('--frame-ancestor <origin...>', 'an origin allowed to embed views in an iframe (repeatable)')
    .option(
      '--trust-proxy <hops|addresses>',
      'believe X-Forwarded-For from these proxies: a hop count, or comma-separated addresses/CIDRs (e.g. 127.0.0.1,10.0.0.0/8)',
    )
    .option(
      '--refresh-cooldown <seconds>',
      'a public view’s Refresh by visitors fetches at most once per this many seconds per query',
      '60',
    )
    .option('--quiet', 'no request logs')
    .action(async (flags, sub) => {
      const { serve } = await import('./serve-run.js')
      await serve(flags, sub.optsWithGlobals())
    })
}
