import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { simpleParser, type ParsedMail } from 'mailparser'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { ScheduleSchema } from '../../src/domain/schedule.js'
import { createSchedule } from '../../src/schedule/index.js'
import { mailRun } from '../../src/subscribe/send.js'
import { refusedPort, startSmtpReceiver, testCertificate, type SmtpReceiver } from '../notify/receivers.js'
import { runQuarry } from '../helpers/cli.js'
import { startTestServer, type Browser, type TestServer } from '../helpers/server.js'
import { startUpstream, type Upstream } from '../helpers/upstream.js'
import { readSheet, sheetValues } from '../helpers/xlsx.js'

/**
 * Subscriptions (issue 16, done-when 4), end to end: a schedule's run on the test server is mailed
 * through a real SMTP server (STARTTLS, logged in) to each address; the mail is parsed by mailparser,
 * a library Quarry does not send with. The unsubscribe link is then called on the server.
 */

const SMTP_PASSWORD = 'smtp-password-subs-7f3a'
const ROWS = [
  { key: 'OPS-1', points: 3, summary: 'Login <fails>' },
  { key: 'OPS-2', points: 5, summary: 'Export slow' },
  { key: 'OPS-3', points: 8, summary: 'Audit gaps' },
]

let upstream: Upstream
let certificate: { key: string; cert: string }
let smtp: SmtpReceiver
let server: TestServer
let admin: Browser

beforeAll(async () => {
  certificate = testCertificate()
  upstream = await startUpstream((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(JSON.stringify(ROWS))
  })
})
afterAll(async () => {
  await upstream.close()
})

beforeEach(async () => {
  smtp = await startSmtpReceiver(certificate, { user: 'reports', password: SMTP_PASSWORD })
  server = await startTestServer()
  admin = await server.signIn('ada', 'admin')
  await server.engine.addDatasource({ name: 'api', type: 'rest', baseUrl: upstream.url })
  await server.engine.addQuery({
    name: 'bugs',
    datasource: 'api',
    path: '/bugs?project=:project',
    params: [{ name: 'project', default: 'WEB' }],
  })
  const schedule = ScheduleSchema.parse({
    name: 'monday',
    query: 'bugs',
    params: { project: 'OPS' },
    cron: '0 9 * * 1',
  })
  await createSchedule(server.engine.store, schedule, new Date('2026-12-03T08:30:00Z'))
})
afterEach(async () => {
  await server.close()
  await smtp.close()
})

function mailServer(port = smtp.port) {
  return {
    host: '127.0.0.1',
    port,
    tls: 'starttls',
    ca: certificate.cert,
    from: 'quarry@example.com',
    user: 'reports',
    password: SMTP_PASSWORD,
  }
}

async function subscribe(fields: Record<string, unknown> = {}) {
  const response = await server.as(admin, {
    method: 'POST',
    url: '/api/subscriptions',
    payload: {
      name: 'weekly',
      schedule: 'monday',
      to: ['ann@example.com', 'bob@example.com'],
      server: mailServer(),
      format: 'csv',
      bodyRows: 2,
      ...fields,
    },
  })
  expect(response.statusCode, response.body).toBe(201)
  return response.json() as Record<string, unknown>
}

/** Runs the schedule now and waits until the receiver holds `count` mails in all. */
async function runAndReceive(count: number): Promise<ParsedMail[]> {
  const event = await server.ctx.scheduler.runNow('monday')
  expect(event.error).toBeUndefined()
  for (let waited = 0; smtp.mails.length < count && waited < 10_000; waited += 20)
    await new Promise((resolve) => setTimeout(resolve, 20))
  expect(smtp.mails).toHaveLength(count)
  return Promise.all(smtp.mails.map((mail) => simpleParser(mail.raw)))
}

/** A header of the mail as sent, unfolded (mailparser reads List-* headers into its own shape). */
function rawHeader(mail: ParsedMail, name: string): string | undefined {
  const raw = smtp.mails.find((sent) => sent.raw.includes(mail.messageId ?? '\0'))?.raw ?? ''
  const headers = raw.slice(0, raw.indexOf('\r\n\r\n')).replace(/\r\n[ \t]+/g, ' ')
  return new RegExp(`^${name}: (.*)$`, 'im').exec(headers)?.[1]
}

/** The List-Unsubscribe header's URL. */
function unsubscribeLink(mail: ParsedMail): string {
  const header = rawHeader(mail, 'List-Unsubscribe')
  const url = /^<(https?:\/\/[^>]+)>$/.exec(header ?? '')?.[1]
  if (url === undefined) throw new Error(`no List-Unsubscribe URL in ${header}`)
  return url
}

async function recipients(): Promise<unknown> {
  const list = await server.as(admin, { method: 'GET', url: '/api/subscriptions' })
  return (list.json() as { to: string[] }[])[0]?.to
}

describe('a subscription mail', () => {
  it('goes to each address on its own, logged in over STARTTLS, with the first rows as a table and a note', async () => {
    const shown = await subscribe()
    expect(JSON.stringify(shown)).not.toContain(SMTP_PASSWORD)
    const mails = await runAndReceive(2)
    expect(smtp.mails.map((mail) => mail.to)).toEqual([['ann@example.com'], ['bob@example.com']])
    expect(smtp.mails.every((mail) => mail.secure && mail.user === 'reports')).toBe(true)
    const html = mails[0]?.html as string
    expect(html).toContain(
      '<th style="border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top;background:#f3f3f3">summary</th>',
    )
    expect(html).toContain('>OPS-1</td>')
    expect(html).toContain('>Login &lt;fails&gt;</td>')
    expect(html).toContain('>OPS-2</td>')
    expect(html).not.toContain('>OPS-3</td>')
    expect(html).toContain('The first 2 of 3 rows; the attached CSV has them all.')
    expect(mails[0]?.subject).toMatch(/^bugs: 3 rows \(/)
  })

  it('attaches every row as CSV', async () => {
    await subscribe()
    const [mail] = await runAndReceive(2)
    expect(mail?.attachments.map((file) => [file.filename, file.contentType])).toEqual([
      ['bugs.csv', 'text/csv'],
    ])
    const csv = mail?.attachments[0]?.content
      .toString('utf8')
      .replace(/^\ufeff/, '')
      .trim()
      .split(/\r?\n/)
    expect(csv).toEqual([
      'key,points,summary',
      'OPS-1,3,Login <fails>',
      'OPS-2,5,Export slow',
      'OPS-3,8,Audit gaps',
    ])
  })

  it('attaches every row as XLSX, typed, when the format is xlsx', async () => {
    await subscribe({ format: 'xlsx' })
    const [mail] = await runAndReceive(2)
    const file = mail?.attachments[0]
    expect(file?.filename).toBe('bugs.xlsx')
    const sheet = await readSheet(file?.content as Buffer)
    expect(sheetValues(sheet)).toEqual([
      ['key', 'points', 'summary'],
      ['OPS-1', 3, 'Login <fails>'],
      ['OPS-2', 5, 'Export slow'],
      ['OPS-3', 8, 'Audit gaps'],
    ])
  })

  it('links to the view with the run parameters, and carries one-click List-Unsubscribe headers', async () => {
    await subscribe({ format: 'none' })
    const [mail] = await runAndReceive(2)
    expect(mail?.attachments).toEqual([])
    expect(mail?.html).toContain('<a href="http://quarry.test/v/bugs?project=OPS">Open the view</a>')
    expect(mail?.text).toContain('View: http://quarry.test/v/bugs?project=OPS')
    expect(unsubscribeLink(mail as ParsedMail)).toMatch(/^http:\/\/quarry\.test\/unsubscribe\?token=[\w.-]+$/)
    expect(rawHeader(mail as ParsedMail, 'List-Unsubscribe-Post')).toBe('List-Unsubscribe=One-Click')
    expect(mail?.html).toContain(
      `href="${unsubscribeLink(mail as ParsedMail).replace(/&/g, '&amp;')}">Unsubscribe</a>`,
    )
  })
})

describe('unsubscribing', () => {
  it("removes the link's address only: the next run mails the others", async () => {
    await subscribe()
    const [annMail] = await runAndReceive(2)
    const link = new URL(unsubscribeLink(annMail as ParsedMail))
    const page = await server.as(undefined, { method: 'GET', url: `${link.pathname}${link.search}` })
    expect(page.statusCode).toBe(200)
    expect(page.headers['content-type']).toMatch(/^text\/html/)
    expect(page.body).toContain(
      'ann@example.com will get no more mails of the subscription &quot;weekly&quot;.',
    )
    expect(await recipients()).toEqual(['bob@example.com'])
    smtp.mails.length = 0
    await runAndReceive(1)
    expect(smtp.mails.map((mail) => mail.to)).toEqual([['bob@example.com']])
  })

  it('works as RFC 8058 one-click: a form POST to the same link, without a session', async () => {
    await subscribe()
    const [, bobMail] = await runAndReceive(2)
    const link = new URL(unsubscribeLink(bobMail as ParsedMail))
    const response = await server.as(undefined, {
      method: 'POST',
      url: `${link.pathname}${link.search}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'List-Unsubscribe=One-Click',
    })
    expect(response.statusCode, response.body).toBe(200)
    expect(await recipients()).toEqual(['ann@example.com'])
  })

  it('refuses a token whose address was changed, with QUARRY_UNSUBSCRIBE_TOKEN, and removes no one', async () => {
    await subscribe()
    const [annMail] = await runAndReceive(2)
    const token = new URL(unsubscribeLink(annMail as ParsedMail)).searchParams.get('token') ?? ''
    const [name, , mac] = token.split('.')
    const forged = [name, Buffer.from('bob@example.com').toString('base64url'), mac].join('.')
    for (const bad of [forged, 'not-a-token', `${token.slice(0, -2)}xx`]) {
      const response = await server.as(undefined, { method: 'GET', url: `/unsubscribe?token=${bad}` })
      expect(response.statusCode).toBe(400)
      expect(response.body).toContain('QUARRY_UNSUBSCRIBE_TOKEN')
    }
    expect(await recipients()).toEqual(['ann@example.com', 'bob@example.com'])
  })
})

describe('a mail server that is down', () => {
  it('never fails the run: the schedule records its run as ok', async () => {
    await subscribe({ server: mailServer(await refusedPort()) })
    const event = await server.ctx.scheduler.runNow('monday')
    expect(event.error).toBeUndefined()
    expect((await server.engine.store.schedules.get('monday'))?.lastStatus).toBe('ok')
  })

  it('is retried with backoff, and the failure is recorded on the subscription', async () => {
    await subscribe({ server: mailServer(await refusedPort()), to: ['ann@example.com'] })
    const event = await server.ctx.scheduler.runNow('monday')
    const waits: number[] = []
    const mailings = await mailRun(
      server.engine.store,
      'monday',
      { query: 'bugs', params: { project: 'OPS' }, result: event.result! },
      {
        baseUrl: 'http://quarry.test',
        retry: { attempts: 3, baseDelayMs: 40, maxDelayMs: 1000 },
        sleep: async (ms) => {
          waits.push(ms)
        },
        random: () => 0,
      },
    )
    const [report] = await Promise.all(mailings)
    expect(report?.recipients.map((recipient) => recipient.attempts.length)).toEqual([3])
    expect(report?.recipients[0]?.ok).toBe(false)
    expect(waits).toEqual([20, 40])
    const stored = await server.engine.store.subscriptions.get('weekly')
    expect(stored?.lastError).toMatch(
      /^ann@example\.com: SMTP 127\.0\.0\.1:\d+ failed \(ESOCKET\): connect ECONNREFUSED/,
    )
    expect(stored?.lastError).not.toContain(SMTP_PASSWORD)
  })
})

describe('the CLI', () => {
  it('adds a subscription (its password from the environment) that `schedule run --public-url` mails before exiting', async () => {
    const where = {
      db: join(server.engine.dir, 'quarry.db'),
      dir: server.engine.dir,
      env: { SMTP_PW: SMTP_PASSWORD },
    }
    const ca = join(server.engine.dir, 'smtp-ca.pem')
    writeFileSync(ca, certificate.cert)
    const add = await runQuarry(
      where,
      ...['subscription', 'add', 'cli-weekly', '--schedule', 'monday', '--to', 'cy@example.com'],
      ...['--format', 'xlsx', '--smtp-host', '127.0.0.1', '--smtp-port', String(smtp.port), '--smtp-ca', ca],
      ...['--smtp-from', 'quarry@example.com', '--smtp-user', 'reports', '--smtp-password', 'env:SMTP_PW'],
    )
    expect(add.stderr).toBe('')
    expect(add.stdout).toContain('Added subscription "cli-weekly"')
    const run = await runQuarry(
      where,
      'schedule',
      'run',
      'monday',
      '--public-url',
      'https://quarry.example.com',
    )
    expect(run.code, run.stderr).toBe(0)
    expect(smtp.mails.map((mail) => mail.to)).toEqual([['cy@example.com']])
    const mail = await simpleParser(smtp.mails[0]?.raw ?? '')
    expect(mail.html).toContain('href="https://quarry.example.com/v/bugs?project=OPS"')
    expect(mail.attachments[0]?.filename).toBe('bugs.xlsx')
    const list = await runQuarry(where, 'subscription', 'list')
    expect(list.stdout).toMatch(
      /^cli-weekly {2}· {2}schedule monday {2}· {2}to cy@example\.com {2}· {2}xlsx {2}· {2}last sent 20/m,
    )
    expect(list.stdout).not.toContain(SMTP_PASSWORD)
  })
})
