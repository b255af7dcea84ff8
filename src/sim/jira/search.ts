import type { SimContext } from '../context.js'
import type { IssueTable, SimSite } from '../data/model.js'
import { visibleRows } from '../data/permissions.js'
import { jiraError, json, type SimResponse } from '../http/respond.js'
import { JqlError, UNBOUNDED_JQL_MESSAGE, compileJql, searchRows } from '../jql/index.js'
import { fieldNames, fieldSchemas, issueJson, selectFields, type ApiVersion } from './fields.js'
import { knownExpands } from './expand.js'
import { PageTokens } from './page-token.js'

/** The parameters of `search/jql`, after parsing GET's query or POST's body. */
export interface SearchParams {
  readonly jql: string
  readonly nextPageToken: string | undefined
  readonly maxResults: number | undefined
  readonly fields: readonly string[] | undefined
  readonly expand: readonly string[]
  readonly properties: readonly string[]
  readonly reconcileIssues: readonly number[]
}

/** Page size caps: Atlassian returns up to 5000 ids or keys a page, fewer when fields are asked for. */
export const DEFAULT_MAX_RESULTS = 50
export const MAX_RESULTS_IDS = 5000
export const MAX_RESULTS_FIELDS = 100
/** Rendering HTML costs more: with renderedFields a page holds at most this many. */
export const MAX_RESULTS_RENDERED = 50

const ISSUES_OPEN = Buffer.from('{"issues":[')
const COMMA = Buffer.from(',')
const CACHE_SIZE = 64
const CACHE_MS = 60_000
/** Serialised issues kept for reuse, in bytes. */
const ISSUE_CACHE_BYTES = 128 * 1024 * 1024

interface CachedSearch {
  readonly rows: Uint32Array
  readonly at: number
}

/**
 * Runs searches for one simulator: JQL → matching rows (cached briefly per
 * site, user and query, so paging through 100,000 issues does not re-run the
 * query for every page) → one page of IssueBeans with a signed `nextPageToken`.
 */
export class SearchService {
  readonly #ctx: SimContext
  readonly #tokens: PageTokens
  readonly #cache = new Map<string, CachedSearch>()
  /**
   * Issues as JSON text, by (site, version, fields, expand) and row. The world
   * never changes, so an issue serialised once can be sent again as is: paging
   * the same results is then bounded by the socket, not by JSON.stringify —
   * the simulator must not be what limits a benchmark of Quarry.
   */
  readonly #issueText = new Map<string, Map<number, Buffer>>()
  #issueBytes = 0

  constructor(ctx: SimContext) {
    this.#ctx = ctx
    this.#tokens = new PageTokens(`page-tokens:${ctx.world.seed}`)
  }

  /** Matching rows in order, or a Jira 400 for JQL it cannot run. */
  rows(siteIndex: number, userIndex: number, jql: string): Uint32Array | SimResponse {
    const key = `${siteIndex}\u0000${userIndex}\u0000${jql}`
    const now = this.#ctx.clock.now()
    const cached = this.#cache.get(key)
    if (cached && now - cached.at < CACHE_MS && now >= cached.at) return cached.rows
    const table = this.#ctx.world.issues[siteIndex] as IssueTable
    let rows: Uint32Array
    try {
      const compiled = compileJql(jql, { world: this.#ctx.world, table, currentUser: userIndex, now })
      if (!compiled.bounded) return jiraError(400, [UNBOUNDED_JQL_MESSAGE])
      // Jira searches only what the caller may browse (data/permissions.ts).
      rows = visibleRows(this.#ctx.world, table, userIndex, searchRows(compiled, table))
    } catch (error) {
      if (error instanceof JqlError) return jiraError(400, error.errorMessages)
      throw error
    }
    this.#cache.delete(key)
    this.#cache.set(key, { rows, at: now })
    if (this.#cache.size > CACHE_SIZE) this.#cache.delete(this.#cache.keys().next().value as string)
    return rows
  }

  search(site: SimSite, userIndex: number, version: ApiVersion, params: SearchParams): SimResponse {
    const siteIndex = this.#ctx.world.sites.indexOf(site)
    const table = this.#ctx.world.issues[siteIndex] as IssueTable
    if (params.properties.length > 5)
      return jiraError(400, ['A maximum of 5 issue properties can be requested.'])
    if (params.reconcileIssues.length > 50)
      return jiraError(400, ['A maximum of 50 issues can be reconciled.'])
    const fields = selectFields(params.fields)
    const expand = knownExpands(params.expand)
    // "The greatest number of items returned per page is achieved when requesting id or key only."
    const cap =
      fields.ids.length === 0
        ? MAX_RESULTS_IDS
        : expand.has('renderedFields')
          ? MAX_RESULTS_RENDERED
          : MAX_RESULTS_FIELDS
    // 0 would hand back the same token forever: treat it as the default.
    const requested = params.maxResults || DEFAULT_MAX_RESULTS
    if (!Number.isInteger(requested) || requested < 0)
      return jiraError(400, [`The value '${String(params.maxResults)}' is invalid for maxResults.`])

    const pageSize = Math.min(requested, cap)

    const rows = this.rows(siteIndex, userIndex, params.jql)
    if (!(rows instanceof Uint32Array)) return rows
    const now = this.#ctx.clock.now()
    const digest = this.#tokens.queryDigest(siteIndex, userIndex, params.jql)
    let offset = 0
    if (params.nextPageToken !== undefined) {
      const check = this.#tokens.check(params.nextPageToken, digest, now)
      if (!check.ok) {
        return jiraError(400, [
          `The nextPageToken is invalid or has expired (${check.reason}). Start the search again without it.`,
        ])
      }
      offset = check.offset
    }
    const end = Math.min(rows.length, offset + pageSize)
    const options = { world: this.#ctx.world, site, table, version, fields, expand }
    const texts = this.#issueTexts(
      `${siteIndex}|${version}|${fields.idOnly}|${fields.ids}|${[...expand].sort()}`,
    )
    // Issues go out as cached UTF-8 bytes: encoding a 25 KB page anew for every
    // request was most of the simulator's time per page.
    const issues: Buffer[] = []
    for (let i = offset; i < end; i++) {
      const row = rows[i] as number
      let text = texts.get(row)
      if (text === undefined) {
        text = Buffer.from(JSON.stringify(issueJson(options, row)))
        texts.set(row, text)
        this.#issueBytes += text.length
      }
      if (issues.length > 0) issues.push(COMMA)
      issues.push(text)
    }
    const isLast = end >= rows.length
    const rest: Record<string, unknown> = { isLast }
    if (!isLast) rest.nextPageToken = this.#tokens.issue(end, digest, now)
    if (expand.has('names')) rest.names = fieldNames(fields)
    if (expand.has('schema')) rest.schema = fieldSchemas(fields)
    const response = json(200, rest)
    const tail = Buffer.from(`],${(response.body as string).slice(1)}`)
    return { ...response, body: Buffer.concat([ISSUES_OPEN, ...issues, tail]) }
  }

  #issueTexts(key: string): Map<number, Buffer> {
    if (this.#issueBytes > ISSUE_CACHE_BYTES) {
      this.#issueText.clear()
      this.#issueBytes = 0
    }
    let texts = this.#issueText.get(key)
    if (!texts) {
      texts = new Map()
      this.#issueText.set(key, texts)
    }
    return texts
  }

  count(site: SimSite, userIndex: number, jql: string): SimResponse {
    const rows = this.rows(this.#ctx.world.sites.indexOf(site), userIndex, jql)
    if (!(rows instanceof Uint32Array)) return rows
    return json(200, { count: rows.length })
  }
}
