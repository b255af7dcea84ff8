import { Command } from 'commander'
import { CliError } from './errors.js'

/**
 * The `quarry` command line. Each command lives in its own file and is loaded
 * only when it runs, so `quarry --help` stays instant.
 */
const program = new Command()
  .name('quarry')
  .description(
    'Pull data out of REST APIs behind OAuth 2.0 (Jira Cloud first) into tables, charts and pages.',
  )
  .showHelpAfterError()

const { registerSim } = await import('./sim.js')
registerSim(program)

try {
  await program.parseAsync(process.argv)
} catch (error) {
  if (error instanceof CliError) {
    console.error(`quarry: ${error.message}`)
    process.exitCode = error.exitCode
  } else {
    throw error
  }
}
