import { QuarryError } from '../../domain/errors.js'

/**
 * Jira Cloud removed `GET/POST /rest/api/{2,3}/search` in 2025 and answers 410 Gone
 * (https://developer.atlassian.com/changelog/#CHANGE-2046). PocketQuery's Jira guide — and every
 * datasource copied from it — uses that endpoint as its test path and in its queries, so the 410
 * says what to use instead, whether it came from `datasource test` or from a query (issue 13).
 */

const REMOVED_SEARCH = /\/rest\/api\/[23]\/search\/?$/

/** What to do instead, in words for the CLI and the admin UI alike. */
export const REMOVED_SEARCH_FIX =
  'Atlassian removed this search endpoint in 2025 (CHANGE-2046): search with the path ' +
  '/search/jql?jql=… (pagination next-page-token) instead, and test the datasource with the path /myself.'

/**
 * The error for a final answer, with the fix added when it is Jira's 410 for its removed search.
 *
 * @example withRemovedSearchFix('https://api.atlassian.com/ex/jira/1/rest/api/2/search', 410, error).message
 * // '… answered 410: … Atlassian removed this search endpoint in 2025 (CHANGE-2046): …'
 */
export function withRemovedSearchFix(url: string, status: number, error: QuarryError): QuarryError {
  if (status !== 410 || !REMOVED_SEARCH.test(new URL(url).pathname)) return error
  // The upstream text (Jira's own words, ending in its changelog URL) first, as a sentence.
  const said = /[.!]$/.test(error.message) ? error.message : `${error.message}.`
  return new QuarryError(error.code, `${said} ${REMOVED_SEARCH_FIX}`, { cause: error.cause })
}
