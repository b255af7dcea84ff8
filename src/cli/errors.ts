import { QuarryError, type ErrorCode, type QuarryErrorOptions } from '../domain/errors.js'

/** The codes the CLI raises itself: a wrong flag or argument, a port it cannot listen on. */
export type CliErrorCode = Extract<ErrorCode, 'QUARRY_USAGE' | 'QUARRY_PORT_IN_USE'>

/**
 * A usage error of the command line: a registered code (exit 2), printed as one `quarry:` line.
 *
 * @example throw new CliError('QUARRY_USAGE', `--port must be a port number (0–65535), got "${port}"`)
 */
export class CliError extends QuarryError {
  declare readonly code: CliErrorCode

  constructor(code: CliErrorCode, message: string, options?: QuarryErrorOptions) {
    super(code, message, options)
    this.name = 'CliError'
  }
}
