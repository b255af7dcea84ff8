/**
 * IssueTable over typed-array columns. Lookups are cheap (key → row through a
 * per-project row index, id → row by binary search over the ascending ids) and
 * all text is generated on demand by text.ts.
 */
import type { AdfDoc, IssueTable, SimComment } from './model.js'
import {
  issueComments,
  issueDescription,
  issueSearchText,
  issueSummary,
  type TextContext,
  type TextColumns,
} from './text.js'

/** The typed-array columns of one site, all of length `count`: the table without its derived text. */
export type IssueColumns = Pick<
  IssueTable,
  | 'count'
  | 'project'
  | 'number'
  | 'id'
  | 'status'
  | 'priority'
  | 'issueType'
  | 'assignee'
  | 'reporter'
  | 'created'
  | 'updated'
  | 'labels'
>

/**
 * One site's issues.
 *
 * @example
 * const table = new ColumnIssueTable(columns, rowsByProject, context)
 * table.key(table.rowOfKey('DEMO-1') ?? 0) // 'DEMO-1'
 */
export class ColumnIssueTable implements IssueTable {
  readonly siteIndex: number
  readonly count: number
  readonly project: Uint16Array
  readonly number: Uint32Array
  readonly id: Uint32Array
  readonly status: Uint8Array
  readonly priority: Uint8Array
  readonly issueType: Uint8Array
  readonly assignee: Int16Array
  readonly reporter: Int16Array
  readonly created: Float64Array
  readonly updated: Float64Array
  readonly labels: Uint32Array
  /** Project index → rows of that project in number order (row of `KEY-n` is at `n - 1`). */
  readonly #rowsByProject: ReadonlyMap<number, Uint32Array>
  /** Upper-case project key → project index, for this site's projects only. */
  readonly #projectByKey: ReadonlyMap<string, number>
  readonly #text: TextContext

  constructor(columns: IssueColumns, rowsByProject: ReadonlyMap<number, Uint32Array>, text: TextContext) {
    this.siteIndex = text.siteIndex
    this.count = columns.count
    this.project = columns.project
    this.number = columns.number
    this.id = columns.id
    this.status = columns.status
    this.priority = columns.priority
    this.issueType = columns.issueType
    this.assignee = columns.assignee
    this.reporter = columns.reporter
    this.created = columns.created
    this.updated = columns.updated
    this.labels = columns.labels
    this.#rowsByProject = rowsByProject
    this.#text = text
    const byKey = new Map<string, number>()
    text.projects.forEach((p, i) => {
      if (p.siteIndex === text.siteIndex) byKey.set(p.key.toUpperCase(), i)
    })
    this.#projectByKey = byKey
  }

  rowOfKey(key: string): number | undefined {
    const dash = key.lastIndexOf('-')
    if (dash <= 0) return undefined
    const digits = key.slice(dash + 1)
    if (!/^[1-9]\d{0,9}$/.test(digits)) return undefined
    const project = this.#projectByKey.get(key.slice(0, dash).toUpperCase())
    if (project === undefined) return undefined
    return this.#rowsByProject.get(project)?.[Number(digits) - 1]
  }

  rowOfId(id: number): number | undefined {
    let lo = 0
    let hi = this.count - 1
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1
      const value = this.id[mid] as number
      if (value === id) return mid
      if (value < id) lo = mid + 1
      else hi = mid - 1
    }
    return undefined
  }

  key(row: number): string {
    return `${this.#text.projects[this.project[row] ?? 0]?.key ?? '?'}-${this.number[row] ?? 0}`
  }

  summary(row: number): string {
    return issueSummary(this.#text, this.#columns(row), row)
  }

  description(row: number): AdfDoc | null {
    return issueDescription(this.#text, this.#columns(row), row)
  }

  comments(row: number): readonly SimComment[] {
    return issueComments(this.#text, this.#columns(row), row)
  }

  searchText(row: number): string {
    return issueSearchText(this.#text, this.#columns(row), row)
  }

  /** Guards the text generators against rows that do not exist. */
  #columns(row: number): TextColumns {
    if (!Number.isInteger(row) || row < 0 || row >= this.count)
      throw new RangeError(`row ${row} is outside 0..${this.count - 1}`)
    return this
  }
}
