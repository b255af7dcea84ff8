import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunningSimulator } from '../../src/sim/server.js'
import { connect, startTestSim } from '../helpers/sim.js'

let sim: RunningSimulator
let token: string
let base: string
beforeAll(async () => {
  sim = await startTestSim({ issues: 1000 })
  token = (await connect(sim, { scope: 'read:jira-work read:board-scope:jira-software offline_access' }))
    .access_token
  base = `${sim.url}/ex/jira/${sim.context.world.sites[0]?.cloudId}/rest/agile/1.0`
})
afterAll(async () => {
  await sim.close()
})

const get = (path: string, bearer = token) =>
  fetch(`${base}/${path}`, { headers: { authorization: `Bearer ${bearer}` } })

describe('agile API', () => {
  it('lists one board per project of the site', async () => {
    const boards = (await (await get('board')).json()) as {
      total: number
      values: { location: { projectKey: string } }[]
    }
    expect(boards.values.map((b) => b.location.projectKey)).toEqual(['DEMO', 'WEB', 'OPS'])
  })

  it('pages a board’s issues with startAt, maxResults and total, without gaps or duplicates', async () => {
    const demo = sim.context.world.projects.findIndex((p) => p.key === 'DEMO') + 1
    const keys: string[] = []
    let total = Infinity
    for (let startAt = 0; startAt < total; startAt += 100) {
      const page = (await (
        await get(`board/${demo}/issue?startAt=${startAt}&maxResults=500&fields=summary`)
      ).json()) as {
        total: number
        maxResults: number
        issues: { key: string }[]
      }
      expect(page.maxResults).toBe(100)
      total = page.total
      keys.push(...page.issues.map((i) => i.key))
    }
    expect(new Set(keys).size).toBe(keys.length)
    expect(keys.length).toBe(total)
    expect(keys.every((key) => key.startsWith('DEMO-'))).toBe(true)
  })

  it('needs the Jira Software board scope', async () => {
    const classic = (await connect(sim, { scope: 'read:jira-work' })).access_token
    expect((await get('board', classic)).status).toBe(401)
  })
})
