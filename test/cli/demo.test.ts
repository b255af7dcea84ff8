import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startDemo, type RunningDemo } from '../helpers/demo.js'

/** `quarry demo` as the README's first command starts it, on free ports and its own store. */

let dir: string
let demo: RunningDemo

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'quarry-demo-'))
  demo = await startDemo(dir)
}, 60_000)
afterAll(async () => {
  await demo?.stop()
  rmSync(dir, { recursive: true, force: true })
})

describe('quarry demo', () => {
  it('shows its public Jira view to anyone', async () => {
    const response = await fetch(`${demo.url}/v/jira-issues`)
    expect(response.status).toBe(200)
    expect(await response.text()).toMatch(/DEMO-\d+/)
  })

  it('does not let an anonymous visitor run their own JQL with the connected account (issue 10)', async () => {
    for (const path of ['/v/jira-issues', '/v/jira-issues/rows.json', '/v/jira-issues/rows.csv']) {
      const response = await fetch(`${demo.url}${path}?jql=${encodeURIComponent('project = OPS')}`)
      expect(response.status, path).toBe(403)
      expect(await response.text(), path).not.toMatch(/OPS-\d+/)
    }
  })
})
