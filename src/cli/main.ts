import { Command, CommanderError } from 'commander'
import { QuarryError } from '../domain/errors.js'
import { CliError } from './errors.js'

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
  .showHelpAfterError()

const commands = await Promise.all([
  import('./sim.js').then((m) => m.registerSim),
  import('./datasource.js').then((m) => m.registerDatasource),
  import('./connect.js').then((m) => m.registerConnect),
  import('./query.js').then((m) => m.registerQuery),
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
  if (error instanceof CommanderError) {
    // Commander has printed the problem (or the help) already.
    process.exitCode = error.exitCode === 0 ? 0 : 2
  } else if (error instanceof CliError || error instanceof QuarryError) {
    console.error(`quarry: ${error.message}`)
    process.exitCode = error.exitCode
  } else {
    throw error
  }
}
