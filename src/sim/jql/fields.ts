/**
 * JQL field names: which the simulator implements (with Jira's aliases), and which
 * are real Jira fields it refuses, so the two get different messages.
 */
import type { FieldRef } from './ast.js'
import { fieldDoesNotExist, notSupportedBySimulator } from './errors.js'

export type FieldId =
  | 'project'
  | 'status'
  | 'statusCategory'
  | 'assignee'
  | 'reporter'
  | 'priority'
  | 'issuetype'
  | 'labels'
  | 'issuekey'
  | 'created'
  | 'updated'
  | 'text'
  | 'summary'
  | 'description'
  | 'comment'

/** Lower-cased JQL name → field. `key`, `issue` and `id` are all Jira's issuekey clause. */
const FIELDS: ReadonlyMap<string, FieldId> = new Map<string, FieldId>([
  ['project', 'project'],
  ['status', 'status'],
  ['statuscategory', 'statusCategory'],
  ['assignee', 'assignee'],
  ['reporter', 'reporter'],
  ['priority', 'priority'],
  ['issuetype', 'issuetype'],
  ['type', 'issuetype'],
  ['labels', 'labels'],
  ['key', 'issuekey'],
  ['issuekey', 'issuekey'],
  ['issue', 'issuekey'],
  ['id', 'issuekey'],
  ['created', 'created'],
  ['createddate', 'created'],
  ['updated', 'updated'],
  ['updateddate', 'updated'],
  ['text', 'text'],
  ['summary', 'summary'],
  ['description', 'description'],
  ['comment', 'comment'],
])

/** Real Jira system fields (and common Jira Software ones) the simulator does not model. */
const KNOWN_UNSUPPORTED = new Set(
  (
    'affectedversion approvals attachments category component creator customfieldname duedate due ' +
    '"epic link" "epic name" environment filter request savedfilter searchrequest fixversion ' +
    'issuelink issuelinktype lastviewed level originalestimate timeoriginalestimate parent parentepic ' +
    'remainingestimate timeestimate resolution resolved resolutiondate sprint statuscategorychangeddate ' +
    'subtasks team timespent votes voter watchers watcher workratio worklogauthor worklogcomment worklogdate ' +
    'rank flagged "story points" "start date" "target start" "target end" "due date" organizations ' +
    '"request type" "customer request type" sla "time to resolution" "time to first response" ' +
    'development updatedby attachment comments'
  )
    .match(/"[^"]+"|\S+/g)
    ?.map((name) => name.replace(/"/g, '')),
)

/**
 * Resolves a field reference to a field the simulator implements, or returns the
 * message Jira-style callers should see.
 *
 * @example lookupField({ name: 'createdDate', at }) // { field: 'created' }
 */
export function lookupField(ref: FieldRef): { field: FieldId } | { error: string } {
  if (ref.customFieldId !== undefined) return { error: fieldDoesNotExist(ref.name) }
  const lower = ref.name.toLowerCase()
  const field = FIELDS.get(lower)
  if (field !== undefined) return { field }
  if (KNOWN_UNSUPPORTED.has(lower)) return { error: notSupportedBySimulator(`The field '${ref.name}'`) }
  return { error: fieldDoesNotExist(ref.name) }
}
