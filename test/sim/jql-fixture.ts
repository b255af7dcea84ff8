/**
 * A small hand-built world for the JQL engine's tests: two sites, five users,
 * three projects on site 0 (DEMO, OPS, WEB) and one on site 1 (GLX), and twenty
 * issues on site 0 whose every column is written out below. Deterministic; the
 * clock is fixed at NOW (Wednesday 2026-03-18 12:00 UTC).
 */
import { ISSUE_TYPES, LABELS, PRIORITIES, STATUSES } from '../../src/sim/data/model.js'
import type {
  AdfDoc,
  IssueTable,
  SimComment,
  SimProject,
  SimUser,
  SimWorld,
} from '../../src/sim/data/model.js'
import type { JqlContext } from '../../src/sim/jql/index.js'

export const NOW = Date.UTC(2026, 2, 18, 12, 0)

const USERS: readonly SimUser[] = [
  user('alice', 'Alice Anderson', [0, 1]),
  user('bob', 'Bob Brown', [0]),
  user('carol', 'Carol Chen', [0]),
  user('dave', 'Dave Diaz', [1]),
  user('erin', 'Erin Evans', [0]),
]

const PROJECTS: readonly SimProject[] = [
  project('10000', 'DEMO', 'Demo Project', 0),
  project('10001', 'OPS', 'Operations', 0),
  project('10002', 'WEB', 'Web Site', 0),
  project('10003', 'GLX', 'Globex Core', 1),
]

interface Row {
  readonly project: string
  readonly type: string
  readonly status: string
  readonly priority: string
  readonly assignee: string | null
  readonly reporter: string
  /** `yyyy-MM-dd HH:mm`, UTC. */
  readonly created: string
  readonly updated: string
  readonly labels: readonly string[]
  readonly summary: string
  readonly description: string | null
  readonly comments: readonly string[]
}

/** Site 0's issues in creation order; keys are numbered per project (DEMO-1, DEMO-2, OPS-1 …). */
export const ROWS: readonly Row[] = [
  row(
    'DEMO',
    'Task',
    'To Do',
    'Medium',
    'alice',
    'bob',
    '2026-01-05 09:00',
    '2026-01-06 10:00',
    ['backend'],
    'Set up CI pipeline',
    'Configure the build server and deploy scripts',
    ['Pipeline is green now'],
  ),
  row(
    'DEMO',
    'Bug',
    'In Progress',
    'High',
    'bob',
    'alice',
    '2026-01-10 14:30',
    '2026-03-17 08:00',
    ['frontend', 'ux'],
    'Login button misaligned on mobile',
    'The login button overlaps the footer on small screens',
    [],
  ),
  row(
    'OPS',
    'Task',
    'Done',
    'Low',
    'carol',
    'carol',
    '2026-01-15 00:00',
    '2026-01-20 12:00',
    [],
    'Rotate database credentials',
    null,
    ['Done, rotated all secrets'],
  ),
  row(
    'DEMO',
    'Story',
    'In Review',
    'Highest',
    null,
    'alice',
    '2026-01-15 10:30',
    '2026-02-01 09:00',
    ['api', 'backend'],
    'Public API for exports',
    'Expose an export endpoint with pagination',
    [],
  ),
  row(
    'WEB',
    'Bug',
    'Blocked',
    'Medium',
    'erin',
    'bob',
    '2026-02-01 08:00',
    '2026-02-02 08:00',
    ['security'],
    'XSS in search results page',
    'Escaping is missing in the results template',
    ['Reported by customer Initech'],
  ),
  row(
    'WEB',
    'Task',
    'To Do',
    'Lowest',
    null,
    'erin',
    '2026-02-01 08:00',
    '2026-03-01 00:00',
    ['docs'],
    'Write onboarding guide',
    null,
    [],
  ),
  row(
    'OPS',
    'Epic',
    'In Progress',
    'High',
    'alice',
    'alice',
    '2026-02-14 16:45',
    '2026-03-18 11:00',
    ['infra', 'performance'],
    'Migrate monitoring stack',
    'Move from the old metrics server to the new cluster',
    ['Grafana dashboards migrated', 'Alerting still pending'],
  ),
  row(
    'DEMO',
    'Bug',
    'Done',
    'Highest',
    'bob',
    'carol',
    '2026-02-20 11:00',
    '2026-02-21 11:00',
    ['regression', 'backend'],
    'Export fails for large projects',
    'Timeout when exporting more than ten thousand issues',
    ['Fixed by streaming the export'],
  ),
  row(
    'DEMO',
    'Task',
    'To Do',
    'Medium',
    'carol',
    'bob',
    '2026-03-01 09:15',
    '2026-03-01 09:15',
    [],
    'Update dependency versions',
    null,
    [],
  ),
  row(
    'WEB',
    'Story',
    'In Progress',
    'Medium',
    'erin',
    'alice',
    '2026-03-08 13:00',
    '2026-03-16 10:00',
    ['frontend'],
    'Dark mode for the dashboard',
    'Users asked for a dark theme',
    [],
  ),
  row(
    'OPS',
    'Bug',
    'To Do',
    'High',
    null,
    'carol',
    '2026-03-10 07:30',
    '2026-03-12 07:30',
    ['infra'],
    'Disk usage alert flapping',
    'The alert fires and resolves every few minutes',
    ['Threshold too tight?'],
  ),
  row(
    'DEMO',
    'Task',
    'Blocked',
    'Low',
    'alice',
    'erin',
    '2026-03-13 18:00',
    '2026-03-14 09:00',
    ['tech-debt'],
    'Remove legacy login flow',
    'Delete the old session based login code',
    [],
  ),
  row(
    'WEB',
    'Bug',
    'In Review',
    'Medium',
    'bob',
    'bob',
    '2026-03-15 00:00',
    '2026-03-15 12:00',
    ['mobile', 'ux'],
    'Checkout page crashes on Safari',
    null,
    ['Cannot reproduce on Chrome'],
  ),
  row(
    'DEMO',
    'Story',
    'To Do',
    'Lowest',
    'carol',
    'alice',
    '2026-03-16 09:00',
    '2026-03-17 09:00',
    ['customer', 'billing'],
    'Invoice PDF export',
    'Customers want invoices as PDF files',
    [],
  ),
  row(
    'OPS',
    'Task',
    'Done',
    'Medium',
    'erin',
    'erin',
    '2026-03-17 11:00',
    '2026-03-17 15:00',
    [],
    'Renew TLS certificates',
    null,
    [],
  ),
  row(
    'DEMO',
    'Bug',
    'In Progress',
    'High',
    'alice',
    'bob',
    '2026-03-17 23:59',
    '2026-03-18 08:00',
    ['search', 'backend'],
    'Search returns stale results',
    'The index is not refreshed after an update',
    ['Reindex job is stuck'],
  ),
  row(
    'WEB',
    'Task',
    'To Do',
    'Medium',
    null,
    'carol',
    '2026-03-18 00:00',
    '2026-03-18 06:00',
    [],
    'Update footer links',
    null,
    [],
  ),
  row(
    'DEMO',
    'Epic',
    'To Do',
    'Low',
    'bob',
    'alice',
    '2026-03-18 09:30',
    '2026-03-18 09:30',
    ['onboarding'],
    'Self-serve onboarding',
    'A guided setup for new workspaces',
    [],
  ),
  row(
    'OPS',
    'Bug',
    'Blocked',
    'Highest',
    'carol',
    'bob',
    '2026-03-18 10:00',
    '2026-03-18 10:30',
    ['security', 'infra'],
    'Firewall rule blocks deploys',
    'Deploys from the new runners time out',
    ['Opened a ticket with the network team'],
  ),
  row(
    'DEMO',
    'Task',
    'In Review',
    'Medium',
    'erin',
    'erin',
    '2026-03-18 11:45',
    '2026-03-18 11:50',
    ['api'],
    'Rate limit headers missing',
    null,
    [],
  ),
]

/** Site 1's issues (project GLX). */
const GLOBEX_ROWS: readonly Row[] = [
  row(
    'GLX',
    'Task',
    'To Do',
    'Medium',
    'dave',
    'dave',
    '2026-03-01 10:00',
    '2026-03-01 10:00',
    [],
    'Globex kickoff',
    null,
    [],
  ),
  row(
    'GLX',
    'Bug',
    'Done',
    'High',
    'alice',
    'dave',
    '2026-03-02 10:00',
    '2026-03-03 10:00',
    ['backend'],
    'Globex login broken',
    null,
    [],
  ),
]

export const WORLD: SimWorld = {
  seed: 1,
  anchor: Date.UTC(2026, 2, 18),
  sites: [
    {
      cloudId: '00000000-0000-4000-8000-000000000001',
      name: 'acme',
      url: 'https://acme.atlassian.net',
      avatarUrl: '',
    },
    {
      cloudId: '00000000-0000-4000-8000-000000000002',
      name: 'globex',
      url: 'https://globex.atlassian.net',
      avatarUrl: '',
    },
  ],
  users: USERS,
  projects: PROJECTS,
  issues: [buildTable(0, ROWS), buildTable(1, GLOBEX_ROWS)],
}

export const TABLE: IssueTable = WORLD.issues[0] as IssueTable

/** The context the tests search with: site 0, as alice, at NOW. */
export function context(overrides: Partial<JqlContext> = {}): JqlContext {
  return { world: WORLD, table: TABLE, currentUser: 0, now: NOW, ...overrides }
}

/**
 * A larger table for timing: `count` rows on site 0 with values derived from the row
 * number (creation order kept: ids and created ascend).
 */
export function syntheticTable(count: number): IssueTable {
  const table = {
    project: new Uint16Array(count),
    number: new Uint32Array(count),
    id: new Uint32Array(count),
    status: new Uint8Array(count),
    priority: new Uint8Array(count),
    issueType: new Uint8Array(count),
    assignee: new Int16Array(count),
    reporter: new Int16Array(count),
    created: new Float64Array(count),
    updated: new Float64Array(count),
    labels: new Uint32Array(count),
  }
  const numbers = [0, 0, 0]
  for (let i = 0; i < count; i++) {
    const p = (i * 7) % 3
    numbers[p] = (numbers[p] ?? 0) + 1
    table.project[i] = p
    table.number[i] = numbers[p] ?? 0
    table.id[i] = 10001 + i
    table.status[i] = (i * 13) % STATUSES.length
    table.priority[i] = (i * 17) % PRIORITIES.length
    table.issueType[i] = (i * 19) % ISSUE_TYPES.length
    table.assignee[i] = (i % 6) - 1
    table.reporter[i] = i % 5
    table.created[i] = NOW - (count - i) * 60_000
    table.updated[i] = (table.created[i] ?? 0) + (i % 97) * 1000
    table.labels[i] = (i * 2654435761) >>> 16
  }
  const keyOf = (i: number): string => `${PROJECTS[table.project[i] ?? 0]?.key}-${table.number[i]}`
  return {
    siteIndex: 0,
    count,
    ...table,
    rowOfKey: () => undefined,
    rowOfId: (id) => (id > 10000 && id <= 10000 + count ? id - 10001 : undefined),
    key: keyOf,
    summary: (i) => `Synthetic issue ${i}`,
    description: () => null,
    comments: () => [],
    searchText: (i) => `synthetic issue ${i}`,
  }
}

function user(login: string, displayName: string, siteIndexes: number[]): SimUser {
  return {
    accountId: `712020:${login}-0000-4000-8000-${login.padEnd(12, '0')}`,
    login,
    displayName,
    email: `${login}@example.com`,
    timeZone: 'UTC',
    locale: 'en_US',
    siteIndexes,
  }
}

function project(id: string, key: string, name: string, siteIndex: number): SimProject {
  return {
    id,
    key,
    name,
    description: `${name} project`,
    siteIndex,
    leadIndex: 0,
    projectTypeKey: 'software',
  }
}

function row(
  project: string,
  type: string,
  status: string,
  priority: string,
  assignee: string | null,
  reporter: string,
  created: string,
  updated: string,
  labels: readonly string[],
  summary: string,
  description: string | null,
  comments: readonly string[],
): Row {
  return {
    project,
    type,
    status,
    priority,
    assignee,
    reporter,
    created,
    updated,
    labels,
    summary,
    description,
    comments,
  }
}

function at(text: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2})$/.exec(text)
  if (m === null) throw new Error(`fixture date ${text}`)
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]))
}

function doc(text: string): AdfDoc {
  return { version: 1, type: 'doc', content: [{ type: 'paragraph', content: [{ type: 'text', text }] }] }
}

function indexOf<T>(list: readonly T[], match: (item: T) => boolean, what: string): number {
  const i = list.findIndex(match)
  if (i < 0) throw new Error(`fixture: unknown ${what}`)
  return i
}

function userIndex(login: string): number {
  return indexOf(USERS, (u) => u.login === login, `user ${login}`)
}

function buildTable(siteIndex: number, rows: readonly Row[]): IssueTable {
  const count = rows.length
  const table = {
    project: new Uint16Array(count),
    number: new Uint32Array(count),
    id: new Uint32Array(count),
    status: new Uint8Array(count),
    priority: new Uint8Array(count),
    issueType: new Uint8Array(count),
    assignee: new Int16Array(count),
    reporter: new Int16Array(count),
    created: new Float64Array(count),
    updated: new Float64Array(count),
    labels: new Uint32Array(count),
  }
  const keys: string[] = []
  const next = new Map<string, number>()
  rows.forEach((r, i) => {
    const number = (next.get(r.project) ?? 0) + 1
    next.set(r.project, number)
    keys.push(`${r.project}-${number}`)
    table.project[i] = indexOf(PROJECTS, (p) => p.key === r.project, `project ${r.project}`)
    table.number[i] = number
    table.id[i] = 10001 + i
    table.status[i] = indexOf(STATUSES, (s) => s.name === r.status, `status ${r.status}`)
    table.priority[i] = indexOf(PRIORITIES, (p) => p.name === r.priority, `priority ${r.priority}`)
    table.issueType[i] = indexOf(ISSUE_TYPES, (t) => t.name === r.type, `type ${r.type}`)
    table.assignee[i] = r.assignee === null ? -1 : userIndex(r.assignee)
    table.reporter[i] = userIndex(r.reporter)
    table.created[i] = at(r.created)
    table.updated[i] = at(r.updated)
    table.labels[i] = r.labels.reduce(
      (mask, l) => mask | (1 << indexOf(LABELS, (x) => x === l, `label ${l}`)),
      0,
    )
  })
  const rowByKey = new Map(keys.map((k, i) => [k, i]))
  const rowById = new Map([...table.id].map((id, i) => [id, i]))
  const comments = (i: number): readonly SimComment[] =>
    (rows[i]?.comments ?? []).map((text, c) => ({
      id: String(20000 + i * 10 + c),
      authorIndex: 0,
      created: at(rows[i]?.updated ?? ''),
      updated: at(rows[i]?.updated ?? ''),
      body: doc(text),
    }))
  return {
    siteIndex,
    count,
    ...table,
    rowOfKey: (key) => rowByKey.get(key),
    rowOfId: (id) => rowById.get(id),
    key: (i) => keys[i] ?? '',
    summary: (i) => rows[i]?.summary ?? '',
    description: (i) => {
      const text = rows[i]?.description
      return text == null ? null : doc(text)
    },
    comments,
    searchText: (i) =>
      [rows[i]?.summary ?? '', rows[i]?.description ?? '', ...(rows[i]?.comments ?? [])]
        .join('\n')
        .toLowerCase(),
  }
}
