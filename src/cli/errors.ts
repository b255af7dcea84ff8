/** An error the user can act on: printed as one line, no stack, with an exit code. */
export class CliError extends Error {
  readonly exitCode: number
  constructor(message: string, exitCode = 2, options?: ErrorOptions) {
    super(message, options)
    this.name = 'CliError'
    this.exitCode = exitCode
  }
}
