import type { Command } from 'commander'
import { collect } from './flags.js'

/** `quarry schedule add|list|show|edit|remove|run`: queries refreshed on a cron schedule (issue 16). */
export function registerSchedule(program: Command): void {
  const command = program
    .command('schedule')
    .description('Refresh queries on a cron schedule (quarry serve runs them; views read the result)')
  command
    .command('add <name>')
    .description('Add a schedule: a query with parameter values, refreshed on a cron pattern')
    .requiredOption('--query <query>', 'the query to refresh')
    .requiredOption(
      '--cron <pattern>',
      'minute hour day month weekday, e.g. "0 7 * * 1-5" (six fields: seconds first)',
    )
    .option('--tz <zone>', 'the time zone the pattern is read in, as IANA names it (default UTC)')
    .option('-p, --param <name=value>', 'a parameter value (repeatable)', collect)
    .option('--disabled', 'save it switched off')
    .option('--snapshot', 'each run also takes a snapshot of the rows (quarry snapshot list QUERY)')
    .action(async (name, flags, sub) => {
      const { addSchedule } = await import('./schedule-run.js')
      await addSchedule(name, flags, sub.optsWithGlobals())
    })
  command
    .command('edit <name>')
    .description('Change a schedule: the flags given replace what it had')
    .option('--query <query>', 'another query')
    .option('--cron <pattern>', 'a new pattern (the next run follows it)')
    .option('--tz <zone>', 'a new time zone')
    .option('-p, --param <name=value>', 'the parameter values, all of them (repeatable)', collect)
    .option('--no-params', 'no parameter values: the query’s defaults')
    .option('--enable', 'switch it on')
    .option('--disable', 'switch it off')
    .option('--snapshot', 'each run also takes a snapshot of the rows')
    .option('--no-snapshot', 'runs take no snapshot')
    .action(async (name, flags, sub) => {
      const { changeSchedule } = await import('./schedule-run.js')
      await changeSchedule(name, flags, sub.optsWithGlobals())
    })
  command
    .command('list')
    .description('List the schedules: pattern, next run, last run and last error')
    .action(async (_flags, sub) => {
      const { listSchedules } = await import('./schedule-run.js')
      await listSchedules(sub.optsWithGlobals())
    })
  command
    .command('show <name>')
    .description('Show a schedule and its latest runs as JSON')
    .action(async (name, _flags, sub) => {
      const { showSchedule } = await import('./schedule-run.js')
      await showSchedule(name, sub.optsWithGlobals())
    })
  command
    .command('remove <name>')
    .description('Remove a schedule and its run history')
    .action(async (name, _flags, sub) => {
      const { removeSchedule } = await import('./schedule-run.js')
      await removeSchedule(name, sub.optsWithGlobals())
    })
  command
    .command('run <name>')
    .description('Run a schedule now (its cron time stays), recording it as the server would')
    .option(
      '--public-url <url>',
      "where people reach the server: with it, the schedule's subscriptions are mailed (their links start with it)",
    )
    .action(async (name, flags, sub) => {
      const { runScheduleNow } = await import('./schedule-run.js')
      await runScheduleNow(name, sub.optsWithGlobals(), flags.publicUrl)
    })
}
