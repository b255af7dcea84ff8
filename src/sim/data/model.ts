/**
 * The simulator's world: the shapes shared by the data generator, the JQL
 * engine and the Jira routes. Issues are held column-wise in typed arrays; their
 * text (summary, description, comments) is derived from the seed on demand, so a
 * world of 100,000 issues costs a few megabytes, not a few hundred.
 */

/** An Atlassian site (one Jira Cloud instance), as accessible-resources lists it. */
export interface SimSite {
  /** The cloud id: a UUID, stable for a seed. */
  readonly cloudId: string
  /** Short name, e.g. `acme`. */
  readonly name: string
  /** e.g. `https://acme.atlassian.net` */
  readonly url: string
  readonly avatarUrl: string
}

export interface SimUser {
  /** Atlassian account id, e.g. `712020:4f0a…` (stable for a seed). */
  readonly accountId: string
  /** Login handle used by the simulator's consent page and `--auto-consent`, e.g. `alice`. */
  readonly login: string
  readonly displayName: string
  readonly email: string
  readonly timeZone: string
  readonly locale: string
  /** Indexes into `SimWorld.sites`: the sites this user can reach. */
  readonly siteIndexes: readonly number[]
}

export interface SimProject {
  /** Numeric string, e.g. `10000`. */
  readonly id: string
  /** e.g. `DEMO` */
  readonly key: string
  readonly name: string
  readonly description: string
  readonly siteIndex: number
  /** Index into `SimWorld.users`. */
  readonly leadIndex: number
  readonly projectTypeKey: 'software' | 'business' | 'service_desk'
}

export type StatusCategoryKey = 'new' | 'indeterminate' | 'done'

export interface SimStatus {
  readonly id: string
  readonly name: string
  readonly category: StatusCategoryKey
}

export interface SimNamed {
  readonly id: string
  readonly name: string
}

/** Statuses, priorities, issue types and labels are fixed catalogues: byte-sized indexes below point into them. */
export const STATUSES: readonly SimStatus[] = [
  { id: '10000', name: 'To Do', category: 'new' },
  { id: '3', name: 'In Progress', category: 'indeterminate' },
  { id: '10001', name: 'In Review', category: 'indeterminate' },
  { id: '10002', name: 'Done', category: 'done' },
  { id: '10003', name: 'Blocked', category: 'indeterminate' },
]

export const PRIORITIES: readonly SimNamed[] = [
  { id: '1', name: 'Highest' },
  { id: '2', name: 'High' },
  { id: '3', name: 'Medium' },
  { id: '4', name: 'Low' },
  { id: '5', name: 'Lowest' },
]

export const ISSUE_TYPES: readonly SimNamed[] = [
  { id: '10001', name: 'Task' },
  { id: '10002', name: 'Bug' },
  { id: '10003', name: 'Story' },
  { id: '10004', name: 'Epic' },
]

/** At most 32 labels: an issue's labels are a bit mask over this list. */
export const LABELS: readonly string[] = [
  'backend',
  'frontend',
  'api',
  'database',
  'security',
  'performance',
  'ux',
  'docs',
  'customer',
  'regression',
  'tech-debt',
  'infra',
  'mobile',
  'billing',
  'search',
  'onboarding',
]

export interface SimComment {
  /** Numeric string, unique within the site. */
  readonly id: string
  readonly authorIndex: number
  /** Epoch milliseconds. */
  readonly created: number
  readonly updated: number
  readonly body: AdfDoc
}

/**
 * The issues of one site, column-wise. Row `i` is one issue; every column has
 * `count` entries. Rows are in creation order (ascending id and created).
 */
export interface IssueTable {
  readonly siteIndex: number
  readonly count: number
  /** Index into `SimWorld.projects`. */
  readonly project: Uint16Array
  /** The issue's number within its project: key = `${project.key}-${number}`. */
  readonly number: Uint32Array
  /** Issue id (numeric, unique within the site). */
  readonly id: Uint32Array
  /** Index into STATUSES. */
  readonly status: Uint8Array
  /** Index into PRIORITIES. */
  readonly priority: Uint8Array
  /** Index into ISSUE_TYPES. */
  readonly issueType: Uint8Array
  /** Index into `SimWorld.users`, or -1 when unassigned. */
  readonly assignee: Int16Array
  /** Index into `SimWorld.users`. */
  readonly reporter: Int16Array
  /** Epoch milliseconds. */
  readonly created: Float64Array
  /** Epoch milliseconds, >= created. */
  readonly updated: Float64Array
  /** Bit i set = the issue has LABELS[i]. */
  readonly labels: Uint32Array
  /** Row index of an issue by its key (upper case), or undefined. */
  rowOfKey(key: string): number | undefined
  /** Row index of an issue by its id, or undefined. */
  rowOfId(id: number): number | undefined
  /** The issue key, e.g. `DEMO-42`. */
  key(row: number): string
  /** One line of realistic text; the same for the same seed and row. */
  summary(row: number): string
  /** The description as ADF, or null for issues without one. */
  description(row: number): AdfDoc | null
  /** Comments, oldest first (possibly none). */
  comments(row: number): readonly SimComment[]
  /** Lower-cased summary + description + comment text, for `text ~`. */
  searchText(row: number): string
}

export interface SimWorld {
  readonly seed: number
  /** The instant issue dates were generated relative to (epoch ms, midnight UTC). */
  readonly anchor: number
  readonly sites: readonly SimSite[]
  readonly users: readonly SimUser[]
  readonly projects: readonly SimProject[]
  /** One table per site, same order as `sites`. */
  readonly issues: readonly IssueTable[]
}

/** Atlassian Document Format: https://developer.atlassian.com/cloud/jira/platform/apis/document/structure/ */
export interface AdfDoc {
  readonly version: 1
  readonly type: 'doc'
  readonly content: readonly AdfNode[]
}

export interface AdfMark {
  readonly type: 'strong' | 'em' | 'code' | 'link'
  readonly attrs?: { readonly href: string }
}

export interface AdfNode {
  readonly type:
    | 'paragraph'
    | 'text'
    | 'heading'
    | 'bulletList'
    | 'orderedList'
    | 'listItem'
    | 'codeBlock'
    | 'hardBreak'
    | 'mention'
  readonly text?: string
  readonly marks?: readonly AdfMark[]
  readonly attrs?: Readonly<Record<string, string | number>>
  readonly content?: readonly AdfNode[]
}
