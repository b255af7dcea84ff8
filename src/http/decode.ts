import type { XMLParser } from 'fast-xml-parser'
import { QuarryError } from '../domain/errors.js'
import type { HttpResponse } from './client.js'
import { describeUrl } from '../domain/describe-url.js'
import { MAX_NESTING, jsonNestsDeeper, xmlNestsDeeper } from './nesting.js'
import { retryAfterMs } from './retry.js'

/** The wait a viewer is told when an API rate-limits without saying for how long. */
const DEFAULT_RETRY_AFTER_SECONDS = 30

/** A page of a response: the raw JSON text (what converters get) and its parsed value (what pagination reads). */
export interface DecodedBody {
  readonly text: string
  readonly value: unknown
}

const EXCERPT = 200

/** A short, single-line, tag-free look at a body, for error messages. */
export function excerpt(body: string): string {
  // Only the head: the tag-stripping patterns are not linear on a hostile megabyte of `<script`.
  const flat = body
    .slice(0, 64 * 1024)
    .replace(/<script[\s\S]*?<\/script>|<style[\s\S]*?<\/style>/gi, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
  return flat.length > EXCERPT ? `${flat.slice(0, EXCERPT)}…` : flat
}

/** Pulls the human part out of common error bodies (Jira, OAuth, the Atlassian gateway, RFC 7807). */
function errorDetail(body: string): string {
  try {
    const value = JSON.parse(body) as Record<string, unknown>
    const messages = [
      ...(Array.isArray(value.errorMessages) ? value.errorMessages : []),
      ...(value.errors && typeof value.errors === 'object' ? Object.values(value.errors as object) : []),
    ].filter((m): m is string => typeof m === 'string')
    if (messages.length > 0) return messages.join(' ')
    for (const key of ['error_description', 'message', 'detail', 'title', 'error'])
      if (typeof value[key] === 'string') return value[key] as string
  } catch {
    // not JSON: fall through to an excerpt
  }
  return excerpt(body)
}

/**
 * The error for a final non-2xx answer: whose fault, what the API said.
 *
 * @example statusError('GET', response) // QuarryError QUARRY_UPSTREAM_STATUS "GET https://x/y answered 400: …"
 */
export function statusError(method: string, response: HttpResponse): QuarryError {
  const where = `${method} ${describeUrl(response.url)}`
  const detail = errorDetail(response.body)
  const said = detail === '' ? '' : `: ${detail}`
  if (response.status === 429) {
    // Passed on as the server's own Retry-After, so a viewer's client knows when to ask again.
    const waitMs = retryAfterMs(response.headers['retry-after'], Date.now())
    return new QuarryError(
      'QUARRY_RATE_LIMITED',
      `${where} is still rate limited (429) after retrying${said}`,
      {
        retryAfterSeconds: waitMs === undefined ? DEFAULT_RETRY_AFTER_SECONDS : Math.ceil(waitMs / 1000),
      },
    )
  }

  if (response.status === 401 || response.status === 403) {
    return new QuarryError(
      'QUARRY_AUTH_FAILED',
      `${where} refused the credentials (${response.status})${said}`,
    )
  }

  return new QuarryError('QUARRY_UPSTREAM_STATUS', `${where} answered ${response.status}${said}`)
}

/** The XML parser, loaded the first time an API answers in XML. */
let xml: XMLParser | undefined
async function xmlParser(): Promise<XMLParser> {
  const { XMLParser: Parser } = await import('fast-xml-parser')
  xml ??= new Parser({
    ignoreAttributes: false,
    attributeNamePrefix: '@',
    parseTagValue: true,
    trimValues: true,
    // `<?xml …?>` and other processing instructions are about the document, not data (issue 12).
    ignoreDeclaration: true,
    ignorePiTags: true,
    // Its own guard (default 100) would refuse what the nesting scan lets through.
    maxNestedTags: MAX_NESTING,
  })
  return xml
}

/**
 * Turns a 2xx body into JSON text: JSON as is (checked), XML converted (as
 * PocketQuery does), anything else an error with the status and an excerpt.
 */
export async function decodeBody(method: string, response: HttpResponse): Promise<DecodedBody> {
  const type = (response.headers['content-type'] ?? '').toLowerCase()
  const where = `${method} ${describeUrl(response.url)}`
  if (response.body.trim() === '') return { text: 'null', value: null }
  if (
    /\bxml\b|\+xml/.test(type) ||
    (!type.includes('json') && response.body.trimStart().startsWith('<?xml'))
  ) {
    if (xmlNestsDeeper(response.body)) throw tooDeep(where, 'XML elements')
    let value: unknown
    try {
      value = (await xmlParser()).parse(response.body, true)
    } catch (error) {
      throw new QuarryError(
        'QUARRY_UPSTREAM_NOT_JSON',
        `${where} sent XML that does not parse: ${(error as Error).message}`,
        {
          cause: error,
        },
      )
    }
    return { text: JSON.stringify(value), value }
  }
  if (jsonNestsDeeper(response.body)) throw tooDeep(where, 'JSON arrays and objects')
  try {
    return { text: response.body, value: JSON.parse(response.body) }
  } catch {
    const kind = type === '' ? 'a body without a content type' : type.split(';')[0]
    throw new QuarryError(
      'QUARRY_UPSTREAM_NOT_JSON',
      `${where} answered ${response.status} with ${kind}, not JSON: ${JSON.stringify(excerpt(response.body))}`,
    )
  }
}

function tooDeep(where: string, what: string): QuarryError {
  return new QuarryError(
    'QUARRY_UPSTREAM_TOO_DEEP',
    `${where} sent ${what} nested more than ${MAX_NESTING} levels deep, deeper than Quarry reads.`,
  )
}
