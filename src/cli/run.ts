import type { Command } from 'commander'
import { formatNames } from '../render/formats.js'
import { collect } from './flags.js'

/** `quarry run NAME [--param k=v …]`. */
export function registerRun(program: Command): void {
  program
    .command('run <query>')
    .description('Run a query and print its rows')
    .option('-p, --param <name=value>', 'a parameter value (repeatable)', collect)
    // The registered formats (render/formats.ts), so a new format shows up here without an edit.
    .option('-f, --format <format>', formatNames().join(' | '), 'table')
    .option('--columns <a,b,…>', 'which columns, in which order')
    .option(
      '--template',
      "with --format html: render the query's template (Liquid, chart, Velocity …) as a view does",
    )
    .option('--refresh', 'bypass the cache (and refill it)')
    .option('--as <user>', 'run as this Quarry user: a per-user datasource uses their own connection')
    .option('--cache <duration>', "keep the result this long (overrides the query's TTL), e.g. 5m")
    .action(async (name, flags, sub) => {
      const { runCommand } = await import('./run-command.js')
      await runCommand(name, flags, sub.optsWithGlobals())
    })
}
