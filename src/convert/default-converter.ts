/**
 * Rows for a query without a converter (trusted code, run in-process on the
 * parsed response):
 *
 * - Jira search results (`{ issues: [{ id, key, fields }] }`): one row per
 *   issue — `key`, `id`, then each field made a cell: an object with
 *   `displayName`, `name`, `value` or `key` becomes that; ADF becomes plain
 *   text; a comment or worklog page becomes its count; a list of strings is
 *   joined with `, `; a list of objects, their names joined; other objects
 *   spread into dotted columns (`votes.votes`); dates stay strings. With
 *   `expand=names`, columns take the fields' display names.
 * - Any other top-level array: one row per item; objects flattened one level
 *   with dotted keys, anything else as `{ value }`.
 * - An object with exactly one array property, whose items are all objects
 *   (`{ values: […], startAt, total }`): the rows of that array.
 * - Any other object: one row, flattened; a lone scalar: `[{ value }]`; null: no rows.
 */
import { adf } from './sandbox/in-process.js'

export type Row = Record<string, unknown>

/**
 * @example defaultRows({ issues: [{ id: '1', key: 'DEMO-1', fields: { status: { name: 'Done' } } }] })
 * // [{ key: 'DEMO-1', id: '1', status: 'Done' }]
 * @example defaultRows([{ a: 1, b: { c: 2 } }, 3]) // [{ a: 1, 'b.c': 2 }, { value: 3 }]
 */
export function defaultRows(value: unknown): Row[] {
  if (value === null || value === undefined) return []
  if (Array.isArray(value)) return value.map(itemRow)
  if (!isRecord(value)) return [{ value }]
  if (isJiraSearch(value)) return jiraRows(value)
  const list = soleListOfObjects(value)
  if (list !== undefined) return list.map(itemRow)
  return [flatten(value)]
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function isAdf(value: unknown): boolean {
  return isRecord(value) && value.type === 'doc' && Array.isArray(value.content)
}

function isJiraSearch(
  value: Record<string, unknown>,
): value is Record<string, unknown> & { issues: unknown[] } {
  const issues = value.issues
  return (
    Array.isArray(issues) &&
    issues.every((issue) => isRecord(issue) && (isRecord(issue.fields) || typeof issue.key === 'string'))
  )
}

function soleListOfObjects(value: Record<string, unknown>): unknown[] | undefined {
  const lists = Object.values(value).filter((v) => Array.isArray(v))
  const only = lists.length === 1 ? lists[0] : undefined
  return Array.isArray(only) && only.every(isRecord) ? only : undefined
}

function itemRow(item: unknown): Row {
  return isRecord(item) && !isAdf(item) ? flatten(item) : { value: cell(item) }
}

/** One level of nesting becomes dotted keys; anything deeper becomes a cell. */
function flatten(value: Record<string, unknown>): Row {
  const row: Row = {}
  for (const [key, v] of Object.entries(value)) {
    if (isRecord(v) && !isAdf(v)) for (const [inner, w] of Object.entries(v)) row[`${key}.${inner}`] = cell(w)
    else row[key] = cell(v)
  }
  return row
}

/** A value fit for a table cell: scalars as they are, ADF as text, lists joined, the rest as JSON. */
function cell(value: unknown): unknown {
  if (value === undefined || value === null) return null
  if (typeof value !== 'object') return value
  if (isAdf(value)) return adf.adfToText(value)
  if (Array.isArray(value) && value.every((v) => v === null || typeof v !== 'object')) return value.join(', ')
  return JSON.stringify(value)
}

function jiraRows(search: { issues: unknown[]; names?: unknown }): Row[] {
  const names = isRecord(search.names) ? search.names : {}
  return search.issues.filter(isRecord).map((issue) => {
    const row: Row = {}
    if (issue.key !== undefined) row.key = issue.key
    if (issue.id !== undefined) row.id = issue.id
    const fields = isRecord(issue.fields) ? issue.fields : {}
    for (const [id, value] of Object.entries(fields)) {
      const column = typeof names[id] === 'string' ? names[id] : id
      if (isRecord(value) && !isAdf(value) && named(value) === undefined && countOf(value) === undefined)
        for (const [inner, w] of Object.entries(value)) row[`${column}.${inner}`] = jiraCell(w)
      else row[column] = jiraCell(value)
    }
    return row
  })
}

/** The name a person would call a Jira object by: user, status, option, project, issue, attachment. */
function named(value: Record<string, unknown>): string | number | undefined {
  for (const key of ['displayName', 'name', 'value', 'key', 'filename']) {
    const v = value[key]
    if (typeof v === 'string' || typeof v === 'number') return v
  }
  return undefined
}

/** A comment or worklog page (`{ comments: [...], total }`) counts as its number of entries. */
function countOf(value: Record<string, unknown>): number | undefined {
  for (const key of ['comments', 'worklogs']) {
    const list = value[key]
    if (Array.isArray(list)) return typeof value.total === 'number' ? value.total : list.length
  }
  return undefined
}

function jiraCell(value: unknown): unknown {
  if (value === undefined || value === null) return null
  if (typeof value !== 'object') return value
  if (isAdf(value)) return adf.adfToText(value)
  if (Array.isArray(value)) {
    return value
      .map((v) => (isRecord(v) ? (named(v) ?? JSON.stringify(v)) : v === null ? '' : String(v)))
      .join(', ')
  }
  if (isRecord(value)) return named(value) ?? countOf(value) ?? JSON.stringify(value)
  return JSON.stringify(value)
}
