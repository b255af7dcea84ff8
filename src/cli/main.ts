// First: it decides how zod parses before any schema is built. The rest is imported after it, not
// beside it: static imports would all run before this module's body, in the CLI bundle too.
import './zod-mode.js'

const { failureOf } = await import('./failure.js')
const { buildProgram } = await import('./program.js')

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

// Only the command argv names is built (all of them for help or a word that is no command).
const program = await buildProgram(process.argv.slice(2))

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
