// From the domain itself (as api.ts re-exports it): test/domain/visitor-exposure.test.ts compiles this
// module with the server's settings, which api.ts's ApiError does not meet.
import type { ParamSpec } from '../../src/domain/query.js'

/** Types whose values are free text: opened without limits, a visitor may send anything at all. */
const FREE_TEXT: ReadonlySet<ParamSpec['type']> = new Set(['string', 'list'])

/**
 * What a public query's parameter exposes to visitors (anyone who sees the query only because it is
 * public), in a sentence for the params editor; `warn` when it is open to any free text, such as a
 * `jql` that would run any search with the datasource's credentials (issue 10).
 *
 * @example visitorExposure({ name: 'jql', type: 'string', visitorInput: {} })
 * // { warn: true, text: "Anyone on the internet can run this query with any value of jql, using the datasource's credentials." }
 */
export function visitorExposure(param: ParamSpec): { warn: boolean; text: string } {
  const input = param.visitorInput
  const name = param.name || 'this parameter'
  if (input === undefined) return { warn: false, text: `${name} is fixed to its default for visitors.` }
  // A list is checked item by item (src/domain/params.ts checkVisitorParams).
  const each = param.type === 'list' ? 'each item of ' : ''
  const { allowed, pattern } = input
  const matches = pattern === undefined ? '' : `matches ${pattern} as a whole`
  if (allowed !== undefined) {
    const also = pattern === undefined ? '' : `, if it also ${matches}`
    return { warn: false, text: `Visitors may set ${each}${name} to one of ${allowed.join(', ')}${also}.` }
  }
  if (pattern !== undefined)
    return { warn: false, text: `Visitors may set ${each}${name} to a value that ${matches}.` }
  if (param.type === 'constant')
    return { warn: false, text: `Visitors may set ${name} to any of its allowed values.` }
  if (!FREE_TEXT.has(param.type)) {
    return {
      warn: false,
      text: `Anyone on the internet can run this query with any ${param.type} as ${name}.`,
    }
  }
  return {
    warn: true,
    text: `Anyone on the internet can run this query with any value of ${name}, using the datasource's credentials.`,
  }
}
