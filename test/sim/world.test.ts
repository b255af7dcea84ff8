import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { generateWorld, midnightUtc, splitIssues } from '../../src/sim/data/generate.js'
import type { AdfDoc, IssueTable, SimWorld } from '../../src/sim/data/model.js'
import { LABELS, STATUSES } from '../../src/sim/data/model.js'
import { adfToPlainText } from '../../src/sim/data/rich-text.js'
import { FIXED_SUMMARIES, HOSTILE_ISSUE_KEY } from '../../src/sim/data/text.js'

const ANCHOR = Date.UTC(2026, 0, 15)
const DAY = 86_400_000
const DONE = STATUSES.findIndex((s) => s.name === 'Done')

/** A digest of everything generated: columns, keys, and the text of every issue. */
function digest(world: SimWorld): string {
  const hash = createHash('sha256')
  hash.update(JSON.stringify([world.sites, world.users, world.projects]))
  for (const table of world.issues) {
    for (let row = 0; row < table.count; row++) {
      hash.update(
        [
          table.key(row),
          table.id[row],
          table.created[row],
          table.updated[row],
          table.status[row],
          table.priority[row],
          table.issueType[row],
          table.assignee[row],
          table.reporter[row],
          table.labels[row],
          table.summary(row),
          JSON.stringify(table.description(row)),
          JSON.stringify(table.comments(row)),
        ].join('|'),
      )
    }
  }
  return hash.digest('hex')
}

function rows(table: IssueTable): number[] {
  return Array.from({ length: table.count }, (_, i) => i)
}

function siteUsers(world: SimWorld, siteIndex: number): Set<number> {
  return new Set(world.users.flatMap((u, i) => (u.siteIndexes.includes(siteIndex) ? [i] : [])))
}

const world = generateWorld({ seed: 42, issues: 2000, anchor: ANCHOR })

describe('generateWorld: determinism', () => {
  it('gives the same world for the same seed, count and anchor', () => {
    const again = generateWorld({ seed: 42, issues: 2000, anchor: ANCHOR })
    expect(digest(again)).toBe(digest(world))
  })

  it('gives a different world for a different seed', () => {
    const other = generateWorld({ seed: 43, issues: 2000, anchor: ANCHOR })
    expect(digest(other)).not.toBe(digest(world))
    expect(other.sites[0]?.cloudId).not.toBe(world.sites[0]?.cloudId)
    expect(other.users[0]?.accountId).not.toBe(world.users[0]?.accountId)
  })

  it('generates the same text whatever order rows are asked in', () => {
    const fresh = generateWorld({ seed: 42, issues: 2000, anchor: ANCHOR }).issues[0] as IssueTable
    const table = world.issues[0] as IssueTable
    const backwards = rows(fresh)
      .reverse()
      .map((row) => fresh.summary(row))
      .reverse()
    expect(backwards).toEqual(rows(table).map((row) => table.summary(row)))
  })
})

describe('generateWorld: the cast', () => {
  it('has the three sites with their URLs and UUID-shaped cloud ids', () => {
    expect(world.sites.map((s) => s.url)).toEqual([
      'https://acme.atlassian.net',
      'https://globex.atlassian.net',
      'https://initech.atlassian.net',
    ])
    for (const site of world.sites) {
      expect(site.cloudId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
      expect(site.avatarUrl).toMatch(
        /^https:\/\/site-admin-avatar-cdn\.prod\.public\.atl-paas\.net\/avatars\/240\//,
      )
    }
    expect(new Set(world.sites.map((s) => s.cloudId)).size).toBe(3)
  })

  it('gives alice at least two sites, so the consent page shows a site picker', () => {
    const alice = world.users.find((u) => u.login === 'alice')
    expect(alice?.siteIndexes.length).toBeGreaterThanOrEqual(2)
  })

  it('gives every user an Atlassian-shaped account id, an email and en_US', () => {
    for (const user of world.users) {
      expect(user.accountId).toMatch(/^712020:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/)
      expect(user.email).toBe(`${user.login}@example.com`)
      expect(user.locale).toBe('en_US')
      expect(user.siteIndexes.length).toBeGreaterThan(0)
    }
    expect(new Set(world.users.map((u) => u.accountId)).size).toBe(world.users.length)
  })

  it('numbers projects from 10000 and leads them with a user of their site', () => {
    world.projects.forEach((project, i) => {
      expect(project.id).toBe(String(10000 + i))
      expect(world.users[project.leadIndex]?.siteIndexes).toContain(project.siteIndex)
    })
    expect(world.projects.map((p) => p.key)).toEqual(['DEMO', 'WEB', 'OPS', 'GLX', 'MOB', 'TPS'])
  })
})

describe('generateWorld: issue columns', () => {
  it('spreads the issues 60/25/15 over the sites', () => {
    const shares = world.issues.map((t) => t.count / 2000)
    expect(shares[0]).toBeCloseTo(0.6, 2)
    expect(shares[1]).toBeCloseTo(0.25, 2)
    expect(shares[2]).toBeCloseTo(0.15, 2)
    expect(world.issues.reduce((sum, t) => sum + t.count, 0)).toBe(2000)
    expect(world.issues.map((t) => t.siteIndex)).toEqual([0, 1, 2])
  })

  it('gives every project an issue as soon as there are as many issues as projects', () => {
    const small = generateWorld({ seed: 1, issues: world.projects.length, anchor: ANCHOR })
    const used = new Set(small.issues.flatMap((t) => Array.from(t.project)))
    expect(used.size).toBe(world.projects.length)
  })

  it('handles worlds smaller than the number of projects, down to none', () => {
    for (const issues of [0, 1, 2, 5]) {
      const small = generateWorld({ seed: 1, issues, anchor: ANCHOR })
      expect(small.issues.reduce((sum, t) => sum + t.count, 0)).toBe(issues)
    }
  })

  it('keeps ids and creation dates ascending within each site', () => {
    for (const table of world.issues) {
      for (let row = 1; row < table.count; row++) {
        expect(table.id[row]).toBeGreaterThan(table.id[row - 1] as number)
        expect(table.created[row]).toBeGreaterThan(table.created[row - 1] as number)
      }
    }
  })

  it('numbers the issues of each project 1..n in creation order', () => {
    for (const table of world.issues) {
      const last = new Map<number, number>()
      for (const row of rows(table)) {
        const project = table.project[row] as number
        expect(table.number[row]).toBe((last.get(project) ?? 0) + 1)
        last.set(project, table.number[row] as number)
        expect(world.projects[project]?.siteIndex).toBe(table.siteIndex)
      }
    }
  })

  it('dates issues in the 400 days before the anchor, updated between created and anchor', () => {
    for (const table of world.issues) {
      for (const row of rows(table)) {
        const created = table.created[row] as number
        expect(created).toBeGreaterThanOrEqual(ANCHOR - 400 * DAY)
        expect(created).toBeLessThan(ANCHOR)
        expect(table.updated[row]).toBeGreaterThanOrEqual(created)
        expect(table.updated[row]).toBeLessThan(ANCHOR)
      }
    }
  })

  it('skews creation towards the anchor', () => {
    const created = Array.from(world.issues[0]?.created ?? [])
    const lastQuarter = created.filter((t) => t >= ANCHOR - 100 * DAY).length
    expect(lastQuarter / created.length).toBeGreaterThan(0.35)
  })

  it('assigns and reports only with users who can reach the site', () => {
    for (const table of world.issues) {
      const allowed = siteUsers(world, table.siteIndex)
      for (const row of rows(table)) {
        const assignee = table.assignee[row] as number
        if (assignee !== -1) expect(allowed.has(assignee)).toBe(true)
        expect(allowed.has(table.reporter[row] as number)).toBe(true)
      }
    }
  })

  it('leaves roughly one issue in seven unassigned', () => {
    const assignees = world.issues.flatMap((t) => Array.from(t.assignee))
    const share = assignees.filter((a) => a === -1).length / assignees.length
    expect(share).toBeGreaterThan(0.05)
    expect(share).toBeLessThan(0.3)
  })

  it('closes most old issues and leaves most recent ones open', () => {
    const table = world.issues[0] as IssueTable
    const old = rows(table).filter((row) => (table.created[row] as number) < ANCHOR - 180 * DAY)
    const recent = rows(table).filter((row) => (table.created[row] as number) > ANCHOR - 7 * DAY)
    const doneShare = (list: number[]) =>
      list.filter((row) => table.status[row] === DONE).length / list.length
    expect(doneShare(old)).toBeGreaterThan(0.8)
    expect(doneShare(recent)).toBeLessThan(0.3)
  })

  it('uses Medium as the most common priority and gives at most a few labels', () => {
    const priorities = world.issues.flatMap((t) => Array.from(t.priority))
    const medium = priorities.filter((p) => p === 2).length
    expect(medium / priorities.length).toBeGreaterThan(0.45)
    for (const table of world.issues) {
      for (const bits of table.labels) {
        expect(bits >>> LABELS.length).toBe(0)
        expect(bits.toString(2).replace(/0/g, '').length).toBeLessThanOrEqual(4)
      }
    }
  })
})

describe('generateWorld: lookups', () => {
  it('finds every row by its key and by its id', () => {
    for (const table of world.issues) {
      for (const row of rows(table)) {
        expect(table.rowOfKey(table.key(row))).toBe(row)
        expect(table.rowOfId(table.id[row] as number)).toBe(row)
      }
    }
  })

  it('answers undefined for keys and ids that do not exist on the site', () => {
    const acme = world.issues[0] as IssueTable
    for (const key of ['DEMO-0', 'DEMO-999999', 'DEMO-01', 'DEMO-', 'NOPE-1', 'GLX-1', 'DEMO', '-1', ''])
      expect(acme.rowOfKey(key)).toBeUndefined()
    expect(acme.rowOfId(9999)).toBeUndefined()
    expect(acme.rowOfId(world.issues[1]?.id[0] as number)).toBeUndefined()
    expect(acme.rowOfId((acme.id[acme.count - 1] as number) + 1)).toBeUndefined()
  })

  it('accepts keys in lower case, as JQL does', () => {
    expect(world.issues[0]?.rowOfKey('demo-1')).toBe(world.issues[0]?.rowOfKey('DEMO-1'))
  })
})

describe('generateWorld: text', () => {
  const acme = world.issues[0] as IssueTable

  it('puts the hostile summaries on DEMO-3 and DEMO-7', () => {
    expect(acme.summary(acme.rowOfKey('DEMO-7') as number)).toBe('<img src=x onerror=alert(1)>')
    expect(acme.summary(acme.rowOfKey('DEMO-3') as number)).toBe(FIXED_SUMMARIES['DEMO-3'])
    const hostile = acme.rowOfKey(HOSTILE_ISSUE_KEY) as number
    expect(JSON.stringify(acme.description(hostile))).toContain('javascript:alert(1)')
    expect(acme.comments(hostile)).toHaveLength(1)
  })

  it('varies summaries widely', () => {
    const summaries = rows(acme).map((row) => acme.summary(row))
    expect(new Set(summaries).size).toBeGreaterThan(summaries.length * 0.6)
    for (const summary of summaries) expect(summary).not.toMatch(/\{\w+\}/)
  })

  it('gives about 85% of issues a description, with rich content', () => {
    const descriptions = rows(acme).flatMap((row) => acme.description(row) ?? [])
    expect(descriptions.length / acme.count).toBeGreaterThan(0.78)
    expect(descriptions.length / acme.count).toBeLessThan(0.92)
    const types = new Set(JSON.stringify(descriptions).match(/"type":"\w+"/g))
    for (const type of [
      'heading',
      'bulletList',
      'orderedList',
      'codeBlock',
      'mention',
      'hardBreak',
      'strong',
      'em',
    ])
      expect(types).toContain(`"type":"${type}"`)
    for (const doc of descriptions) expect(adfToPlainText(doc)).not.toMatch(/\{[A-Za-z]\w*\}/)
  })

  it('dates comments between the issue being created and last updated, oldest first', () => {
    for (const table of world.issues) {
      const allowed = siteUsers(world, table.siteIndex)
      for (const row of rows(table)) {
        let previous = table.created[row] as number
        for (const comment of table.comments(row)) {
          expect(comment.created).toBeGreaterThanOrEqual(previous)
          expect(comment.updated).toBeGreaterThanOrEqual(comment.created)
          expect(comment.updated).toBeLessThanOrEqual(table.updated[row] as number)
          expect(allowed.has(comment.authorIndex)).toBe(true)
          previous = comment.created
        }
      }
    }
  })

  it('gives comments ids unique within the site, and up to four per issue', () => {
    const ids = rows(acme).flatMap((row) => acme.comments(row).map((c) => c.id))
    expect(new Set(ids).size).toBe(ids.length)
    expect(ids.every((id) => /^\d+$/.test(id))).toBe(true)
    expect(Math.max(...rows(acme).map((row) => acme.comments(row).length))).toBe(4)
  })

  it('builds searchText from summary, description and comments, lower-cased', () => {
    const row = rows(acme).find((r) => acme.description(r) !== null && acme.comments(r).length > 0) as number
    const text = acme.searchText(row)
    expect(text).toBe(text.toLowerCase())
    expect(text).toContain(acme.summary(row).toLowerCase())
    expect(text).toContain(adfToPlainText(acme.description(row) as AdfDoc).toLowerCase())
    expect(text).toContain(adfToPlainText(acme.comments(row)[0]?.body as AdfDoc).toLowerCase())
  })

  it('refuses rows outside the table', () => {
    expect(() => acme.summary(acme.count)).toThrow(RangeError)
    expect(() => acme.comments(-1)).toThrow(RangeError)
  })
})

describe('generateWorld: scale', () => {
  it('generates 100,000 issues into typed arrays of a few megabytes', () => {
    const big = generateWorld({ seed: 7, issues: 100_000, anchor: ANCHOR })
    expect(big.issues.reduce((sum, t) => sum + t.count, 0)).toBe(100_000)
    let bytes = 0
    for (const table of big.issues) {
      for (const column of [
        table.project,
        table.number,
        table.id,
        table.status,
        table.created,
        table.updated,
      ])
        bytes += column.byteLength
      for (let row = 1; row < table.count; row++) {
        if (!((table.id[row] as number) > (table.id[row - 1] as number)))
          throw new Error(`id order at ${row}`)
        if (!((table.updated[row] as number) >= (table.created[row] as number)))
          throw new Error(`updated at ${row}`)
      }
      const last = table.count - 1
      expect(table.rowOfKey(table.key(last))).toBe(last)
    }
    expect(bytes).toBeLessThan(10 * 1024 * 1024)
  })

  it('rejects counts and seeds it cannot honour', () => {
    expect(() => generateWorld({ seed: 1, issues: -1, anchor: ANCHOR })).toThrow(RangeError)
    expect(() => generateWorld({ seed: 1.5, issues: 1, anchor: ANCHOR })).toThrow(RangeError)
    expect(() => generateWorld({ seed: 1, issues: 1, anchor: Number.NaN })).toThrow(RangeError)
  })
})

describe('splitIssues', () => {
  it('gives each part its minimum first, then splits the rest by share', () => {
    expect(splitIssues(10, [0.6, 0.25, 0.15], [3, 2, 1])).toEqual([5, 3, 2])
  })

  it('splits by share alone when the total cannot cover the minimums', () => {
    expect(splitIssues(2, [0.6, 0.25, 0.15], [3, 2, 1])).toEqual([1, 1, 0])
  })
})

describe('midnightUtc', () => {
  it('rounds an instant down to midnight UTC', () => {
    expect(midnightUtc(Date.UTC(2026, 2, 5, 14, 30))).toBe(Date.UTC(2026, 2, 5))
    expect(midnightUtc(Date.UTC(2026, 2, 5))).toBe(Date.UTC(2026, 2, 5))
  })
})
