/**
 * The JQL functions the simulator evaluates. Any other name, including real Jira
 * functions such as `openSprints()` or `membersOf()`, is answered the way a Jira
 * site without that function answers: "Unable to find JQL function 'x()'".
 */
import type { FunctionOperand } from './ast.js'
import { isDateFunction } from './dates.js'
import { JqlError, unknownFunction } from './errors.js'

export type FunctionResultKind = 'user' | 'date' | 'issuetypes'

export interface FunctionSpec {
  readonly kind: FunctionResultKind
  /** Returns a list (usable with IN / NOT IN only) rather than one value. */
  readonly list: boolean
  /** Argument count when fixed; date functions check their own arguments. */
  readonly args?: number
}

const FUNCTIONS: ReadonlyMap<string, FunctionSpec> = new Map<string, FunctionSpec>([
  ['currentuser', { kind: 'user', list: false, args: 0 }],
  ['standardissuetypes', { kind: 'issuetypes', list: true, args: 0 }],
  ['subtaskissuetypes', { kind: 'issuetypes', list: true, args: 0 }],
])

/**
 * The spec of a function by name (case-insensitive), or undefined when the simulator has none.
 *
 * @example lookupFunction('currentUser')?.kind // 'user'
 */
export function lookupFunction(name: string): FunctionSpec | undefined {
  if (isDateFunction(name)) return { kind: 'date', list: false }
  return FUNCTIONS.get(name.toLowerCase())
}

/**
 * Throws JqlError unless the function exists and has a valid argument count.
 *
 * @example checkFunction({ kind: 'function', name: 'openSprints', args: [], at }) // throws "Unable to find JQL function 'openSprints()'."
 */
export function checkFunction(fn: FunctionOperand): FunctionSpec {
  const spec = lookupFunction(fn.name)
  if (spec === undefined) throw new JqlError(unknownFunction(fn.name))
  if (spec.args !== undefined && fn.args.length !== spec.args) {
    throw new JqlError(
      `Function '${fn.name}' expected '${spec.args}' arguments but received '${fn.args.length}'.`,
    )
  }
  return spec
}
