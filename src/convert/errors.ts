import { QuarryError, type ErrorCode } from '../domain/errors.js'

/**
 * The one error a converter run fails with. Its message is written for the
 * person who wrote the converter: what went wrong and, when known, where in
 * their source (lines count from 1 in the source as they wrote it).
 */

/**
 * What failed: the source would not compile, it threw, ran too long, used too much memory, broke the
 * contract (returned something that is not rows), returned more than the run's row or byte limit, or killed its worker.
 */
export type ConverterErrorKind =
  'syntax' | 'runtime' | 'timeout' | 'memory' | 'contract' | 'limit' | 'crashed'

/** Each kind's registered code (domain/errors.ts): the API and the CLI say which way it failed. */
export const CONVERTER_ERROR_CODES = {
  syntax: 'QUARRY_CONVERTER_SYNTAX',
  runtime: 'QUARRY_CONVERTER_RUNTIME',
  timeout: 'QUARRY_CONVERTER_TIMEOUT',
  memory: 'QUARRY_CONVERTER_MEMORY',
  contract: 'QUARRY_CONVERTER_CONTRACT',
  limit: 'QUARRY_CONVERTER_LIMIT',
  crashed: 'QUARRY_CONVERTER_CRASHED',
} as const satisfies Record<ConverterErrorKind, ErrorCode>

/**
 * @example
 * try { await pool.run(input) } catch (error) {
 *   if (error instanceof ConverterError && error.kind === 'runtime') console.error(error.message, error.line)
 * }
 */
export class ConverterError extends QuarryError {
  declare readonly code: (typeof CONVERTER_ERROR_CODES)[ConverterErrorKind]
  readonly kind: ConverterErrorKind
  /** 1-based line in the converter's source, when known. */
  readonly line?: number
  /** 1-based column in the converter's source, when known. */
  readonly column?: number

  constructor(kind: ConverterErrorKind, message: string, location: { line?: number; column?: number } = {}) {
    super(CONVERTER_ERROR_CODES[kind], message)
    this.name = 'ConverterError'
    this.kind = kind
    if (location.line !== undefined) this.line = location.line
    if (location.column !== undefined) this.column = location.column
  }
}
