import { refuseContextValues } from './context-params.js'
import { QuarryError } from './errors.js'
import { VISITOR_VALUE_MAX, type ParamSpec, type Query } from './query.js'

/** A parameter's value after parsing: what its type promises. */
export type ParamValue = string | number | boolean | readonly string[]

const DATE = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/

/**
 * Parses one raw value (from `--param k=v`, a URL, a default) by its declared type.
 * Throws QUARRY_PARAM_TYPE naming the parameter and the expected type.
 *
 * @example parseParam({ name: 'limit', type: 'integer' }, '10') // 10
 */
export function parseParam(spec: ParamSpec, raw: string): ParamValue {
  const fail = (expected: string): never => {
    throw new QuarryError(
      'QUARRY_PARAM_TYPE',
      `Parameter "${spec.name}" must be ${expected}, got ${JSON.stringify(raw.length > 60 ? `${raw.slice(0, 60)}…` : raw)}.`,
    )
  }
  switch (spec.type) {
    case 'string':
      return raw
    case 'integer': {
      const value = Number(raw)
      if (!/^[+-]?\d+$/.test(raw.trim()) || !Number.isSafeInteger(value)) fail('an integer')
      return value
    }
    case 'number': {
      const value = Number(raw)
      if (raw.trim() === '' || !Number.isFinite(value)) fail('a number')
      return value
    }
    case 'boolean': {
      const text = raw.trim().toLowerCase()
      if (['true', 'yes', '1', 'on'].includes(text)) return true
      if (['false', 'no', '0', 'off'].includes(text)) return false
      return fail('true or false')
    }
    case 'date': {
      const text = raw.trim()
      if (!DATE.test(text) || Number.isNaN(Date.parse(text.replace(' ', 'T'))))
        fail('a date like 2026-01-15 or 2026-01-15T10:30:00Z')

      return text
    }
    case 'list':
      return raw
        .split(',')
        .map((item) => item.trim())
        .filter((item) => item !== '')
    case 'constant': {
      const allowed = spec.values ?? []
      if (!allowed.includes(raw)) fail(`one of ${allowed.map((v) => JSON.stringify(v)).join(', ')}`)
      return raw
    }
  }
}

/**
 * Binds the given raw values to a query's declared parameters: every declared
 * parameter gets a value (given, or its default), nothing undeclared is accepted.
 */
export function resolveParams(
  query: Pick<Query, 'name' | 'params'>,
  given: Readonly<Record<string, string>>,
): Map<string, ParamValue> {
  // :@user.name, :@now … are Quarry's to fill: a value for one is refused before anything else.
  refuseContextValues(given)
  const declared = new Map(query.params.map((spec) => [spec.name, spec]))
  for (const name of Object.keys(given)) {
    if (!declared.has(name)) {
      const known = [...declared.keys()]
      throw new QuarryError(
        'QUARRY_PARAM_UNKNOWN',
        `Query "${query.name}" has no parameter "${name}"` +
          (known.length > 0 ? `; its parameters are ${known.join(', ')}.` : '; it takes no parameters.'),
      )
    }
  }
  const values = new Map<string, ParamValue>()
  for (const spec of query.params) {
    const raw = given[spec.name] ?? spec.default
    if (raw === undefined) {
      throw new QuarryError(
        'QUARRY_PARAM_MISSING',
        `Query "${query.name}" needs parameter "${spec.name}" (${spec.type}); pass --param ${spec.name}=…`,
      )
    }
    values.set(spec.name, parseParam(spec, raw))
  }
  return values
}

/**
 * The parameters a visitor of a public query may set (each one's `visitorInput`); the rest keep
 * their defaults for them.
 */
export function visitorParams(query: { readonly params: readonly ParamSpec[] }): ParamSpec[] {
  return query.params.filter((spec) => spec.visitorInput !== undefined)
}

/**
 * Checks values given by someone who sees a query only because it is public: each must be a
 * parameter open to visitors, within its allowed values and pattern (a list parameter: each item).
 * Undeclared names are left to resolveParams, which names the declared ones.
 *
 * @example checkVisitorParams(query, { jql: 'project = HR' }) // throws QUARRY_PARAM_NOT_ALLOWED when jql is fixed
 */
export function checkVisitorParams(
  query: { readonly name: string; readonly params: readonly ParamSpec[] },
  given: Readonly<Record<string, string>>,
): void {
  for (const [name, raw] of Object.entries(given)) {
    const spec = query.params.find((param) => param.name === name)
    if (spec === undefined) continue
    const refuse = (why: string): never => {
      throw new QuarryError(
        'QUARRY_PARAM_NOT_ALLOWED',
        `Parameter "${name}" of this public view ${why}. Sign in to use other values.`,
      )
    }
    const input = spec.visitorInput
    if (input === undefined) refuse('is fixed')
    if (raw.length > VISITOR_VALUE_MAX) refuse(`takes at most ${VISITOR_VALUE_MAX} characters`)
    const items = spec.type === 'list' ? raw.split(',').map((item) => item.trim()) : [raw]
    const pattern = input?.pattern === undefined ? undefined : new RegExp(`^(?:${input.pattern})$`, 'u')
    for (const item of items) {
      if (input?.allowed !== undefined && !input.allowed.includes(item))
        refuse(`takes only ${input.allowed.map((value) => JSON.stringify(value)).join(', ')}`)
      if (pattern !== undefined && !pattern.test(item)) refuse('does not take that value')
    }
  }
}

/**
 * PocketQuery's macro, with "Enable dynamic parameters", took parameter values from the page URL as
 * `pq_<name>` ("Using the PocketQuery Macro",
 * https://help.scandio.de/documentation/display/PQDOC/Using+the+PocketQuery+Macro).
 */
export const POCKETQUERY_URL_PREFIX = 'pq_'

/**
 * A view's URL parameters with PocketQuery's `pq_<name>` aliases turned into `<name>`, so links
 * written for PocketQuery work (issue 13). Resolved before any other check, so a public view's
 * visitor rules apply to an alias as to the name. Giving both is refused rather than one silently
 * winning. A parameter whose own name starts with `pq_` is set as `pq_pq_…`.
 *
 * @example resolvePocketQueryAliases({ pq_project: 'DEMO', max: '5' }) // { project: 'DEMO', max: '5' }
 */
export function resolvePocketQueryAliases(given: Readonly<Record<string, string>>): Record<string, string> {
  const resolved: Record<string, string> = {}
  for (const [name, value] of Object.entries(given)) {
    const alias = name.startsWith(POCKETQUERY_URL_PREFIX) && name.length > POCKETQUERY_URL_PREFIX.length
    const target = alias ? name.slice(POCKETQUERY_URL_PREFIX.length) : name
    if (Object.hasOwn(resolved, target)) {
      throw new QuarryError(
        'QUARRY_PARAM_CONFLICT',
        `Parameter "${target}" is given twice, as "${target}" and as "${POCKETQUERY_URL_PREFIX}${target}"; keep one.`,
      )
    }
    resolved[target] = value
  }
  return resolved
}
