import { describe, expect, it } from 'vitest'
import {
  JqlError,
  MAX_SORT_FIELDS,
  UNBOUNDED_JQL_MESSAGE,
  compileJql,
  searchRows,
} from '../../src/sim/jql/index.js'
import type { JqlContext } from '../../src/sim/jql/index.js'
import { TABLE, context, syntheticTable } from './jql-fixture.js'

const ctx = context()

/** Matching keys in result order. */
function search(jql: string, c: JqlContext = ctx): string[] {
  return [...searchRows(compileJql(jql, c), c.table)].map((row) => c.table.key(row))
}

/** Matching keys in creation order, for tests about which issues match rather than their order. */
function matched(jql: string, c: JqlContext = ctx): string[] {
  return [...searchRows(compileJql(jql, c), c.table)].sort((a, b) => a - b).map((row) => c.table.key(row))
}

function errorsOf(jql: string, c: JqlContext = ctx): readonly string[] {
  try {
    compileJql(jql, c)
  } catch (e) {
    if (e instanceof JqlError) return e.errorMessages
    throw e
  }
  throw new Error(`expected a JqlError for: ${jql}`)
}

const OPS = ['OPS-1', 'OPS-2', 'OPS-3', 'OPS-4', 'OPS-5']
const WEB = ['WEB-1', 'WEB-2', 'WEB-3', 'WEB-4', 'WEB-5']

describe('project', () => {
  it('matches a project key case-insensitively', () => {
    expect(matched('project = ops')).toEqual(OPS)
  })

  it('matches a project name', () => {
    expect(matched('project = "web site"')).toEqual(WEB)
  })

  it('matches a project id', () => {
    expect(matched('project = 10001')).toEqual(OPS)
  })

  it('matches any project of an IN list', () => {
    expect(matched('project in (OPS, WEB)')).toHaveLength(10)
  })

  it('excludes the projects of a NOT IN list', () => {
    expect(matched('project not in (DEMO, OPS)')).toEqual(WEB)
  })

  it('excludes a project with !=', () => {
    expect(matched('project != DEMO')).toHaveLength(10)
  })

  it('is never empty', () => {
    expect(matched('project is EMPTY')).toEqual([])
    expect(matched('project is not EMPTY')).toHaveLength(20)
  })

  it('rejects a project of another site', () => {
    expect(errorsOf('project = GLX')).toEqual(["The value 'GLX' does not exist for the field 'project'."])
  })

  it('rejects an unknown project', () => {
    expect(errorsOf('project = XYZ')).toEqual(["The value 'XYZ' does not exist for the field 'project'."])
  })
})

describe('status and statusCategory', () => {
  it('matches a status name case-insensitively', () => {
    expect(matched('status = "in progress"')).toEqual(['DEMO-2', 'OPS-2', 'WEB-3', 'DEMO-8'])
  })

  it('matches a status id', () => {
    expect(matched('status = 3')).toEqual(['DEMO-2', 'OPS-2', 'WEB-3', 'DEMO-8'])
  })

  it('excludes a status with !=', () => {
    expect(matched('status != Done')).toHaveLength(17)
  })

  it('matches any status of an IN list', () => {
    expect(matched('status in ("To Do", Blocked)')).toEqual([
      'DEMO-1',
      'WEB-1',
      'WEB-2',
      'DEMO-5',
      'OPS-3',
      'DEMO-6',
      'DEMO-7',
      'WEB-5',
      'DEMO-9',
      'OPS-5',
    ])
  })

  it('rejects an unknown status', () => {
    expect(errorsOf('status = Closed')).toEqual(["The value 'Closed' does not exist for the field 'status'."])
  })

  it('refuses EMPTY for status', () => {
    expect(errorsOf('status is EMPTY')).toEqual([
      "The field 'status' does not support searching for EMPTY values.",
    ])
  })

  it('matches a status category by name', () => {
    expect(matched('statusCategory = "In Progress"')).toHaveLength(10)
  })

  it('matches a status category by key', () => {
    expect(matched('statusCategory = done')).toEqual(['OPS-1', 'DEMO-4', 'OPS-4'])
  })

  it('excludes a status category with !=', () => {
    expect(matched('statusCategory != "To Do"')).toHaveLength(13)
  })
})

describe('assignee and reporter', () => {
  const BOB = ['DEMO-2', 'DEMO-4', 'WEB-4', 'DEMO-9']

  it('matches a login', () => {
    expect(matched('assignee = bob')).toEqual(BOB)
  })

  it('matches a display name case-insensitively', () => {
    expect(matched('assignee = "bob brown"')).toEqual(BOB)
  })

  it('matches an e-mail address', () => {
    expect(matched('assignee = bob@example.com')).toEqual(BOB)
  })

  it('matches an account id', () => {
    const accountId = ctx.world.users[1]?.accountId ?? ''
    expect(matched(`assignee = "${accountId}"`)).toEqual(BOB)
  })

  it('matches currentUser()', () => {
    expect(matched('assignee = currentUser()')).toEqual(['DEMO-1', 'OPS-2', 'DEMO-6', 'DEMO-8'])
  })

  it('resolves currentUser() from the context', () => {
    expect(matched('assignee = currentUser()', context({ currentUser: 4 }))).toEqual([
      'WEB-1',
      'WEB-3',
      'OPS-4',
      'DEMO-10',
    ])
  })

  it('matches unassigned issues with IS EMPTY', () => {
    expect(matched('assignee is EMPTY')).toEqual(['DEMO-3', 'WEB-2', 'OPS-3', 'WEB-5'])
  })

  it('treats = EMPTY and = NULL like IS EMPTY', () => {
    expect(matched('assignee = EMPTY')).toEqual(['DEMO-3', 'WEB-2', 'OPS-3', 'WEB-5'])
    expect(matched('assignee = null')).toEqual(['DEMO-3', 'WEB-2', 'OPS-3', 'WEB-5'])
  })

  it('matches assigned issues with IS NOT EMPTY', () => {
    expect(matched('assignee is not EMPTY')).toHaveLength(16)
  })

  it('leaves unassigned issues out of != (as Jira does)', () => {
    expect(matched('assignee != bob')).toHaveLength(12)
  })

  it('keeps unassigned issues in NOT assignee = x', () => {
    expect(matched('NOT assignee = bob')).toHaveLength(16)
  })

  it('matches EMPTY inside an IN list', () => {
    expect(matched('assignee in (EMPTY, carol)')).toEqual([
      'OPS-1',
      'DEMO-3',
      'WEB-2',
      'DEMO-5',
      'OPS-3',
      'DEMO-7',
      'WEB-5',
      'OPS-5',
    ])
  })

  it('leaves unassigned issues out of NOT IN', () => {
    expect(matched('assignee not in (alice, bob)')).toHaveLength(8)
  })

  it('matches a reporter', () => {
    expect(matched('reporter = erin')).toEqual(['WEB-2', 'DEMO-6', 'OPS-4', 'DEMO-10'])
  })

  it('rejects an unknown user', () => {
    expect(errorsOf('assignee = nobody')).toEqual([
      "The value 'nobody' does not exist for the field 'assignee'.",
    ])
  })
})

describe('priority and issuetype', () => {
  it('matches a priority name', () => {
    expect(matched('priority = Highest')).toEqual(['DEMO-3', 'DEMO-4', 'OPS-5'])
  })

  it('matches a priority id', () => {
    expect(matched('priority = 1')).toEqual(['DEMO-3', 'DEMO-4', 'OPS-5'])
  })

  it('compares priorities with > meaning more urgent', () => {
    expect(matched('priority > Medium')).toEqual([
      'DEMO-2',
      'DEMO-3',
      'OPS-2',
      'DEMO-4',
      'OPS-3',
      'DEMO-8',
      'OPS-5',
    ])
  })

  it('compares priorities with <=', () => {
    expect(matched('priority <= Low')).toEqual(['OPS-1', 'WEB-2', 'DEMO-6', 'DEMO-7', 'DEMO-9'])
  })

  it('matches an issue type', () => {
    expect(matched('issuetype = Bug')).toEqual([
      'DEMO-2',
      'WEB-1',
      'DEMO-4',
      'OPS-3',
      'WEB-4',
      'DEMO-8',
      'OPS-5',
    ])
  })

  it('accepts type as an alias of issuetype', () => {
    expect(matched('type = epic')).toEqual(['OPS-2', 'DEMO-9'])
  })

  it('evaluates standardIssueTypes() and subTaskIssueTypes()', () => {
    expect(matched('issuetype in standardIssueTypes()')).toHaveLength(20)
    expect(matched('issuetype in subTaskIssueTypes()')).toEqual([])
  })

  it('rejects an unknown issue type', () => {
    expect(errorsOf('issuetype = Subtask')).toEqual([
      "The value 'Subtask' does not exist for the field 'issuetype'.",
    ])
  })
})

describe('labels', () => {
  it('matches issues having a label', () => {
    expect(matched('labels = backend')).toEqual(['DEMO-1', 'DEMO-3', 'DEMO-4', 'DEMO-8'])
  })

  it('matches issues having any label of an IN list', () => {
    expect(matched('labels in (security, docs)')).toEqual(['WEB-1', 'WEB-2', 'OPS-5'])
  })

  it('leaves unlabelled issues out of !=', () => {
    expect(matched('labels != backend')).toHaveLength(12)
  })

  it('leaves unlabelled issues out of NOT IN', () => {
    expect(matched('labels not in (infra, backend)')).toHaveLength(9)
  })

  it('matches unlabelled issues with IS EMPTY', () => {
    expect(matched('labels is EMPTY')).toEqual(['OPS-1', 'DEMO-5', 'OPS-4', 'WEB-5'])
  })

  it('matches EMPTY inside an IN list', () => {
    expect(matched('labels in (EMPTY, docs)')).toEqual(['OPS-1', 'WEB-2', 'DEMO-5', 'OPS-4', 'WEB-5'])
  })

  it('compares labels case-sensitively', () => {
    expect(matched('labels = Backend')).toEqual([])
  })

  it('matches nothing for an unknown label without an error', () => {
    expect(matched('labels = no-such-label')).toEqual([])
  })
})

describe('key and id', () => {
  it('matches a key case-insensitively', () => {
    expect(matched('key = demo-4')).toEqual(['DEMO-4'])
  })

  it('matches keys of an IN list via issuekey', () => {
    expect(matched('issuekey in (DEMO-1, OPS-2)')).toEqual(['DEMO-1', 'OPS-2'])
  })

  it('matches an issue id', () => {
    expect(matched('id = 10005')).toEqual(['WEB-1'])
  })

  it('excludes a key with !=', () => {
    expect(matched('key != DEMO-1')).toHaveLength(19)
  })

  it('compares keys by number within the project', () => {
    expect(matched('key > DEMO-7')).toEqual(['DEMO-8', 'DEMO-9', 'DEMO-10'])
    expect(matched('key <= OPS-2')).toEqual(['OPS-1', 'OPS-2'])
  })

  it('compares ids numerically', () => {
    expect(matched('id >= 10018')).toEqual(['DEMO-9', 'OPS-5', 'DEMO-10'])
  })

  it('compares against a key number that does not exist', () => {
    expect(matched('key > DEMO-99')).toEqual([])
  })

  it('rejects an issue that does not exist', () => {
    expect(errorsOf('key = DEMO-99')).toEqual(["An issue with key 'DEMO-99' does not exist for field 'key'."])
  })

  it('rejects a key of a project that does not exist on the site', () => {
    expect(errorsOf('key = GLX-1')).toEqual(["An issue with key 'GLX-1' does not exist for field 'key'."])
  })

  it('rejects a malformed key', () => {
    expect(errorsOf('key = banana')).toEqual(["The issue key 'banana' for field 'key' is invalid."])
  })
})

describe('created and updated', () => {
  const SINCE_SUNDAY = ['WEB-4', 'DEMO-7', 'OPS-4', 'DEMO-8', 'WEB-5', 'DEMO-9', 'OPS-5', 'DEMO-10']

  it('compares with a yyyy-MM-dd date', () => {
    expect(matched('created >= "2026-03-15"')).toEqual(SINCE_SUNDAY)
  })

  it('reads an unquoted date', () => {
    expect(matched('created < 2026-01-15')).toEqual(['DEMO-1', 'DEMO-2'])
  })

  it('treats = with a date as that midnight instant', () => {
    expect(matched('created = "2026-01-15"')).toEqual(['OPS-1'])
  })

  it('reads yyyy/MM/dd HH:mm in UTC', () => {
    expect(matched('created = "2026/01/15 10:30"')).toEqual(['DEMO-3'])
  })

  it('matches any date of an IN list', () => {
    expect(matched('created in ("2026-01-15", "2026-03-15")')).toEqual(['OPS-1', 'WEB-4'])
  })

  it('reads relative days from the clock', () => {
    expect(matched('created > -1d')).toEqual(['DEMO-8', 'WEB-5', 'DEMO-9', 'OPS-5', 'DEMO-10'])
    expect(matched('created > "-1d"')).toEqual(['DEMO-8', 'WEB-5', 'DEMO-9', 'OPS-5', 'DEMO-10'])
  })

  it('reads relative weeks, hours and minutes', () => {
    expect(matched('created >= -1w')).toHaveLength(9)
    expect(matched('created > -2h')).toEqual(['DEMO-10'])
    expect(matched('created >= -120m')).toEqual(['OPS-5', 'DEMO-10'])
  })

  it('reads combined periods', () => {
    expect(matched('created >= "-1w 2d"')).toHaveLength(10)
    expect(matched('created >= -1w2d')).toHaveLength(10)
  })

  it('accepts createdDate and updatedDate as aliases', () => {
    expect(matched('createdDate >= "2026-03-15"')).toEqual(SINCE_SUNDAY)
    expect(matched('updatedDate >= -1h')).toEqual(['OPS-2', 'DEMO-10'])
  })

  it('compares updated with now()', () => {
    expect(matched('updated > now()')).toEqual([])
    expect(matched('updated <= now()')).toHaveLength(20)
  })

  it('evaluates startOfDay()', () => {
    expect(matched('created >= startOfDay()')).toEqual(['WEB-5', 'DEMO-9', 'OPS-5', 'DEMO-10'])
  })

  it('evaluates startOfDay(-1) and startOfDay("-1d") as yesterday', () => {
    expect(matched('created >= startOfDay(-1) AND created < startOfDay()')).toEqual(['OPS-4', 'DEMO-8'])
    expect(matched('created >= startOfDay("-1d") AND created < startOfDay()')).toEqual(['OPS-4', 'DEMO-8'])
  })

  it('evaluates endOfDay(-1) as the last millisecond of yesterday', () => {
    expect(matched('created > startOfDay(-1) AND created <= endOfDay(-1)')).toEqual(['OPS-4', 'DEMO-8'])
  })

  it('starts weeks on Sunday', () => {
    expect(matched('created >= startOfWeek()')).toEqual(SINCE_SUNDAY)
    expect(matched('created > endOfWeek()')).toEqual([])
  })

  it('evaluates startOfMonth(-1) and endOfMonth(-1) as last month', () => {
    expect(matched('created >= startOfMonth(-1) AND created <= endOfMonth(-1)')).toEqual([
      'WEB-1',
      'WEB-2',
      'OPS-2',
      'DEMO-4',
    ])
  })

  it('moves the boundary by an offset finer than the period', () => {
    expect(matched('created >= startOfMonth("+14d")')).toEqual(SINCE_SUNDAY)
  })

  it('evaluates startOfYear() and endOfYear(-1)', () => {
    expect(matched('created >= startOfYear()')).toHaveLength(20)
    expect(matched('created > endOfYear(-1)')).toHaveLength(20)
  })

  it('is never empty', () => {
    expect(matched('created is EMPTY')).toEqual([])
  })

  it('rejects a malformed date', () => {
    expect(errorsOf('created > "2026-13-45"')).toEqual([
      "Date value '2026-13-45' for field 'created' is invalid. Valid formats include: 'yyyy/MM/dd HH:mm', " +
        "'yyyy-MM-dd HH:mm', 'yyyy/MM/dd', 'yyyy-MM-dd', or a period format e.g. '-5d', '4w 2d'.",
    ])
  })

  it('rejects a malformed date function argument', () => {
    expect(errorsOf('created > startOfDay(yesterday)')).toEqual([
      "Duration for function 'startOfDay' should have the format (+/-)n(yMwdm), e.g -1M for 1 month earlier.",
    ])
  })

  it('rejects arguments to now()', () => {
    expect(errorsOf('created > now(1)')).toEqual(["Function 'now' expected '0' arguments but received '1'."])
  })

  it('rejects a function that is not a date', () => {
    expect(errorsOf('created > currentUser()')).toEqual([
      "A date for the field 'created' provided by the function 'currentUser' is not valid.",
    ])
  })
})

describe('text search', () => {
  it('searches summary, description and comments with text ~', () => {
    expect(matched('text ~ customer')).toEqual(['WEB-1', 'DEMO-7'])
  })

  it('matches a term as a substring of the summary', () => {
    expect(matched('summary ~ export')).toEqual(['DEMO-3', 'DEMO-4', 'DEMO-7'])
  })

  it('requires every term', () => {
    expect(matched('summary ~ "export fails"')).toEqual(['DEMO-4'])
  })

  it('requires a quoted phrase to be contiguous', () => {
    expect(matched('summary ~ "\\"pdf export\\""')).toEqual(['DEMO-7'])
    expect(matched('summary ~ \'"export pdf"\'')).toEqual([])
  })

  it('treats a trailing * as a prefix', () => {
    expect(matched('summary ~ "exp*"')).toEqual(['DEMO-3', 'DEMO-4', 'DEMO-7'])
  })

  it('ignores English stop words', () => {
    expect(matched('summary ~ "the export"')).toEqual(['DEMO-3', 'DEMO-4', 'DEMO-7'])
  })

  it('negates with !~', () => {
    expect(matched('summary !~ export')).toHaveLength(17)
  })

  it('searches the description', () => {
    expect(matched('description ~ dark')).toEqual(['WEB-3'])
  })

  it('matches issues without a description with description IS EMPTY', () => {
    expect(matched('description is EMPTY')).toEqual([
      'OPS-1',
      'WEB-2',
      'DEMO-5',
      'WEB-4',
      'OPS-4',
      'WEB-5',
      'DEMO-10',
    ])
  })

  it('searches comments', () => {
    expect(matched('comment ~ chrome')).toEqual(['WEB-4'])
  })

  it('leaves issues without comments out of comment !~', () => {
    expect(matched('comment !~ export')).toHaveLength(8)
  })

  it('refuses Lucene operators rather than misreading them', () => {
    expect(errorsOf('summary ~ "login OR export"')).toEqual([
      "The Lucene search syntax in 'login OR export' for field 'summary' is not supported by the Quarry Jira simulator.",
    ])
  })

  it('refuses !~ for text, as Jira does', () => {
    expect(errorsOf('text !~ login')).toEqual(["The operator '!~' is not supported by the 'text' field."])
  })

  it('refuses = for summary', () => {
    expect(errorsOf('summary = login')).toEqual(["The operator '=' is not supported by the 'summary' field."])
  })
})

describe('boolean logic', () => {
  it('intersects with AND', () => {
    expect(matched('project = DEMO AND priority = High')).toEqual(['DEMO-2', 'DEMO-8'])
  })

  it('binds AND tighter than OR', () => {
    expect(matched('project = OPS OR project = WEB AND priority = Highest')).toEqual(OPS)
  })

  it('groups with parentheses', () => {
    expect(matched('(project = OPS OR project = WEB) AND priority = Highest')).toEqual(['OPS-5'])
  })

  it('negates with NOT', () => {
    expect(matched('NOT project = DEMO')).toHaveLength(10)
  })

  it('binds NOT tighter than AND', () => {
    expect(matched('NOT status = Done AND project = OPS')).toEqual(['OPS-2', 'OPS-3', 'OPS-5'])
  })

  it('negates a parenthesised group', () => {
    expect(matched('not (project = DEMO or project = OPS)')).toEqual(WEB)
  })

  it('accepts && , || and ! as AND, OR and NOT', () => {
    expect(matched('project = DEMO && status = Done')).toEqual(['DEMO-4'])
    expect(matched('project = OPS || project = WEB')).toHaveLength(10)
    expect(matched('!project = DEMO')).toHaveLength(10)
  })

  it('evaluates a long chain of ORs', () => {
    const jql = Array.from({ length: 5000 }, (_, i) => `key = DEMO-${(i % 10) + 1}`).join(' OR ')
    expect(matched(jql)).toHaveLength(10)
  })

  it('reads keywords and field names in any case', () => {
    expect(matched('PROJECT = OPS and STATUS In (done) Or Project IS EMPTY')).toEqual(['OPS-1', 'OPS-4'])
  })
})

describe('ORDER BY', () => {
  it('orders newest first (id DESC) without ORDER BY', () => {
    expect(search('project = OPS')).toEqual(['OPS-5', 'OPS-4', 'OPS-3', 'OPS-2', 'OPS-1'])
  })

  it('orders ascending by default', () => {
    expect(search('project = OPS ORDER BY created')).toEqual(OPS)
  })

  it('orders keys by project key, then number numerically', () => {
    expect(search('key in (WEB-1, DEMO-10, OPS-1, DEMO-2) ORDER BY key')).toEqual([
      'DEMO-2',
      'DEMO-10',
      'OPS-1',
      'WEB-1',
    ])
  })

  it('puts Highest priority first with DESC', () => {
    expect(search('project = DEMO ORDER BY priority DESC, key ASC')).toEqual([
      'DEMO-3',
      'DEMO-4',
      'DEMO-2',
      'DEMO-8',
      'DEMO-1',
      'DEMO-5',
      'DEMO-10',
      'DEMO-6',
      'DEMO-9',
      'DEMO-7',
    ])
  })

  it('breaks ties by id in the direction of the last term', () => {
    // WEB-1 and WEB-2 were created at the same instant.
    expect(search('project = WEB ORDER BY created ASC')).toEqual(WEB)
    expect(search('project = WEB ORDER BY created DESC')).toEqual([
      'WEB-5',
      'WEB-4',
      'WEB-3',
      'WEB-2',
      'WEB-1',
    ])
    expect(search('project = WEB ORDER BY priority DESC')).toEqual([
      'WEB-5',
      'WEB-4',
      'WEB-3',
      'WEB-1',
      'WEB-2',
    ])
    expect(search('project = WEB ORDER BY priority ASC')).toEqual([
      'WEB-2',
      'WEB-1',
      'WEB-3',
      'WEB-4',
      'WEB-5',
    ])
  })

  it('orders assignees by display name with unassigned last', () => {
    expect(search('project = OPS ORDER BY assignee')).toEqual(['OPS-2', 'OPS-1', 'OPS-5', 'OPS-4', 'OPS-3'])
  })

  it('orders status by workflow position', () => {
    expect(search('project = OPS ORDER BY status')).toEqual(['OPS-3', 'OPS-2', 'OPS-1', 'OPS-4', 'OPS-5'])
  })

  it('orders summaries alphabetically', () => {
    expect(search('project = OPS ORDER BY summary')).toEqual(['OPS-3', 'OPS-5', 'OPS-2', 'OPS-4', 'OPS-1'])
  })

  it('orders by several terms', () => {
    expect(search('priority = Highest ORDER BY project DESC, created ASC')).toEqual([
      'OPS-5',
      'DEMO-3',
      'DEMO-4',
    ])
  })

  it('gives a total order', () => {
    const compiled = compileJql('project = WEB ORDER BY created', ctx)
    expect(compiled.compare(4, 4)).toBe(0)
    expect(Math.sign(compiled.compare(4, 5))).toBe(-Math.sign(compiled.compare(5, 4)))
    expect(compiled.compare(4, 5)).not.toBe(0)
  })

  it(`accepts ${MAX_SORT_FIELDS} fields`, () => {
    expect(
      search('project = OPS ORDER BY status, priority, assignee, reporter, issuetype, created, updated'),
    ).toEqual(['OPS-3', 'OPS-2', 'OPS-1', 'OPS-4', 'OPS-5'])
  })

  it('rejects an eighth field', () => {
    expect(
      errorsOf(
        'project = OPS ORDER BY status, priority, assignee, reporter, issuetype, created, updated, key',
      ),
    ).toEqual(['The ORDER BY clause can have at most 7 fields.'])
  })

  it('rejects a field that cannot be sorted', () => {
    expect(errorsOf('project = OPS ORDER BY labels')).toEqual(["Field 'labels' does not support sorting."])
  })

  it('rejects a field sorted twice', () => {
    expect(errorsOf('project = OPS ORDER BY created, createdDate DESC')).toEqual([
      "The sort field 'createdDate' is referenced multiple times in the JQL sort.",
    ])
  })

  it('rejects an unknown sort field', () => {
    expect(errorsOf('project = OPS ORDER BY rank')).toEqual([
      "The field 'rank' is not supported by the Quarry Jira simulator.",
    ])
  })
})

describe('bounded', () => {
  it('is false for an empty query', () => {
    expect(compileJql('', ctx).bounded).toBe(false)
    expect(compileJql('  \n ', ctx).bounded).toBe(false)
  })

  it('is false for a query with only ORDER BY', () => {
    expect(compileJql('ORDER BY created DESC', ctx).bounded).toBe(false)
  })

  it('is true with any condition', () => {
    expect(compileJql('project = DEMO ORDER BY key', ctx).bounded).toBe(true)
  })

  it('still matches and orders every issue when unbounded', () => {
    expect(search('order by key').slice(0, 3)).toEqual(['DEMO-1', 'DEMO-2', 'DEMO-3'])
    expect(search('')).toHaveLength(20)
  })

  it("exports Jira's unbounded-query message", () => {
    expect(UNBOUNDED_JQL_MESSAGE).toBe(
      'Unbounded JQL queries are not allowed here. Please add a search restriction to your query.',
    )
  })
})

describe('syntax errors', () => {
  it('expects AND or OR after a clause, with the position', () => {
    expect(errorsOf('project = DEMO foo')).toEqual([
      "Error in the JQL Query: Expecting either 'OR' or 'AND' but got 'foo'. (line 1, character 16)",
    ])
  })

  it('counts lines and characters from 1', () => {
    expect(errorsOf('project = DEMO\nAND status = Done\n  foo')).toEqual([
      "Error in the JQL Query: Expecting either 'OR' or 'AND' but got 'foo'. (line 3, character 3)",
    ])
  })

  it('reports an unfinished string where it starts', () => {
    expect(errorsOf('summary ~ "abc')).toEqual([
      "Error in the JQL Query: The quoted string 'abc' has not been completed. (line 1, character 11)",
    ])
  })

  it('reports a missing operator', () => {
    expect(errorsOf('project DEMO')).toEqual([
      "Error in the JQL Query: Expecting operator but got 'DEMO'. The valid operators are '=', '!=', '<', '>', " +
        "'<=', '>=', '~', '!~', 'IN', 'NOT IN', 'IS' and 'IS NOT'. (line 1, character 9)",
    ])
  })

  it('reports a missing value at the end of the query', () => {
    expect(errorsOf('project =')).toEqual([
      'Error in the JQL Query: Expecting either a value, list or function before the end of the query.',
    ])
  })

  it('reports a missing field at the end of the query', () => {
    expect(errorsOf('project = DEMO AND')).toEqual([
      'Error in the JQL Query: Expecting a field name at the end of the query.',
    ])
  })

  it('reports an unclosed parenthesis', () => {
    expect(errorsOf('(project = DEMO')).toEqual([
      "Error in the JQL Query: Expecting ')' before the end of the query.",
    ])
  })

  it('reports a keyword used as a value', () => {
    expect(errorsOf('status = In Progress')).toEqual([
      "Error in the JQL Query: Expecting either a value, list or function but got 'In'. You must surround 'In' in " +
        'quotation marks to use it as a value. (line 1, character 10)',
    ])
  })

  it('reports a reserved word', () => {
    expect(errorsOf('summary ~ select')).toEqual([
      "Error in the JQL Query: 'select' is a reserved JQL word. You must surround it in quotation marks to use it " +
        'in a query. (line 1, character 11)',
    ])
  })

  it('reports a reserved character', () => {
    expect(errorsOf('summary ~ foo*')).toEqual([
      "Error in the JQL Query: The character '*' is a reserved JQL character. You must enclose it in a string or " +
        "use the escape '\\u002a' instead. (line 1, character 14)",
    ])
  })

  it('reports an illegal escape', () => {
    expect(errorsOf('summary ~ "a\\qb"')).toEqual([
      "Error in the JQL Query: '\\q' is an illegal JQL escape sequence. The valid escape sequences are \\', \\\", " +
        "\\t, \\n, \\r, \\\\, '\\ ' and \\uXXXX. (line 1, character 13)",
    ])
  })

  it('refuses nesting deep enough to exhaust the stack', () => {
    expect(errorsOf(`${'('.repeat(5000)}project = DEMO${')'.repeat(5000)}`)).toEqual([
      'Error in the JQL Query: Unable to parse the query. (line 1, character 101)',
    ])
  })

  it('reports ORDER without BY', () => {
    expect(errorsOf('project = DEMO ORDER created')).toEqual([
      "Error in the JQL Query: Expecting 'by' but got 'created'. (line 1, character 22)",
    ])
  })

  it('reports a bad sort direction', () => {
    expect(errorsOf('project = DEMO ORDER BY created up')).toEqual([
      "Error in the JQL Query: Expecting either 'ASC' or 'DESC' but got 'up'. (line 1, character 33)",
    ])
  })
})

describe('validation errors', () => {
  it('rejects an unknown field', () => {
    expect(errorsOf('foo = bar')).toEqual([
      "Field 'foo' does not exist or you do not have permission to view it.",
    ])
  })

  it('rejects a custom field', () => {
    expect(errorsOf('cf[10010] = 3')).toEqual([
      "Field 'cf[10010]' does not exist or you do not have permission to view it.",
    ])
  })

  it('rejects a Jira field the simulator does not model', () => {
    expect(errorsOf('resolution = Unresolved')).toEqual([
      "The field 'resolution' is not supported by the Quarry Jira simulator.",
    ])
    expect(errorsOf('sprint in openSprints()')).toEqual([
      "The field 'sprint' is not supported by the Quarry Jira simulator.",
    ])
  })

  it('rejects an unknown function', () => {
    expect(errorsOf('assignee in openSprints()')).toEqual(["Unable to find JQL function 'openSprints()'."])
  })

  it('rejects history operators', () => {
    expect(errorsOf('status was Done')).toEqual([
      "The history operator 'WAS' is not supported by the Quarry Jira simulator.",
    ])
    expect(errorsOf('status changed after -1w')).toEqual([
      "The history operator 'CHANGED' is not supported by the Quarry Jira simulator.",
    ])
  })

  it('rejects an operator the field does not support', () => {
    expect(errorsOf('project ~ DEMO')).toEqual(["The operator '~' is not supported by the 'project' field."])
  })

  it('rejects IN with a single value', () => {
    expect(errorsOf('summary in test')).toEqual([
      `Operator 'in' does not support the non-list value '"test"' for field 'summary'.`,
    ])
  })

  it('rejects = with a list', () => {
    expect(errorsOf('project = (DEMO, OPS)')).toEqual([
      `Operator '=' does not support the list value '("DEMO", "OPS")' for field 'project'.`,
    ])
  })

  it('rejects IS with a value', () => {
    expect(errorsOf('assignee is bob')).toEqual([
      "Operator 'is' does not support searching for non-empty values for field 'assignee'.",
    ])
  })

  it('lists every problem in the query', () => {
    let error: unknown
    try {
      compileJql('project = NOPE AND status = Nope', ctx)
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(JqlError)
    expect((error as JqlError).name).toBe('JqlError')
    expect((error as JqlError).errorMessages).toEqual([
      "The value 'NOPE' does not exist for the field 'project'.",
      "The value 'Nope' does not exist for the field 'status'.",
    ])
    expect((error as JqlError).message).toBe(
      "The value 'NOPE' does not exist for the field 'project'. The value 'Nope' does not exist for the field 'status'.",
    )
  })
})

describe('performance', () => {
  it('filters and orders 100,000 rows quickly', () => {
    const table = syntheticTable(100_000)
    const big = context({ table })
    const compiled = compileJql('project = DEMO AND status != Done ORDER BY created DESC', big)
    const started = performance.now()
    const rows = searchRows(compiled, table)
    const elapsed = performance.now() - started
    expect(rows.length).toBeGreaterThan(20_000)
    expect(table.created[rows[0] as number]).toBeGreaterThan(table.created[rows[1] as number] as number)
    // The target is well under 50 ms; the bound only catches an accidental n² or per-row string work.
    expect(elapsed).toBeLessThan(500)
  })
})

it('searches the fixture table it was given', () => {
  expect(TABLE.count).toBe(20)
})
