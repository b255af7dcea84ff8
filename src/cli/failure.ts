import { CommanderError } from 'commander'
import { writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { inspect } from 'node:util'
import { ConverterError } from '../convert/errors.js'
import { QuarryError } from '../domain/errors.js'
import { StoreError } from '../store/errors.js'
import { CliError } from './errors.js'

/**
 * How a failed command ends: every failure becomes one `quarry: …` line and the error registry's
 * exit code (issue 12: no stack trace reaches a user). What only Quarry's own bug can cause says
 * so, and where its details went; `--debug` prints them instead.
 */

/** Store errors whose codes the registry knows by name; any other store failure is QUARRY_STORE. */
const STORE_CODES_IN_REGISTRY = [
  'QUARRY_DATASOURCE_NOT_FOUND',
  'QUARRY_DATASOURCE_EXISTS',
  'QUARRY_DATASOURCE_IN_USE',
  'QUARRY_QUERY_NOT_FOUND',
  'QUARRY_QUERY_EXISTS',
] as const

/**
 * The registry's error for a failure that carries its own kind (a store's, a converter's), or the
 * error itself.
 *
 * @example asQuarryError(new ConverterError('runtime', 'Converter failed …')).code // 'QUARRY_CONVERTER_FAILED'
 */
export function asQuarryError(error: unknown): unknown {
  if (error instanceof StoreError) {
    const code = STORE_CODES_IN_REGISTRY.find((c) => c === error.code) ?? 'QUARRY_STORE'
    return new QuarryError(code, error.message, { cause: error })
  }
  // A converter's failure is its author's to fix: the message names the line (the server says the same, 422).
  if (error instanceof ConverterError)
    return new QuarryError('QUARRY_CONVERTER_FAILED', error.message, { cause: error })

  return error
}

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
 * // { text: 'quarry: Parameter "q" …\n', exitCode: 2 }
 */
export function failureOf(error: unknown, debug: boolean): Failure {
  // Commander has printed the problem (or the help) already; usage errors exit 2 like configuration mistakes.
  if (error instanceof CommanderError) return { text: '', exitCode: error.exitCode === 0 ? 0 : 2 }
  const known = asQuarryError(error)
  if (known instanceof CliError || known instanceof QuarryError)
    return { text: `quarry: ${known.message}\n`, exitCode: known.exitCode }

  return bug(error, debug)
}

/**
 * Quarry's own bug: one line saying so, the details (stack, causes) in a file only the user can read,
 * or on stderr with --debug. The error's own message stays out of the line: it may quote anything.
 */
export function bug(error: unknown, debug: boolean): Failure {
  const details = inspect(error, { depth: 6 })
  if (debug) return { text: `quarry: Quarry hit a bug:\n${details}\n`, exitCode: 1 }
  const kind = error instanceof Error ? error.name : typeof error
  const file = join(
    tmpdir(),
    `quarry-bug-${new Date().toISOString().replace(/[:.]/g, '-')}-${process.pid}.log`,
  )
  try {
    writeFileSync(file, `${details}\n`, { mode: 0o600 })
    return {
      text: `quarry: Quarry hit a bug (${kind}); the details are in ${file} (or run again with --debug to print them).\n`,
      exitCode: 1,
    }
  } catch {
    return {
      text: `quarry: Quarry hit a bug (${kind}); run again with --debug to print the details.\n`,
      exitCode: 1,
    }
  }
}
