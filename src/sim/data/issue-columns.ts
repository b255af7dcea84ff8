/**
 * Fills one site's typed-array columns: the only eager work of world generation.
 * One seeded stream per site, walked row by row in creation order, so the whole
 * table costs a few passes over typed arrays and no per-issue objects.
 */
import { Random, hash32, hashString } from '../random.js'
import type { IssueColumns } from './issue-table.js'
import { LABELS } from './model.js'

export interface SiteIssuePlan {
  readonly seed: number
  readonly siteIndex: number
  readonly count: number
  /** The site's projects: index into `SimWorld.projects`, key, and relative share of the site's issues. */
  readonly projects: readonly { readonly index: number; readonly key: string; readonly weight: number }[]
  /** Indexes into `SimWorld.users` of the people who can reach the site (at least one). */
  readonly siteUsers: readonly number[]
  /** Epoch ms; every date is before it. */
  readonly anchor: number
}

export interface SiteIssues {
  readonly columns: IssueColumns
  /** Project index → its rows in number order. */
  readonly rowsByProject: Map<number, Uint32Array>
}

const DAY = 86_400_000
/** Issues are created within this many ms before the anchor. */
export const HISTORY_MS = 400 * DAY
/** The newest issue is at least a minute old, so "created before anchor" holds with room to spare. */
const MIN_AGE_MS = 60_000
/** > 1 skews creation towards the anchor: half of all issues are younger than about 130 days. */
const RECENCY_SKEW = 1.6
const FIRST_ISSUE_ID = 10000
/**
 * Real sites number their issues independently (all from 10000); here each site
 * starts a million further on, so code that looks an id up on the wrong site
 * finds nothing instead of a plausible wrong issue.
 */
const SITE_ID_STRIDE = 1_000_000

const STREAM_COLUMNS = hashString('columns')

// Indexes into STATUSES, PRIORITIES and ISSUE_TYPES (see model.ts).
const TO_DO = 0
const IN_PROGRESS = 1
const DONE = 3
const BUG = 1
const ISSUE_TYPE_WEIGHTS = [40, 30, 25, 5]
const BUG_PRIORITY_WEIGHTS = [6, 18, 50, 20, 6]
const PRIORITY_WEIGHTS = [2, 10, 64, 19, 5]
/** Open issues by status (To Do, In Progress, In Review, Done, Blocked): fresh ones move, old ones linger. */
const FRESH_OPEN_WEIGHTS = [40, 32, 18, 0, 10]
const STALE_OPEN_WEIGHTS = [65, 15, 5, 0, 15]
const LABEL_COUNT_WEIGHTS = [35, 35, 20, 10]

/** Labels each project leans towards; the rest are drawn from the whole catalogue. */
const LABEL_AFFINITY: Readonly<Record<string, readonly string[]>> = {
  DEMO: ['frontend', 'backend', 'billing', 'search', 'customer'],
  WEB: ['frontend', 'ux', 'docs', 'performance', 'onboarding'],
  OPS: ['infra', 'database', 'security', 'performance', 'tech-debt'],
  GLX: ['api', 'backend', 'billing', 'security', 'database'],
  MOB: ['mobile', 'ux', 'performance', 'regression', 'onboarding'],
  TPS: ['docs', 'customer', 'ux', 'tech-debt'],
}

/**
 * Generates the columns of one site's issues.
 *
 * @example fillSiteColumns({ seed: 1, siteIndex: 0, count: 10, projects, siteUsers: [0, 1], anchor }).columns.count // 10
 */
export function fillSiteColumns(plan: SiteIssuePlan): SiteIssues {
  const n = plan.count
  const rng = new Random(hash32(plan.seed, STREAM_COLUMNS, plan.siteIndex))
  const columns: IssueColumns = {
    count: n,
    project: new Uint16Array(n),
    number: new Uint32Array(n),
    id: new Uint32Array(n),
    status: new Uint8Array(n),
    priority: new Uint8Array(n),
    issueType: new Uint8Array(n),
    assignee: new Int16Array(n),
    reporter: new Int16Array(n),
    created: new Float64Array(n),
    updated: new Float64Array(n),
    labels: new Uint32Array(n),
  }
  const affinity = plan.projects.map((p) => labelBits(LABEL_AFFINITY[p.key] ?? []))
  const projectWeights = plan.projects.map((p) => p.weight)
  const assigneeWeights = plan.siteUsers.map((_, k) => plan.siteUsers.length - k + 1)
  // With enough issues, the oldest ones go one to each project, so no project is empty.
  const seeded = n >= plan.projects.length ? plan.projects.length : 0
  let created = -Infinity
  let id = FIRST_ISSUE_ID + plan.siteIndex * SITE_ID_STRIDE - 1
  for (let row = 0; row < n; row++) {
    const local = row < seeded ? row : rng.weighted(projectWeights)
    columns.project[row] = plan.projects[local]?.index ?? 0

    // Quantile `row` of a skewed age distribution, jittered inside its bucket: ascending by construction.
    const u = (row + rng.next()) / n
    const age = Math.max(MIN_AGE_MS, HISTORY_MS * Math.pow(1 - u, RECENCY_SKEW))
    created = Math.max(Math.floor(plan.anchor - age), created + 1)
    columns.created[row] = created

    id += 1 + (rng.next() < 0.1 ? rng.int(1, 5) : 0)
    columns.id[row] = id

    const type = rng.weighted(ISSUE_TYPE_WEIGHTS)
    columns.issueType[row] = type
    columns.priority[row] = rng.weighted(type === BUG ? BUG_PRIORITY_WEIGHTS : PRIORITY_WEIGHTS)

    const ageDays = (plan.anchor - created) / DAY
    const doneChance = Math.min(0.92, 0.05 + (ageDays / 60) * 0.85)
    const status =
      rng.next() < doneChance ? DONE : rng.weighted(ageDays < 21 ? FRESH_OPEN_WEIGHTS : STALE_OPEN_WEIGHTS)
    columns.status[row] = status

    const unassigned = status === TO_DO ? 0.4 : status === DONE ? 0.11 : 0.12
    columns.assignee[row] =
      rng.next() < unassigned ? -1 : (plan.siteUsers[rng.weighted(assigneeWeights)] ?? plan.siteUsers[0] ?? 0)
    columns.reporter[row] = plan.siteUsers[rng.int(0, plan.siteUsers.length - 1)] ?? 0

    columns.updated[row] = created + updateDelay(rng, status, plan.anchor - 1 - created)
    columns.labels[row] = drawLabels(rng, affinity[local] ?? [], type === BUG)
  }
  return {
    columns,
    rowsByProject: numberIssues(
      columns,
      plan.projects.map((p) => p.index),
    ),
  }
}

/** How long after creation an issue was last touched, within `span` ms. */
function updateDelay(rng: Random, status: number, span: number): number {
  if (span <= 0) return 0
  const r = rng.next()
  // Done issues went quiet when they were closed, on average a couple of weeks in;
  // work in progress was touched recently; the backlog has mostly gone stale.
  if (status === DONE) return Math.min(span, Math.floor(-Math.log(1 - r) * 12 * DAY))
  const exponent = status === TO_DO ? 1.5 : status === IN_PROGRESS ? 0.3 : 0.5
  return Math.floor(span * Math.pow(r, exponent))
}

function drawLabels(rng: Random, affinity: readonly number[], isBug: boolean): number {
  let bits = 0
  const wanted = rng.weighted(LABEL_COUNT_WEIGHTS)
  for (let tries = 0; popCount(bits) < wanted && tries < 12; tries++) {
    const index =
      affinity.length > 0 && rng.next() < 0.65 ? rng.pick(affinity) : rng.int(0, LABELS.length - 1)
    bits |= 1 << index
  }
  if (isBug && rng.next() < 0.15) bits |= 1 << REGRESSION
  return bits >>> 0
}

const REGRESSION = LABELS.indexOf('regression')

function labelBits(names: readonly string[]): number[] {
  return names.map((name) => LABELS.indexOf(name)).filter((i) => i >= 0)
}

function popCount(bits: number): number {
  let count = 0
  for (let b = bits; b !== 0; b &= b - 1) count++
  return count
}

/** Numbers issues 1..n per project in row order, and indexes each project's rows by number. */
function numberIssues(columns: IssueColumns, projectIndexes: readonly number[]): Map<number, Uint32Array> {
  const counts = new Map<number, number>(projectIndexes.map((p) => [p, 0]))
  for (let row = 0; row < columns.count; row++) {
    const p = columns.project[row] as number
    const next = (counts.get(p) ?? 0) + 1
    counts.set(p, next)
    columns.number[row] = next
  }
  const rows = new Map<number, Uint32Array>()
  for (const [p, count] of counts) rows.set(p, new Uint32Array(count))
  for (let row = 0; row < columns.count; row++) {
    const list = rows.get(columns.project[row] as number)
    if (list) list[(columns.number[row] as number) - 1] = row
  }
  return rows
}
