import type { z } from 'zod'
import { QuarryError } from './errors.js'

/**
 * A request body's (or a file's) problems in the admin UI's words: each names the field as its form labels it
 * ("Datasource", "Parameter 2 name") and says what to do ("choose one", "use at most 200
 * characters"), instead of zod's schema text ("datasource: Too small: expected string to have >=1
 * characters"). Built from the issue's kind and limits, never from the value sent: values may be
 * secrets, so none is ever repeated.
 *
 * @example fieldProblems(QuerySchema.safeParse({ name: 'q', datasource: '' }).error, {...})
 * // ['Datasource: choose one.', …]
 */

/** Field names as the forms label them; other keys are spelled out from their camelCase. */
const LABELS: Readonly<Record<string, string>> = {
  name: 'Name',
  datasource: 'Datasource',
  method: 'Method',
  path: 'Path',
  sql: 'SQL',
  body: 'Body',
  params: 'Parameter',
  pagination: 'Pagination',
  maxPages: 'Max pages',
  maxRows: 'Max rows',
  cacheTtlSeconds: 'Cache TTL (seconds)',
  converter: 'Converter',
  title: 'Title',
  visibility: 'Visibility',
  roles: 'roles',
  groups: 'groups',
  template: 'Template',
  x: 'X',
  y: 'Y',
  series: 'Series',
  baseUrl: 'Base URL',
  testPath: 'Test path',
  auth: 'Authentication',
  headers: 'Header',
  tokenUrl: 'Token URL',
  authorizeUrl: 'Authorize URL',
  redirectUri: 'Redirect URI',
  clientId: 'Client ID',
  clientSecret: 'Client secret',
  url: 'URL',
  apiVersion: 'API version',
  type: 'type',
}

/** A key in words: `maxPages` → "max pages". */
function spelled(key: string): string {
  return LABELS[key] ?? key.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase()
}

/** The field a path points to, e.g. ['params', 1, 'name'] → "Parameter 2 name". */
export function fieldLabel(path: readonly PropertyKey[]): string {
  const words: string[] = []
  for (const key of path) {
    if (typeof key === 'number') words.push(String(key + 1))
    // Inside the sentence a label is lower case, unless it starts with an acronym (URL, SQL, ID).
    else if (words.length === 0) words.push(spelled(String(key)))
    else words.push(spelled(String(key)).replace(/^[A-Z](?![A-Z])/, (c) => c.toLowerCase()))
  }
  const label = words.join(' ')
  return label === '' ? 'The request' : label.charAt(0).toUpperCase() + label.slice(1)
}

/** Zod's own messages start like this; a schema's custom message (already in words) does not. */
const ZOD_DEFAULT = /^(Invalid|Too (small|big)|Unrecognized|Expected|Required)/

type Issue = z.core.$ZodIssue

function sizeWord(origin: string, count: number | bigint): string {
  if (origin === 'string') return `${count} ${count === 1 ? 'character' : 'characters'}`
  if (origin === 'array' || origin === 'set') return `${count} ${count === 1 ? 'entry' : 'entries'}`
  return String(count)
}

/** What to do about one issue, without the value that was sent. */
function advice(issue: Issue, missing: boolean, key: PropertyKey | undefined): string {
  // The schema's own words (a regex's or a refinement's message) say it best.
  if (!ZOD_DEFAULT.test(issue.message)) return issue.message
  switch (issue.code) {
    case 'invalid_type':
      if (missing) return key === 'datasource' ? 'choose one' : 'required'
      return `must be ${issue.expected === 'array' ? 'a list' : `a ${issue.expected}`}`
    case 'too_small':
      if (issue.origin === 'string' && Number(issue.minimum) === 1)
        return key === 'datasource' ? 'choose one' : 'required'
      return `use at least ${sizeWord(issue.origin, issue.minimum)}`
    case 'too_big':
      return `use at most ${sizeWord(issue.origin, issue.maximum)}`
    case 'invalid_value':
      return `choose one of ${issue.values.map((v) => String(v)).join(', ')}`
    case 'invalid_union':
      // A discriminated union whose kind is unknown: its `type` names the kinds.
      return 'is not one of the known kinds'
    case 'unrecognized_keys':
      return `has unknown fields: ${issue.keys.join(', ')}`
    case 'invalid_format':
      return `is not a valid ${issue.format}`
    default:
      return 'is not valid'
  }
}

function valueAt(body: unknown, path: readonly PropertyKey[]): unknown {
  let current = body
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined
    current = (current as Record<PropertyKey, unknown>)[key]
  }
  return current
}

/** One sentence per problem, e.g. "Datasource: choose one." or "Parameter 2 name: required." */
export function fieldProblems(error: z.ZodError, body: unknown, labels: SurfaceLabels = {}): string[] {
  const seen = new Set<string>()
  for (const issue of error.issues) {
    const missing = issue.code === 'invalid_type' && valueAt(body, issue.path) === undefined
    const text = advice(issue, missing, issue.path.at(-1))
    const label = labels[issue.path.map(String).join('.')] ?? fieldLabel(issue.path)
    seen.add(`${label}: ${text.replace(/\.$/, '')}.`)
  }
  return [...seen]
}

/**
 * A surface's own names for fields, by dotted path (`auth.clientId` → `--client-id` in the CLI), so a
 * message names what the reader typed (issue 11); fields without one are named as the admin UI labels them.
 */
export type SurfaceLabels = Readonly<Record<string, string>>

/**
 * The one way Quarry reports a value that does not fit its schema — a request body (route.ts
 * parseBody), a datasource built from CLI flags, an entry of an imported file: every wrong field in
 * words, never a value. `what` names the thing when the reader needs telling ("datasource \"jira\"");
 * `input` is the value checked, so a missing field reads "required" rather than "must be a string".
 *
 * @example describeIssues(QuerySchema.safeParse(q).error, 'query "issues"', q).message
 * // 'Invalid query "issues": Datasource: choose one.'
 */
export function describeIssues(
  error: z.ZodError,
  what: string | undefined,
  input?: unknown,
  labels?: SurfaceLabels,
): QuarryError {
  const problems = fieldProblems(error, input, labels).join(' ')
  return new QuarryError(
    'QUARRY_CONFIG_INVALID',
    what === undefined ? problems : `Invalid ${what}: ${problems}`,
  )
}
