import { QuarryError } from '../domain/errors.js'
import { isContextName, unknownContextMessage } from '../domain/context-params.js'
import type { ParamValue } from '../domain/params.js'

/**
 * Binding `:name` parameters into a query's path, query string and body. Every
 * value is encoded for the place it lands, so no value can change the host, add
 * a path segment or smuggle in a query parameter (or JSON property).
 */

/** A request ready to send: plain frozen data. Credentials are added later, by the auth strategy. */
export interface BoundRequest {
  readonly method: string
  readonly url: string
  readonly headers: Readonly<Record<string, string>>
  readonly body?: string
}

/** `:name`, or a context parameter `:@name` / `:@user.email` (domain/context-params.ts). */
const CONTEXT_NAME = String.raw`@[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*`
const NAME = `${CONTEXT_NAME}|[A-Za-z_][A-Za-z0-9_]*`
const PLACEHOLDER = new RegExp(`:(${NAME})`, 'g')
const PLACEHOLDER_AT_START = new RegExp(`^:(${NAME})`)

/** Why a name has no value: an undeclared parameter, or a context parameter that does not exist. */
function unboundMessage(name: string, where: string, escape: string): string {
  return isContextName(name)
    ? unknownContextMessage(name, where)
    : `The ${where} uses ":${name}", which is not a declared parameter; declare it or write the colon as ${escape}.`
}

/** Text as one URL component (path segment or query value). Lists become comma-separated items. */
function component(value: ParamValue): string {
  if (Array.isArray(value)) return value.map((item) => encodeURIComponent(item)).join(',')
  return encodeURIComponent(String(value))
}

function substitute(
  template: string,
  values: ReadonlyMap<string, ParamValue>,
  where: string,
  encode: (value: ParamValue, name: string) => string,
): string {
  return template.replace(PLACEHOLDER, (_, name: string) => {
    const value = values.get(name)
    if (value === undefined)
      throw new QuarryError('QUARRY_TEMPLATE_INVALID', unboundMessage(name, where, '%3A'))

    return encode(value, name)
  })
}

/** WHATWG URL parsing treats these segments as `.` and `..` even when percent-encoded. */
const DOT_SEGMENT = /^(?:\.|%2e){1,2}$/i

function pathSegment(value: ParamValue, name: string): string {
  const encoded = component(value)
  // An empty value would drop the segment: /issue/:id/comments would become /issue//comments.
  if (encoded === '' || DOT_SEGMENT.test(encoded)) {
    throw new QuarryError(
      'QUARRY_PARAM_TYPE',
      `Parameter "${name}" cannot be "${String(value)}" where it lands in the URL path.`,
    )
  }

  return encoded
}

/**
 * Joins a datasource base URL and a query path template, with values bound. A template may
 * climb out of the base's path with leading `../` segments (the Jira Cloud preset reaches
 * `/rest/agile/1.0` from a base of `/rest/api/3`): the admin wrote those, so the base the
 * bound URL must stay under is the climbed one, on the same origin.
 *
 * @example bindUrl('https://api.example.com/v1', '/items/:id?q=:q', new Map([['id', 'a/b'], ['q', 'x&y=1']]))
 * // 'https://api.example.com/v1/items/a%2Fb?q=x%26y%3D1'
 */
export function bindUrl(
  baseUrl: string,
  pathTemplate: string,
  values: ReadonlyMap<string, ParamValue>,
): string {
  const base = new URL(baseUrl)
  const [pathPart = '', ...queryParts] = pathTemplate.split('?')
  const queryPart = queryParts.join('?')
  const path = substitute(pathPart, values, 'path', pathSegment)
  const query = substitute(queryPart, values, 'query string', (value) => component(value))
  const climbs = /^(?:\.\.\/)*/.exec(pathPart)?.[0].length ?? 0
  const basePath = climb(base.pathname.replace(/\/+$/, ''), climbs / 3)
  const rest = path.slice(climbs)
  const joined = `${basePath}${rest === '' || rest.startsWith('/') ? '' : '/'}${rest}`
  const url = new URL(`${base.origin}${joined}${query === '' ? '' : `?${query}`}`)
  // Belt and braces: the template itself is admin-written, but no binding may leave the base.
  if (url.origin !== base.origin || !url.pathname.startsWith(basePath)) {
    throw new QuarryError(
      'QUARRY_TEMPLATE_INVALID',
      `The path "${pathTemplate}" leaves the datasource's base URL.`,
    )
  }

  for (const [name, value] of base.searchParams)
    if (!url.searchParams.has(name)) url.searchParams.append(name, value)
  return url.toString()
}

/** `/a/b/c` climbed twice is `/a`: a path without its last `times` segments. */
function climb(path: string, times: number): string {
  const segments = path.split('/')
  return segments.slice(0, Math.max(1, segments.length - times)).join('/')
}

const CONTEXT_PLACEHOLDER = new RegExp(`:(${CONTEXT_NAME})`, 'g')

/**
 * A header value with its context parameters (`:@user.email`, never plain `:name`: a datasource's
 * headers are shared by all its queries) bound. A value that would break the header line is refused.
 *
 * @example bindHeaderValue('X-User', ':@user.email', new Map([['@user.email', 'ada@example.com']])) // 'ada@example.com'
 */
export function bindHeaderValue(
  header: string,
  template: string,
  values: ReadonlyMap<string, ParamValue>,
): string {
  if (!template.includes(':@')) return template
  return template.replace(CONTEXT_PLACEHOLDER, (_, name: string) => {
    const value = values.get(name)
    if (value === undefined)
      throw new QuarryError('QUARRY_TEMPLATE_INVALID', unboundMessage(name, `header ${header}`, '%3A'))
    const text = Array.isArray(value) ? value.join(',') : String(value)
    if (/[\r\n\0]/.test(text)) {
      throw new QuarryError(
        'QUARRY_PARAM_TYPE',
        `Parameter "${name}" cannot go into header ${header}: it has a line break.`,
      )
    }
    return text
  })
}

/**
 * Binds a JSON body template. `:name` inside a JSON string is escaped into the
 * string; a bare `:name` becomes the value as JSON (numbers, booleans, lists as arrays).
 *
 * @example bindBody('{"jql":"project = :p","max": :n}', new Map([['p', 'A"B'], ['n', 5]])) // '{"jql":"project = A\\"B","max": 5}'
 */
export function bindBody(template: string, values: ReadonlyMap<string, ParamValue>): string {
  let out = ''
  let inString = false
  for (let i = 0; i < template.length; i++) {
    const char = template[i] as string
    if (inString && char === '\\') {
      out += char + (template[i + 1] ?? '')
      i++
      continue
    }
    if (char === '"') inString = !inString
    const match = char === ':' ? PLACEHOLDER_AT_START.exec(template.slice(i)) : null
    // In JSON, a colon right after a closing quote separates key and value: not a placeholder.
    if (!match || (!inString && /"\s*$/.test(out))) {
      out += char
      continue
    }
    const name = match[1] as string
    const value = values.get(name)
    if (value === undefined)
      throw new QuarryError('QUARRY_TEMPLATE_INVALID', unboundMessage(name, 'body', '\\u003a'))

    out += inString
      ? JSON.stringify(Array.isArray(value) ? value.join(',') : String(value)).slice(1, -1)
      : JSON.stringify(value)
    i += match[0].length - 1
  }
  try {
    JSON.parse(out)
  } catch (error) {
    throw new QuarryError(
      'QUARRY_TEMPLATE_INVALID',
      `The body template is not valid JSON once bound: ${(error as Error).message}`,
      {
        cause: error,
      },
    )
  }
  return out
}
