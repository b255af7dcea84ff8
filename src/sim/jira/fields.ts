import {
  ISSUE_TYPES,
  LABELS,
  PRIORITIES,
  STATUSES,
  type AdfDoc,
  type IssueTable,
  type SimSite,
  type SimUser,
  type SimWorld,
} from '../data/model.js'
import { adfToHtml, adfToWiki } from '../data/rich-text.js'
import {
  issueTypeJson,
  jiraDate,
  priorityJson,
  projectRefJson,
  renderedDate,
  statusJson,
  userJson,
} from './format.js'
import { changelogExpansion, operationsJson, transitionsJson } from './expand.js'

/** The API version decides how rich text is sent: ADF in v3, wiki markup strings in v2. */
export type ApiVersion = 2 | 3

/** One system field the simulator models: the catalogue behind `/field`, `names` and `schema`. */
export interface FieldInfo {
  readonly id: string
  readonly name: string
  readonly navigable: boolean
  readonly orderable: boolean
  readonly searchable: boolean
  readonly clauseNames: readonly string[]
  readonly schema: Readonly<Record<string, string>>
}

export const FIELDS: readonly FieldInfo[] = [
  field('summary', 'Summary', { type: 'string', system: 'summary' }, ['summary']),
  field('description', 'Description', { type: 'string', system: 'description' }, ['description']),
  field('status', 'Status', { type: 'status', system: 'status' }, ['status'], { orderable: false }),
  field('assignee', 'Assignee', { type: 'user', system: 'assignee' }, ['assignee']),
  field('reporter', 'Reporter', { type: 'user', system: 'reporter' }, ['reporter']),
  field('priority', 'Priority', { type: 'priority', system: 'priority' }, ['priority']),
  field('labels', 'Labels', { type: 'array', items: 'string', system: 'labels' }, ['labels']),
  field('created', 'Created', { type: 'datetime', system: 'created' }, ['created', 'createdDate'], {
    orderable: false,
  }),
  field('updated', 'Updated', { type: 'datetime', system: 'updated' }, ['updated', 'updatedDate'], {
    orderable: false,
  }),
  field('issuetype', 'Issue Type', { type: 'issuetype', system: 'issuetype' }, ['issuetype', 'type']),
  field('project', 'Project', { type: 'project', system: 'project' }, ['project']),
  field('comment', 'Comment', { type: 'comments-page', system: 'comment' }, ['comment'], {
    navigable: false,
  }),
  field('resolution', 'Resolution', { type: 'resolution', system: 'resolution' }, ['resolution']),
  field(
    'resolutiondate',
    'Resolved',
    { type: 'datetime', system: 'resolutiondate' },
    ['resolutiondate', 'resolved'],
    {
      orderable: false,
    },
  ),
]

function field(
  id: string,
  name: string,
  schema: Record<string, string>,
  clauseNames: string[],
  flags: Partial<Pick<FieldInfo, 'navigable' | 'orderable' | 'searchable'>> = {},
): FieldInfo {
  return { id, name, schema, clauseNames, navigable: true, orderable: true, searchable: true, ...flags }
}

const FIELD_BY_ID = new Map(FIELDS.map((f) => [f.id, f]))

/**
 * Which fields a request asked for, from Jira's `fields` syntax: `*all`,
 * `*navigable`, names, and `-name` to leave one out. Unknown names are ignored,
 * as Jira does. `idOnly` marks the default (`id`), for which Jira sends bare `{id}` objects.
 *
 * @example selectFields(['summary', 'status']) // { ids: ['summary', 'status'], idOnly: false, ... }
 */
export interface FieldSelection {
  readonly ids: readonly string[]
  /** Only `id` (and perhaps `key`) were asked for. */
  readonly idOnly: boolean
}

export function selectFields(
  requested: readonly string[] | undefined,
  fallback = 'id',
  base = '*navigable',
): FieldSelection {
  const items = (requested && requested.length > 0 ? requested : [fallback])
    .flatMap((item) => item.split(','))
    .map((item) => item.trim())
    .filter((item) => item !== '')
  const chosen = new Set<string>()
  const excluded = new Set<string>()
  const add = (item: string) => {
    if (item === '*all') {
      for (const f of FIELDS) chosen.add(f.id)
    } else if (item === '*navigable') {
      for (const f of FIELDS) if (f.navigable) chosen.add(f.id)
    } else if (FIELD_BY_ID.has(item)) {
      chosen.add(item)
    }
  }
  for (const item of items) {
    if (item.startsWith('-')) excluded.add(item.slice(1))
    else add(item)
  }
  // Only exclusions ("-description"): Jira starts from the navigable fields (all of them for GET issue).
  if (items.every((item) => item.startsWith('-'))) add(base)
  for (const id of excluded) chosen.delete(id)
  const idOnly =
    chosen.size === 0 &&
    items.every((item) => item === 'id' || item.startsWith('-')) &&
    !items.includes('key')
  return { ids: FIELDS.filter((f) => chosen.has(f.id)).map((f) => f.id), idOnly }
}

export interface IssueOptions {
  readonly world: SimWorld
  readonly site: SimSite
  readonly table: IssueTable
  readonly version: ApiVersion
  readonly fields: FieldSelection
  /** Known values of `expand` (expand.ts); names and schema are the caller's, at the top level. */
  readonly expand: ReadonlySet<string>
}

/** One issue as Jira's IssueBean. With the default `fields=id` it is `{ id }` alone. */
export function issueJson(options: IssueOptions, row: number): Record<string, unknown> {
  const { table, site, fields } = options
  const id = String(table.id[row])
  if (fields.idOnly) return { id }
  const bean: Record<string, unknown> = {
    expand: 'renderedFields,names,schema,operations,editmeta,changelog,versionedRepresentations',
    id,
    self: `${site.url}/rest/api/${options.version}/issue/${id}`,
    key: table.key(row),
    fields: Object.fromEntries(fields.ids.map((fieldId) => [fieldId, fieldValue(options, row, fieldId)])),
  }
  if (options.expand.has('renderedFields')) {
    bean.renderedFields = Object.fromEntries(
      fields.ids.map((fieldId) => [fieldId, renderedValue(options, row, fieldId)]),
    )
  }
  // "Instead of `fields`, returns `versionedRepresentations`": each value under version "1".
  if (options.expand.has('versionedRepresentations')) {
    bean.versionedRepresentations = Object.fromEntries(
      Object.entries(bean.fields as Record<string, unknown>).map(([fieldId, value]) => [
        fieldId,
        { '1': value },
      ]),
    )
    delete bean.fields
  }
  if (options.expand.has('transitions')) bean.transitions = transitionsJson(site, table, row)
  if (options.expand.has('operations')) bean.operations = operationsJson(site, table, row)
  if (options.expand.has('editmeta')) bean.editmeta = { fields: editMeta(fields) }
  if (options.expand.has('changelog')) bean.changelog = changelogExpansion(options.world, site, table, row)
  return bean
}

/** `expand=editmeta`: the selected fields a user may edit (the orderable ones), as FieldMetadata. */
function editMeta(fields: FieldSelection): Record<string, unknown> {
  return Object.fromEntries(
    fields.ids.flatMap((id) => {
      const info = FIELD_BY_ID.get(id)
      if (!info?.orderable) return []
      const operations = info.schema.type === 'array' ? ['add', 'set', 'remove'] : ['set']
      return [[id, { required: id === 'summary', schema: info.schema, name: info.name, key: id, operations }]]
    }),
  )
}

/** `names` expansion: field id → display name, for the selected fields. */
export function fieldNames(fields: FieldSelection): Record<string, string> {
  return Object.fromEntries(fields.ids.map((id) => [id, FIELD_BY_ID.get(id)?.name ?? id]))
}

/** `schema` expansion: field id → JsonTypeBean. */
export function fieldSchemas(fields: FieldSelection): Record<string, Readonly<Record<string, string>>> {
  return Object.fromEntries(fields.ids.map((id) => [id, FIELD_BY_ID.get(id)?.schema ?? { type: 'any' }]))
}

function richText(options: IssueOptions, doc: AdfDoc | null): unknown {
  if (doc === null) return null
  return options.version === 3 ? doc : adfToWiki(doc)
}

function user(options: IssueOptions, index: number): Record<string, unknown> | null {
  const found: SimUser | undefined = options.world.users[index]
  return found ? userJson(options.site, found) : null
}

function isDone(table: IssueTable, row: number): boolean {
  return STATUSES[table.status[row] as number]?.category === 'done'
}

function fieldValue(options: IssueOptions, row: number, fieldId: string): unknown {
  const { table, site, world } = options
  switch (fieldId) {
    case 'summary':
      return table.summary(row)
    case 'description':
      return richText(options, table.description(row))
    case 'status':
      return statusJson(site, STATUSES[table.status[row] as number] as (typeof STATUSES)[number])
    case 'assignee':
      return user(options, table.assignee[row] as number)
    case 'reporter':
      return user(options, table.reporter[row] as number)
    case 'priority':
      return priorityJson(site, PRIORITIES[table.priority[row] as number] as (typeof PRIORITIES)[number])
    case 'labels': {
      const mask = table.labels[row] as number
      return LABELS.filter((_, bit) => (mask & (1 << bit)) !== 0)
    }
    case 'created':
      return jiraDate(table.created[row] as number)
    case 'updated':
      return jiraDate(table.updated[row] as number)
    case 'issuetype':
      return issueTypeJson(site, ISSUE_TYPES[table.issueType[row] as number] as (typeof ISSUE_TYPES)[number])
    case 'project':
      return projectRefJson(
        site,
        world.projects[table.project[row] as number] as (typeof world.projects)[number],
      )
    case 'resolution':
      return isDone(table, row)
        ? {
            self: `${site.url}/rest/api/3/resolution/10000`,
            id: '10000',
            description: 'Work has been completed.',
            name: 'Done',
          }
        : null
    case 'resolutiondate':
      return isDone(table, row) ? jiraDate(table.updated[row] as number) : null
    case 'comment': {
      const comments = table.comments(row).map((comment) => ({
        self: `${site.url}/rest/api/3/issue/${table.id[row]}/comment/${comment.id}`,
        id: comment.id,
        author: user(options, comment.authorIndex),
        body: richText(options, comment.body),
        updateAuthor: user(options, comment.authorIndex),
        created: jiraDate(comment.created),
        updated: jiraDate(comment.updated),
        jsdPublic: true,
      }))
      return {
        comments,
        self: `${site.url}/rest/api/3/issue/${table.id[row]}/comment`,
        maxResults: comments.length,
        total: comments.length,
        startAt: 0,
      }
    }
    default:
      return null
  }
}

/** `renderedFields`: rich text as HTML, dates as Jira shows them; other fields are null, as in Jira. */
function renderedValue(options: IssueOptions, row: number, fieldId: string): unknown {
  const { table } = options
  switch (fieldId) {
    case 'description': {
      const doc = table.description(row)
      return doc === null ? '' : adfToHtml(doc)
    }
    case 'created':
      return renderedDate(table.created[row] as number)
    case 'updated':
      return renderedDate(table.updated[row] as number)
    case 'comment': {
      const comments = table.comments(row).map((comment) => ({
        id: comment.id,
        author: user(options, comment.authorIndex),
        body: adfToHtml(comment.body),
        created: renderedDate(comment.created),
        updated: renderedDate(comment.updated),
      }))
      return { comments, maxResults: comments.length, total: comments.length, startAt: 0 }
    }
    default:
      return null
  }
}
