/**
 * Issue text on demand: summary, description and comments are recomputed from
 * hash32(seed, stream, site, row) and the issue's columns each time they are
 * asked for, so a world of 100,000 issues holds no strings at all.
 */
import { Random, hash32, hashString } from '../random.js'
import { bulletList, codeBlock, doc, heading, mention, orderedList, paragraph, text } from './adf-build.js'
import type { AdfDoc, AdfNode, IssueTable, SimComment, SimProject, SimSite, SimUser } from './model.js'
import { adfToPlainText } from './rich-text.js'
import {
  BUG_CODE,
  BUG_DETAILS,
  BUG_INTROS,
  BUG_STEPS,
  COMMENTS,
  CRITERIA,
  EPIC_GOALS,
  EPIC_INTROS,
  OPS_SUMMARIES,
  SUMMARIES,
  WORK_CODE,
  WORK_DETAILS,
  WORK_INTROS,
} from './text-templates.js'
import { type SlotResolver, fillLine, fillText } from './template.js'
import { AREAS, REPOS, SLOTS } from './text-vocab.js'

/** What the text of one site's issues depends on besides the issue's own columns. */
export interface TextContext {
  readonly seed: number
  readonly siteIndex: number
  readonly site: SimSite
  readonly users: readonly SimUser[]
  /** Indexes into `users` of the people who can reach the site. */
  readonly siteUsers: readonly number[]
  readonly projects: readonly SimProject[]
}

/** The columns an issue's text reads (a subset of IssueTable). */
export type TextColumns = Pick<
  IssueTable,
  'project' | 'number' | 'issueType' | 'status' | 'created' | 'updated'
>

/**
 * Issues with fixed, hostile or escaping-sensitive text, so tests of every
 * output format (HTML, CSV, wiki) have data to chew on. Each exists once the
 * project has that many issues: DEMO-7 does whenever DEMO has at least 7 issues
 * (about 30 issues in the whole world). DEMO-7 also has a hostile description
 * (script tags, a `javascript:` link, a `</pre>` inside a code block) and one
 * hostile comment.
 */
export const FIXED_SUMMARIES: Readonly<Record<string, string>> = {
  'DEMO-3': 'Escape <b>tags</b> & "quotes" in the CSV export',
  'DEMO-7': '<img src=x onerror=alert(1)>',
  'GLX-2': "Terms & Conditions link doesn't open in Safari's reader view",
}

/** The issue whose summary, description and comment are all hostile. */
export const HOSTILE_ISSUE_KEY = 'DEMO-7'

const BUG = 1
const EPIC = 3
const DONE = 3
const DAY = 86_400_000

const STREAM_SUMMARY = hashString('text:summary')
const STREAM_DESCRIPTION = hashString('text:description')
const STREAM_COMMENTS = hashString('text:comments')
const STREAM_SLOTS = hashString('text:slots')

/**
 * The summary of one issue.
 *
 * @example issueSummary(ctx, table, 0) // 'Checkout page times out when the cart holds more than 50 items'
 */
export function issueSummary(ctx: TextContext, cols: TextColumns, row: number): string {
  const fixed = fixedKey(ctx, cols, row)
  if (fixed !== undefined) return FIXED_SUMMARIES[fixed] as string
  const rng = new Random(hash32(ctx.seed, STREAM_SUMMARY, ctx.siteIndex, row))
  const byType = ctx.projects[cols.project[row] ?? 0]?.key === 'OPS' ? OPS_SUMMARIES : SUMMARIES
  const templates = byType[cols.issueType[row] ?? 0] ?? (SUMMARIES[0] as readonly string[])
  return capitalise(fillText(rng.pick(templates), slotsOf(ctx, cols, row, rng)))
}

/**
 * The description of one issue, or null for the ~15% without one.
 *
 * @example issueDescription(ctx, table, 0)?.content[0]?.type // 'paragraph'
 */
export function issueDescription(ctx: TextContext, cols: TextColumns, row: number): AdfDoc | null {
  if (fixedKey(ctx, cols, row) === HOSTILE_ISSUE_KEY) return hostileDescription()
  const rng = new Random(hash32(ctx.seed, STREAM_DESCRIPTION, ctx.siteIndex, row))
  if (rng.next() >= 0.85) return null
  const slots = slotsOf(ctx, cols, row, rng)
  const who = mention(pickUser(ctx, rng, -1))
  const line = (template: string): AdfNode[] => fillLine(template, slots, who)
  const para = (template: string): AdfNode => paragraph(line(template))
  const type = cols.issueType[row]
  const blocks: AdfNode[] = []
  if (type === BUG) {
    blocks.push(para(rng.pick(BUG_INTROS)))
    if (rng.chance(0.6)) {
      const steps = [
        'Log in as a user with the *{role}* role',
        'Open the {area}',
        ...pickSome(rng, BUG_STEPS, rng.int(1, 2)),
      ]
      blocks.push(heading(3, 'Steps to reproduce'), orderedList(steps.map(line)))
    }
    if (rng.chance(0.7)) {
      blocks.push(
        paragraph([
          ...line('*Expected:* {expected}.'),
          { type: 'hardBreak' },
          ...line('*Actual:* {actual}.'),
        ]),
      )
    }
    for (const detail of pickSome(rng, BUG_DETAILS, rng.int(0, 2))) blocks.push(para(detail))
    if (rng.chance(0.35)) blocks.push(code(rng.pick(BUG_CODE), slots))
  } else if (type === EPIC) {
    blocks.push(para(rng.pick(EPIC_INTROS)), heading(2, 'Goals'))
    blocks.push(bulletList(pickSome(rng, EPIC_GOALS, rng.int(2, 3)).map((g) => capitaliseFirst(line(g)))))
    if (rng.chance(0.5)) blocks.push(para(rng.pick(WORK_DETAILS)))
  } else {
    blocks.push(para(rng.pick(WORK_INTROS)))
    if (rng.chance(0.55)) {
      const criteria = pickSome(rng, CRITERIA, rng.int(2, 4)).map((c) => capitaliseFirst(line(c)))
      blocks.push(heading(3, 'Acceptance criteria'), bulletList(criteria))
    }
    for (const detail of pickSome(rng, WORK_DETAILS, rng.int(0, 2))) blocks.push(para(detail))
    if (rng.chance(0.2)) blocks.push(code(rng.pick(WORK_CODE), slots))
  }
  return doc(...blocks)
}

/**
 * The comments of one issue, oldest first, dated between its created and updated times.
 *
 * @example issueComments(ctx, table, 0).map((c) => c.id) // ['10000', '10001']
 */
export function issueComments(ctx: TextContext, cols: TextColumns, row: number): SimComment[] {
  const created = cols.created[row] ?? 0
  const updated = cols.updated[row] ?? created
  const rng = new Random(hash32(ctx.seed, STREAM_COMMENTS, ctx.siteIndex, row))
  if (fixedKey(ctx, cols, row) === HOSTILE_ISSUE_KEY) return [hostileComment(ctx, rng, row, created, updated)]
  // Finished and bug issues attract more discussion than fresh tasks.
  const busy = cols.status[row] === DONE || cols.issueType[row] === BUG
  const count = rng.weighted(busy ? [20, 30, 25, 15, 10] : [40, 30, 15, 10, 5])
  const times: number[] = []
  for (let k = 0; k < count; k++) times.push(created + Math.floor(rng.next() * (updated - created)))
  times.sort((a, b) => a - b)
  const slots = slotsOf(ctx, cols, row, rng)
  return times.map((at, k) => {
    const authorIndex = ctx.siteUsers[rng.int(0, ctx.siteUsers.length - 1)] ?? 0
    const who = mention(pickUser(ctx, rng, authorIndex))
    const content = [paragraph(fillLine(rng.pick(COMMENTS), slots, who))]
    if (rng.chance(0.25)) content.push(paragraph(fillLine(rng.pick(COMMENTS), slots, who)))
    // Some comments were edited later, never past the issue's last update.
    const edited = rng.chance(0.15) ? Math.floor(rng.next() * Math.min(2 * DAY, updated - at)) : 0
    return { id: commentId(row, k), authorIndex, created: at, updated: at + edited, body: doc(...content) }
  })
}

/**
 * Lower-cased summary, description and comment text, for `text ~` searches.
 *
 * @example issueSearchText(ctx, table, 0).includes('checkout') // true or false
 */
export function issueSearchText(ctx: TextContext, cols: TextColumns, row: number): string {
  let out = issueSummary(ctx, cols, row)
  const description = issueDescription(ctx, cols, row)
  if (description) out += '\n' + adfToPlainText(description)
  for (const comment of issueComments(ctx, cols, row)) out += '\n' + adfToPlainText(comment.body)
  return out.toLowerCase()
}

/** Comment ids: unique within a site because an issue has at most four comments. */
function commentId(row: number, k: number): string {
  return String(10000 + row * 4 + k)
}

function fixedKey(ctx: TextContext, cols: TextColumns, row: number): string | undefined {
  const n = cols.number[row] ?? 0
  if (n > 7) return undefined
  const key = `${ctx.projects[cols.project[row] ?? 0]?.key ?? ''}-${n}`
  return FIXED_SUMMARIES[key] === undefined ? undefined : key
}

/**
 * The slot values of one issue: `{area}`, `{key}`, `{pr}`… are fixed per issue
 * (the summary and the description talk about the same thing); list slots are
 * drawn from `rng` once per text, and `{x2}` avoids the value drawn for `{x}`.
 */
function slotsOf(ctx: TextContext, cols: TextColumns, row: number, rng: Random): SlotResolver {
  const projectKey = ctx.projects[cols.project[row] ?? 0]?.key ?? 'DEMO'
  const drawn = new Map<string, string>()
  const resolve: SlotResolver = (name) => {
    if (ROW_SLOT_SALT[name] !== undefined) return rowSlot(ctx, cols, row, projectKey, name)
    // Within one text a slot keeps its value: the class in a stack trace, the
    // trigger in the intro and in the steps to reproduce.
    const earlier = drawn.get(name)
    if (earlier !== undefined) return earlier
    let list = SLOTS[name]
    let avoid: string | undefined
    if (list === undefined && name.endsWith('2')) {
      list = SLOTS[name.slice(0, -1)]
      avoid = drawn.get(name.slice(0, -1))
    }
    if (list === undefined) return undefined
    let pick = rng.pick(list)
    for (let tries = 0; pick === avoid && tries < 8; tries++) pick = rng.pick(list)
    drawn.set(name, pick)
    // A few list values have slots of their own (`vpn.{org}.example.com`).
    return pick.includes('{') ? fillText(pick, resolve) : pick
  }
  return resolve
}

const ROW_SLOT_SALT: Readonly<Record<string, number>> = {
  key: 0,
  org: 0,
  repo: 0,
  area: 1,
  relatedKey: 2,
  pr: 3,
  version: 4,
  dash: 5,
  reqId: 6,
  line: 7,
  n: 8,
  days: 9,
  figma: 10,
  page: 11,
}

/** Per-issue slot values: the same wherever they appear in that issue's text. */
function rowSlot(
  ctx: TextContext,
  cols: TextColumns,
  row: number,
  projectKey: string,
  name: string,
): string | undefined {
  const number = cols.number[row] ?? 1
  switch (name) {
    case 'key':
      return `${projectKey}-${number}`
    case 'org':
      return ctx.site.name
    case 'repo':
      return REPOS[projectKey] ?? 'app'
  }
  const salt = ROW_SLOT_SALT[name]
  if (salt === undefined) return undefined
  const h = hash32(ctx.seed, STREAM_SLOTS, ctx.siteIndex, row, salt)
  switch (name) {
    case 'area': {
      const areas = AREAS[projectKey] ?? (AREAS.DEMO as readonly string[])
      return areas[h % areas.length]
    }
    case 'relatedKey':
      // An earlier issue of the same project; the very first one has none to point at.
      return number > 1 ? `${projectKey}-${1 + (h % (number - 1))}` : 'the incident last month'
    case 'pr':
      return String(100 + (h % 4900))
    case 'version': {
      const day = new Date(cols.created[row] ?? 0)
      return `${day.getUTCFullYear()}.${day.getUTCMonth() + 1}.${h % 6}`
    }
    case 'dash':
    case 'reqId':
      return h.toString(16).padStart(8, '0')
    case 'line':
      return String(40 + (h % 400))
    case 'n':
      return String(3 + (h % 40))
    case 'days':
      return String(1 + (h % 5))
    case 'figma':
      return (h.toString(36) + hash32(h, 1).toString(36) + hash32(h, 2).toString(36)).slice(0, 22)
    case 'page':
      return String(100000 + (h % 900000))
  }
  return undefined
}

/** A user of the site other than `not` (when the site has another). */
function pickUser(ctx: TextContext, rng: Random, not: number): SimUser {
  const candidates = ctx.siteUsers.filter((i) => i !== not)
  const index = candidates.length > 0 ? rng.pick(candidates) : (ctx.siteUsers[0] ?? 0)
  return ctx.users[index] as SimUser
}

/** `count` distinct entries of `list`, in list order. */
function pickSome<T>(rng: Random, list: readonly T[], count: number): T[] {
  const taken = new Set<number>()
  while (taken.size < Math.min(count, list.length)) taken.add(rng.int(0, list.length - 1))
  return [...taken].sort((a, b) => a - b).map((i) => list[i] as T)
}

function code(sample: readonly [string | null, string], slots: SlotResolver): AdfNode {
  return codeBlock(sample[0], fillText(sample[1], slots))
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1)
}

/** Capitalises the first text node of a line (list items start with a slot). */
function capitaliseFirst(nodes: AdfNode[]): AdfNode[] {
  const first = nodes[0]
  if (first?.type === 'text' && first.text !== undefined && first.marks === undefined)
    nodes[0] = text(capitalise(first.text))
  return nodes
}

function hostileDescription(): AdfDoc {
  return doc(
    paragraph([text('<script>alert("xss")</script> & \'single\' quotes, {{not wiki}} and *not bold*')]),
    paragraph([
      text('click me', [{ type: 'link', attrs: { href: 'javascript:alert(1)' } }]),
      text(' or the '),
      text('safe link', [{ type: 'link', attrs: { href: 'https://example.com/?a=1&b="2"' } }]),
    ]),
    codeBlock('html', '</pre><script>alert(2)</script>'),
  )
}

function hostileComment(ctx: TextContext, rng: Random, row: number, created: number, updated: number) {
  const at = created + Math.floor(rng.next() * (updated - created))
  const authorIndex = ctx.siteUsers[0] ?? 0
  const body = doc(paragraph([text('<b>not bold</b> & <i>not italic</i> "quoted" \'single\'')]))
  return { id: commentId(row, 0), authorIndex, created: at, updated: at, body }
}
