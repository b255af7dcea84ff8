/**
 * The JQL engine's one error type and the sentences it carries. Jira answers a bad
 * query with HTTP 400 and `{"errorMessages":[...],"errors":{}}`; `errorMessages` is
 * exactly what goes in that list, so every sentence here copies Jira's wording
 * (taken from Jira's own func tests, TestJqlParsing and TestDefaultOperatorUsageValidator,
 * and the /rest/api/3/jql/parse examples) wherever Jira has one.
 */

/**
 * A query the simulator cannot run: a syntax error, a field/value/function Jira would
 * reject, or valid JQL the simulator does not implement.
 *
 * @example
 * try { compileJql('project = NOPE', ctx) } catch (e) { if (e instanceof JqlError) reply400(e.errorMessages) }
 */
export class JqlError extends Error {
  readonly errorMessages: readonly string[]

  constructor(errorMessages: string | readonly string[]) {
    const list = typeof errorMessages === 'string' ? [errorMessages] : [...errorMessages]
    super(list.join(' '))
    this.name = 'JqlError'
    this.errorMessages = Object.freeze(list)
  }
}

/** Where a token starts: both 1-based, as Jira counts them. */
export interface SourcePosition {
  readonly line: number
  readonly column: number
}

/**
 * A syntax error as Jira words it: `Error in the JQL Query: <what>. (line L, character C)`.
 * Errors found at the end of the query carry no position (Jira omits it there too).
 *
 * @example syntaxError("Expecting either 'OR' or 'AND' but got 'foo'.", { line: 1, column: 15 })
 */
export function syntaxError(message: string, at?: SourcePosition): JqlError {
  const where = at === undefined ? '' : ` (line ${at.line}, character ${at.column})`
  return new JqlError(`Error in the JQL Query: ${message}${where}`)
}

/**
 * Said of anything the real Jira supports but this simulator does not; never a silent wrong answer.
 *
 * @example notSupportedBySimulator("The field 'sprint'") // "The field 'sprint' is not supported by the Quarry Jira simulator."
 */
export function notSupportedBySimulator(what: string): string {
  return `${what} is not supported by the Quarry Jira simulator.`
}

export const VALID_OPERATORS = `The valid operators are '=', '!=', '<', '>', '<=', '>=', '~', '!~', 'IN', 'NOT IN', 'IS' and 'IS NOT'.`

/** @example fieldDoesNotExist('foo') // "Field 'foo' does not exist or you do not have permission to view it." */
export function fieldDoesNotExist(field: string): string {
  return `Field '${field}' does not exist or you do not have permission to view it.`
}

/** @example valueDoesNotExist('XYZ', 'project') // "The value 'XYZ' does not exist for the field 'project'." */
export function valueDoesNotExist(value: string, field: string): string {
  return `The value '${value}' does not exist for the field '${field}'.`
}

/** @example operatorNotSupported('~', 'project') // "The operator '~' is not supported by the 'project' field." */
export function operatorNotSupported(operator: string, field: string): string {
  return `The operator '${operator}' is not supported by the '${field}' field.`
}

/** @example emptyNotSupported('status') // "The field 'status' does not support searching for EMPTY values." */
export function emptyNotSupported(field: string): string {
  return `The field '${field}' does not support searching for EMPTY values.`
}

/** @example unknownFunction('openSprints') // "Unable to find JQL function 'openSprints()'." */
export function unknownFunction(name: string): string {
  return `Unable to find JQL function '${name}()'.`
}

/** @example functionValueInvalid('now', 'assignee') // "A value provided by the function 'now' is invalid for the field 'assignee'." */
export function functionValueInvalid(name: string, field: string): string {
  return `A value provided by the function '${name}' is invalid for the field '${field}'.`
}
