import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { verifyWebhook } from '../../src/notify/webhook-signature.js'
import { runQuarry } from '../helpers/cli.js'
import { refusedPort, startHttpReceiver, type HttpReceiver } from '../notify/receivers.js'

/**
 * `quarry alert add|list|show|edit|check|test|remove` (issue 16, done-when 3): the built CLI over a
 * SQLite datasource whose rows the test changes between checks, notifying receivers started here.
 */

const WEBHOOK_SECRET = 'whsec-cli-0123456789abcdef'
const SLACK_PATH = '/services/T0/B0/CLISLACKSECRET'

let dir: string
let db: string
let data: string
let hook: HttpReceiver
let slack: HttpReceiver
const env = () => ({ HOOK_SECRET: WEBHOOK_SECRET, SLACK_URL: `${slack.url}${SLACK_PATH}` })
const quarry = (...args: string[]) => runQuarry({ db, dir, env: env() }, ...args)

function setIssues(rows: [string, string][]): void {
  const sqlite = new DatabaseSync(data)
  sqlite.exec('delete from issues')
  const insert = sqlite.prepare('insert into issues values (?, ?)')
  for (const [key, priority] of rows) insert.run(key, priority)
  sqlite.close()
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'quarry-alert-cli-'))
  db = join(dir, 'quarry.db')
  data = join(dir, 'data.db')
  const sqlite = new DatabaseSync(data)
  sqlite.exec('create table issues ("Key" text, "Priority" text)')
  sqlite.close()
  setIssues([['DEMO-1', 'Minor']])
  hook = await startHttpReceiver()
  slack = await startHttpReceiver()
  expect((await quarry('datasource', 'add', 'lite', '--type', 'sqlite', '--path', data)).code).toBe(0)
  const query = await quarry(
    'query',
    'add',
    'open-issues',
    '--datasource',
    'lite',
    '--sql',
    'select * from issues',
  )
  expect(query.code, query.stderr).toBe(0)
}, 60_000)
afterAll(async () => {
  await hook.close()
  await slack.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('quarry alert', () => {
  it('adds an alert whose secrets come from the environment, and shows it masked', async () => {
    const added = await quarry(
      ...['alert', 'add', 'blockers', '--query', 'open-issues', '--when', 'Priority = Blocker exists'],
      ...['--webhook', `${hook.url}/hook`, '--webhook-secret', 'env:HOOK_SECRET', '--slack', 'env:SLACK_URL'],
    )
    expect(added.code, added.stderr).toBe(0)
    expect(added.stdout).toContain(
      'Added alert "blockers" on query "open-issues": Priority = "Blocker" exists.',
    )
    const shown = await quarry('alert', 'show', 'blockers')
    expect(shown.code).toBe(0)
    expect(shown.stdout).not.toContain(WEBHOOK_SECRET)
    expect(shown.stdout).not.toContain('CLISLACKSECRET')
    expect(JSON.parse(shown.stdout)).toMatchObject({
      state: 'ok',
      channels: [
        { type: 'webhook', secret: '••••••' },
        { type: 'slack', url: '••••••' },
      ],
    })
  })

  it('checks: ok notifies nobody; a blocker fires and notifies both channels once; a second check is quiet', async () => {
    const ok = await quarry('alert', 'check', 'blockers')
    expect(ok.code, ok.stderr).toBe(0)
    expect(ok.stdout).toContain('Alert "blockers" is ok: 0 of 1 row have Priority = "Blocker"')
    expect(hook.received).toHaveLength(0)

    setIssues([
      ['DEMO-1', 'Minor'],
      ['DEMO-2', 'Blocker'],
    ])
    const firing = await quarry('alert', 'check', 'blockers')
    expect(firing.code, firing.stderr).toBe(0)
    expect(firing.stdout).toContain(
      'Alert "blockers" is firing (was ok; notifying): 1 of 2 rows have Priority = "Blocker"',
    )
    expect(firing.stdout).toContain(`webhook ${hook.url}/hook: delivered (1 attempt)`)
    expect(hook.received).toHaveLength(1)
    expect(slack.received).toHaveLength(1)
    const { headers, body } = hook.received[0]!
    expect(
      verifyWebhook(
        WEBHOOK_SECRET,
        headers['x-quarry-timestamp'] as string,
        body,
        headers['x-quarry-signature'] as string,
        Date.now() / 1000,
      ),
    ).toBe(true)

    const again = await quarry('alert', 'check', 'blockers')
    expect(again.stdout).toContain('Alert "blockers" is firing: ')
    expect(hook.received).toHaveLength(1)
    const list = await quarry('alert', 'list')
    expect(list.stdout).toMatch(
      /^blockers {2}· {2}open-issues: Priority = "Blocker" exists {2}· {2}firing {2}· {2}checked /m,
    )
  })

  it('tests every channel, and a dead one fails the command with QUARRY_NOTIFY_FAILED and no secret', async () => {
    const tested = await quarry('alert', 'test', 'blockers')
    expect(tested.code, tested.stderr).toBe(0)
    expect(JSON.parse(slack.received.at(-1)!.body).text).toContain('[Quarry] Test of alert "blockers"')

    const port = await refusedPort()
    const edited = await runQuarry(
      { db, dir, env: { SLACK_URL: `http://127.0.0.1:${port}${SLACK_PATH}` } },
      ...['alert', 'edit', 'blockers', '--slack', 'env:SLACK_URL'],
    )
    expect(edited.code, edited.stderr).toBe(0)
    const dead = await quarry('alert', 'test', 'blockers', '--attempts', '2')
    expect(dead.code).toBe(1)
    expect(dead.stderr).toContain('reached 0 of 1 channels; ')
    expect(dead.stderr).toContain(
      `failed after 2 attempts: POST the Slack webhook at 127.0.0.1:${port}: 127.0.0.1:${port} refused the connection (ECONNREFUSED).`,
    )
    expect(dead.stderr).toContain('(QUARRY_NOTIFY_FAILED)')
    expect(dead.stderr).not.toContain('CLISLACKSECRET')
  })

  it('says what is wrong with a condition, and with a missing alert', async () => {
    const bad = await quarry('alert', 'edit', 'blockers', '--when', 'Priority is Blocker')
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain(
      '--when: no comparison operator. Write "rows > 5" or "COLUMN OP VALUE [exists|none|all]"',
    )
    const missing = await quarry('alert', 'show', 'nope')
    expect(missing.code).toBe(2)
    expect(missing.stderr).toContain(
      'No alert named "nope". List the alerts with: quarry alert list (QUARRY_ALERT_NOT_FOUND)',
    )
  })

  it('removes an alert', async () => {
    expect((await quarry('alert', 'remove', 'blockers')).code).toBe(0)
    expect((await quarry('alert', 'list')).stdout).toContain('No alerts yet.')
  })
})
