/**
 * Which table cells of a view page are links (HTML only: CSV, JSON and the terminal table show the
 * value as it is). Two kinds:
 *
 * - a value that is a whole http(s) URL links to itself;
 * - a Jira issue key (`QA-12`) in a key column links to the issue on the query's Jira Cloud site.
 *
 * Only http: and https: URLs are ever links — never `javascript:`, `data:`, `vbscript:` or any other
 * scheme, whatever the case or the whitespace around it.
 */

/** What a table needs to know to make Jira keys links: the connected site, e.g. https://acme.atlassian.net. */
export interface CellLinkContext {
  readonly jiraSite?: string
}

// A whole value that is one URL: a scheme then no whitespace anywhere (a value with a space or a
// newline is text that mentions a URL, not a link).
const HTTP_URL = /^https?:\/\/\S+$/i

/** Jira's issue key: project key (a capital letter, then capitals, digits or _), a dash, a number. */
export const JIRA_KEY = /^[A-Z][A-Z0-9_]+-\d+$/

/**
 * Whether a column holds Jira issue keys, by its name: lower-cased and with spaces, `_`, `-` and `.`
 * removed, the name is `key` or `issuekey` — so `key`, `Key`, `Issue Key`, `issue_key`, `issueKey`
 * and `ISSUE-KEY` are, `Parent key`, `keys` and `project` are not.
 *
 * @example
 * isJiraKeyColumn('Issue Key') // true
 * isJiraKeyColumn('parent') // false
 */
export function isJiraKeyColumn(column: string): boolean {
  const bare = column.toLowerCase().replace(/[\s_.-]/g, '')
  return bare === 'key' || bare === 'issuekey'
}

/**
 * The link of an http(s) URL value, normalized by the URL parser (so what the href holds is what a
 * browser would follow), or undefined when the value is not a whole http(s) URL.
 *
 * @example
 * httpLink('https://example.com/a b') // undefined (whitespace)
 * httpLink('JavaScript:alert(1)') // undefined
 * httpLink('HTTPS://Example.com/x') // 'https://example.com/x'
 */
export function httpLink(value: unknown): string | undefined {
  if (typeof value !== 'string' || !HTTP_URL.test(value)) return undefined
  let url: URL
  try {
    url = new URL(value)
  } catch {
    return undefined
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined
  return url.href
}

/** The site's origin when it is an http(s) URL with no path, query or credentials. */
function siteOrigin(site: string): string | undefined {
  const href = httpLink(site)
  if (href === undefined) return undefined
  const url = new URL(href)
  if (url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '') return undefined
  return url.origin + url.pathname.replace(/\/+$/, '')
}

/**
 * Where a cell links to, or undefined for plain text: an http(s) URL value to itself; a Jira issue
 * key in a key column (isJiraKeyColumn) to `${jiraSite}/browse/KEY` when the query's datasource is
 * connected to a Jira Cloud site.
 *
 * @example
 * cellLink('https://example.com', 'url', {}) // 'https://example.com/'
 * cellLink('QA-12', 'Key', { jiraSite: 'https://acme.atlassian.net' }) // 'https://acme.atlassian.net/browse/QA-12'
 */
export function cellLink(value: unknown, column: string, context: CellLinkContext): string | undefined {
  const url = httpLink(value)
  if (url !== undefined) return url
  if (context.jiraSite === undefined || typeof value !== 'string' || !JIRA_KEY.test(value)) return undefined
  if (!isJiraKeyColumn(column)) return undefined
  return jiraIssueLink(value, context.jiraSite)
}

/**
 * An issue's page on a Jira Cloud site (`/browse/KEY`), or undefined when the site is not a bare
 * http(s) origin.
 *
 * @example
 * jiraIssueLink('QA-12', 'https://acme.atlassian.net/') // 'https://acme.atlassian.net/browse/QA-12'
 */
export function jiraIssueLink(key: string, jiraSite: string): string | undefined {
  const site = siteOrigin(jiraSite)
  return site === undefined ? undefined : `${site}/browse/${encodeURIComponent(key)}`
}
