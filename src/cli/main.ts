import { Command } from 'commander'
import { failureOf } from './failure.js'

// `--debug` is read before parsing: a bug may strike before (or while) Commander parses.
const debug = process.argv.includes('--debug')

/**
 * The last resort (issue 12): whatever escapes every command's own handling — an error thrown in
 * a stream callback, a rejection nobody awaited — is told in one line by the same branch as every
 * other failure (a registered error as itself, anything else as a bug of Quarry's), never as Node's
 * stack dump.
 */
const lastResort = (error: unknown): void => {
  const failure = failureOf(error, debug)
  process.stderr.write(failure.text)
  process.exit(failure.exitCode)
}
process.on('uncaughtException', lastResort)
process.on('unhandledRejection', (reason) => {
  // `quarry serve` keeps running through a stray rejection (it logs it): its own handler decides.
  if (process.listenerCount('unhandledRejection') === 1) lastResort(reason)
})

/**
 * The `quarry` command line. Each command lives in its own file and loads its
 * work only when it runs, so `quarry --help` stays instant.
 */
const program = new Command()
  .name('quarry')
  .description(
    'Pull data out of REST APIs behind OAuth 2.0 (Jira Cloud first) into tables, charts and pages.',
  )
  .option(
    '--db <path>',
    'the SQLite store (default: quarry.db in the data directory; QUARRY_DATABASE_URL selects PostgreSQL)',
  )
  .option('--debug', 'when Quarry hits a bug, print its details (the stack) instead of a one-line note')
  // A usage mistake reads like every other failure: `quarry: unknown option '--bogus'`, then the usage.
  .configureOutput({ outputError: (text, write) => write(`quarry: ${text.replace(/^error: /, '')}`) })
  .showHelpAfterError()

const commands = await Promise.all([
  import('./sim.js').then((m) => m.registerSim),
  import('./datasource.js').then((m) => m.registerDatasource),
  import('./connect.js').then((m) => m.registerConnect),
  import('./query.js').then((m) => m.registerQuery),
  import('./converter.js').then((m) => m.registerConverter),
  import('./template.js').then((m) => m.registerTemplate),
  import('./run.js').then((m) => m.registerRun),
  import('./transfer.js').then((m) => m.registerTransfer),
  import('./connections.js').then((m) => m.registerConnections),
  import('./serve.js').then((m) => m.registerServe),
  import('./demo.js').then((m) => m.registerDemo),
])
for (const register of commands) register(program)

// Usage errors exit 2, like every other configuration mistake (1 is for a query that failed).
const overrideExits = (command: Command): void => {
  command.exitOverride()
  for (const sub of command.commands) overrideExits(sub)
}
overrideExits(program)

// `quarry run … | head` closes the pipe early: that is the reader's choice, not an error.
// Not an exit on the spot: a token refresh may be committing; the run ends normally, writing nothing more.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error
  process.stdout.write = (() => true) as typeof process.stdout.write
})

try {
  await program.parseAsync(process.argv)
} catch (error) {
  const failure = failureOf(error, debug)
  process.stderr.write(failure.text)
  process.exitCode = failure.exitCode
}
