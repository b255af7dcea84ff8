import type { Command } from 'commander'

/** `quarry connections refresh-idle`: the keep-alive, for cron. */
export function registerConnections(program: Command): void {
  program
    .command('connections')
    .description('Look after OAuth connections')
    .command('refresh-idle')
    .description(
      'Refresh connections not refreshed for a while, so the 90-day inactivity expiry never hits (run daily from cron)',
    )
    .option('--older-than <duration>', 'refresh connections idle longer than this', '30d')
    .action(async (flags, sub) => {
      const [{ refreshIdle }, { withStore }, { parseDuration }] = await Promise.all([
        import('../auth/keep-alive.js'),
        import('./context.js'),
        import('./flags.js'),
      ])
      const olderThanMs = parseDuration('--older-than', flags.olderThan) * 1000
      const results = await withStore(sub.optsWithGlobals(), (store) => refreshIdle(store, { olderThanMs }))
      if (results.length === 0) console.log('No OAuth connections.')
      for (const result of results)
        console.log(`${result.datasource}${result.user ? ` (user ${result.user})` : ''}: ${result.message}`)
      if (results.some((r) => r.outcome === 'failed' || r.outcome === 'needs_consent')) process.exitCode = 1
    })
}
