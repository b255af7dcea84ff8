import { CommanderError } from 'commander'
import { writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { inspect } from 'node:util'
import { QuarryError } from '../domain/errors.js'

/**
 * How a failed command ends: every failure becomes one `quarry: …` line naming its registered code,
 * and the registry's exit code (issue 12: no stack trace reaches a user). The store's, converter's
 * and CLI's errors are QuarryErrors, so one branch reads them all. What only Quarry's own bug can
 * cause says so (QUARRY_INTERNAL), and where its details went; `--debug` prints them instead.
 */

/** What the process prints and exits with. */
export interface Failure {
  /** Lines for stderr, each ending in a newline ('' when Commander has printed its own). */
  readonly text: string
  readonly exitCode: number
}

/**
 * The one branch from any thrown value to what the user reads.
 *
 * @example failureOf(new QuarryError('QUARRY_PARAM_TYPE', 'Parameter "q" …'), false)
 * // { text: 'quarry: Parameter "q" … (QUARRY_PARAM_TYPE)\n', exitCode: 2 }
 */
export function failureOf(error: unknown, debug: boolean): Failure {
  // Commander has printed the problem (or the help) already; usage errors exit 2 like configuration mistakes.
  if (error instanceof CommanderError) return { text: '', exitCode: error.exitCode === 0 ? 0 : 2 }
  if (!(error instanceof QuarryError)) return bug(error, debug)
  return { text: `quarry: ${error.message} (${error.code})\n`, exitCode: error.exitCode }
}

/**
 * Quarry's own bug: one line saying so, the details (stack, causes) in a file only the user can read,
 * or on stderr with --debug. The error's own message stays out of the line: it may quote anything.
 */
function bug(error: unknown, debug: boolean): Failure {
  const details = inspect(error, { depth: 6 })
  if (debug) return { text: `quarry: Quarry hit a bug (QUARRY_INTERNAL):\n${details}\n`, exitCode: 1 }
  const kind = error instanceof Error ? error.name : typeof error
  const file = join(
    tmpdir(),
    `quarry-bug-${new Date().toISOString().replace(/[:.]/g, '-')}-${process.pid}.log`,
  )
  try {
    writeFileSync(file, `${details}\n`, { mode: 0o600 })
    return {
      text: `quarry: Quarry hit a bug (QUARRY_INTERNAL, ${kind}); the details are in ${file} (or run again with --debug to print them).\n`,
      exitCode: 1,
    }
  } catch {
    return {
      text: `quarry: Quarry hit a bug (QUARRY_INTERNAL, ${kind}); run again with --debug to print the details.\n`,
      exitCode: 1,
    }
  }
}
