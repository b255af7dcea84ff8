import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { RESTRICTED_PROJECTS } from '../../src/sim/data/permissions.js'
import type { RunningSimulator } from '../../src/sim/server.js'
import { SCOPES, authorizeUrl, exchange, jira, startTestSim } from '../helpers/sim.js'

// Issue 15: the simulator holds several people's grants at once, and each sees
// only the projects her permission scheme lets her browse. OPS is restricted to
// alice, bob and grace, so carol (also on acme) must not see it.

let sim: RunningSimulator
let alice: string
let carol: string

/** A whole consent through the account picker and consent form, as LOGIN, to her acme site. */
async function tokenOf(login: string): Promise<string> {
  const acme = sim.context.world.sites.find((s) => s.name === 'acme')
  const form = new URLSearchParams(
    new URL(`${authorizeUrl(sim, { scope: `${SCOPES} read:board-scope:jira-software` })}&login=${login}`)
      .searchParams,
  )
  form.set('decision', 'accept')
  form.set('site', acme?.cloudId ?? '')
  const response = await fetch(`${sim.url}/authorize/consent`, {
    method: 'POST',
    body: form,
    redirect: 'manual',
  })
  const code = new URL(response.headers.get('location') ?? '').searchParams.get('code') ?? ''
  return (await exchange(sim, code)).access_token
}

beforeAll(async () => {
  sim = await startTestSim({ issues: 600, autoConsent: undefined })
  alice = await tokenOf('alice')
  carol = await tokenOf('carol')
})
afterAll(async () => {
  await sim.close()
})

async function keys(token: string, jql: string): Promise<string[]> {
  const out: string[] = []
  let nextPageToken: string | undefined
  do {
    const params = new URLSearchParams({ jql, fields: 'key', maxResults: '100' })
    if (nextPageToken) params.set('nextPageToken', nextPageToken)
    const response = await jira(sim, token, `search/jql?${params}`)
    expect(response.status, await response.clone().text()).toBe(200)
    const page = (await response.json()) as { issues: { key: string }[]; nextPageToken?: string }
    out.push(...page.issues.map((issue) => issue.key))
    nextPageToken = page.nextPageToken
  } while (nextPageToken)
  return out
}

const projectOf = (key: string) => key.split('-')[0]

describe('per-user visibility in the simulator', () => {
  it('restricts OPS to a group that carol is not in', () => {
    expect(RESTRICTED_PROJECTS.OPS).toContain('alice')
    expect(RESTRICTED_PROJECTS.OPS).not.toContain('carol')
  })

  it('searches return OPS issues to alice and none to carol, the rest alike', async () => {
    const jql = 'project in (DEMO, WEB, OPS) ORDER BY key ASC'
    const seenByAlice = await keys(alice, jql)
    const seenByCarol = await keys(carol, jql)
    expect(seenByAlice.some((key) => projectOf(key) === 'OPS')).toBe(true)
    expect(seenByCarol.some((key) => projectOf(key) === 'OPS')).toBe(false)
    expect(seenByCarol).toEqual(seenByAlice.filter((key) => projectOf(key) !== 'OPS'))
  })

  it('POST search/jql and approximate-count respect it too', async () => {
    const post = async (token: string, path: string, body: unknown) =>
      (await (
        await jira(sim, token, path, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        })
      ).json()) as { issues?: unknown[]; count?: number }
    expect((await post(carol, 'search/jql', { jql: 'project = OPS' })).issues).toEqual([])
    expect((await post(alice, 'search/jql', { jql: 'project = OPS' })).issues?.length).toBeGreaterThan(0)
    expect((await post(carol, 'search/approximate-count', { jql: 'project = OPS' })).count).toBe(0)
    expect((await post(alice, 'search/approximate-count', { jql: 'project = OPS' })).count).toBeGreaterThan(0)
  })

  it('GET issue of a hidden project answers 404 like a missing issue, to carol only', async () => {
    const forAlice = await jira(sim, alice, 'issue/OPS-1?fields=summary')
    expect(forAlice.status).toBe(200)
    const forCarol = await jira(sim, carol, 'issue/OPS-1?fields=summary')
    expect(forCarol.status).toBe(404)
    const missing = await jira(sim, carol, 'issue/OPS-999999')
    expect(await forCarol.json()).toEqual(await missing.json())
    const id = ((await (await jira(sim, alice, 'issue/OPS-1')).json()) as { id: string }).id
    expect((await jira(sim, carol, `issue/${id}`)).status).toBe(404)
  })

  it('project/search lists only the projects the caller may browse', async () => {
    const listed = async (token: string) =>
      (await (await jira(sim, token, 'project/search')).json()) as {
        total: number
        values: { key: string }[]
      }
    expect((await listed(alice)).values.map((p) => p.key)).toEqual(['DEMO', 'OPS', 'WEB'])
    const forCarol = await listed(carol)
    expect(forCarol.values.map((p) => p.key)).toEqual(['DEMO', 'WEB'])
    expect(forCarol.total).toBe(2)
  })

  it('the agile API shows carol no OPS board', async () => {
    const boards = async (token: string) => {
      const site = sim.context.world.sites[0]?.cloudId
      const response = await fetch(`${sim.url}/ex/jira/${site}/rest/agile/1.0/board`, {
        headers: { authorization: `Bearer ${token}` },
      })
      return ((await response.json()) as { values: { location: { projectKey: string } }[] }).values.map(
        (b) => b.location.projectKey,
      )
    }
    expect(await boards(alice)).toContain('OPS')
    expect(await boards(carol)).not.toContain('OPS')
  })

  it('currentUser() is each caller’s own account, with both grants live at once', async () => {
    const mine = async (token: string) =>
      ((await (await jira(sim, token, 'myself')).json()) as { emailAddress: string }).emailAddress
    expect(await mine(alice)).toBe('alice@example.com')
    expect(await mine(carol)).toBe('carol@example.com')
  })
})
