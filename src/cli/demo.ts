import type { Command } from 'commander'

/** `quarry demo`: the server with a ready workspace on the simulator — the README's first command. */
export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description(
      'Start the server with a demo workspace: the Atlassian Cloud simulator, a Jira Cloud datasource connected to it, and a Jira query ready to view',
    )
    .option('--port <port>', 'the server’s port', '8080')
    .option('--sim-port <port>', 'the simulator’s port', '4455')
    .option('--embed-port <port>', 'the port of a sample page on another origin that embeds a view', '8081')
    .option('--quiet', 'no request logs')
    .action(async (flags, sub) => {
      const { runDemo } = await import('./demo-run.js')
      await runDemo(flags, sub.optsWithGlobals())
    })
}
