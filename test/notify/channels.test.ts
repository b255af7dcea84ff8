import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { ChannelSchema, type Channel } from '../../src/domain/alert.js'
import { deliver, deliverAll, type AlertNotice, type RetryPolicy } from '../../src/notify/index.js'
import { verifyWebhook } from '../../src/notify/webhook-signature.js'
import {
  mailBody,
  mailSubject,
  refusedPort,
  startHttpReceiver,
  startSmtpReceiver,
  testCertificate,
  type HttpReceiver,
  type SmtpReceiver,
} from './receivers.js'

/**
 * Issue 16, done-when 3: each channel against a real receiver started here — a webhook receiver that
 * checks the HMAC signature, a Slack-shaped receiver, an SMTP server with STARTTLS and a login — and
 * dead receivers (refused, 500, stalled) retried with backoff, recorded, and blocking nothing else.
 */

const notice: AlertNotice = {
  alert: 'blockers',
  query: 'open-issues',
  params: { project: 'DEMO' },
  event: 'firing',
  previous: 'ok',
  condition: 'Priority = "Blocker" exists',
  summary: '1 of 3 rows have Priority = "Blocker" (alert when exists)',
  rowCount: 3,
  matched: 1,
  at: '2026-12-03T10:00:00.000Z',
}

const WEBHOOK_SECRET = 'whsec-3f1c9a7e5b2d4c6e8a0b'
const SMTP_PASSWORD = 'smtp-pa55-9f8e7d6c'
/** Quick retries for tests: three tries, 40 ms then 80 ms (before jitter). */
const FAST: RetryPolicy = { attempts: 3, baseDelayMs: 40, maxDelayMs: 1000 }

const open: { close(): Promise<void> }[] = []
afterEach(async () => {
  await Promise.all(open.splice(0).map((receiver) => receiver.close()))
})
async function http(answer?: (n: number) => number | 'stall'): Promise<HttpReceiver> {
  const receiver = await startHttpReceiver(answer)
  open.push(receiver)
  return receiver
}

/** Sleeps for real, and remembers each wait. */
function recordingSleep(): { waits: number[]; sleep: (ms: number) => Promise<void> } {
  const waits: number[] = []
  return { waits, sleep: (ms) => (waits.push(ms), new Promise((resolve) => setTimeout(resolve, ms))) }
}

describe('a webhook', () => {
  it('POSTs the notice as JSON signed with HMAC-SHA256 over the timestamp and the exact body', async () => {
    const receiver = await http()
    const channel = ChannelSchema.parse({
      type: 'webhook',
      url: `${receiver.url}/hooks/quarry`,
      secret: WEBHOOK_SECRET,
    })
    const report = await deliver(channel, notice, { retry: FAST })
    expect(report).toMatchObject({ ok: true, channel: `webhook ${receiver.url}/hooks/quarry` })
    const [got] = receiver.received
    expect(got?.path).toBe('/hooks/quarry')
    expect(got?.headers['content-type']).toBe('application/json')
    expect(JSON.parse(got!.body)).toMatchObject({
      alert: 'blockers',
      event: 'firing',
      previous: 'ok',
      matched: 1,
    })
    const timestamp = got?.headers['x-quarry-timestamp'] as string
    const signature = got?.headers['x-quarry-signature'] as string
    expect(signature).toMatch(/^sha256=[0-9a-f]{64}$/)
    expect(verifyWebhook(WEBHOOK_SECRET, timestamp, got!.body, signature, Date.now() / 1000)).toBe(true)
  })

  it('fails verification with another secret, an altered body, or an old timestamp', async () => {
    const receiver = await http()
    await deliver(
      ChannelSchema.parse({ type: 'webhook', url: receiver.url, secret: WEBHOOK_SECRET }),
      notice,
      { retry: FAST },
    )
    const { headers, body } = receiver.received[0]!
    const timestamp = headers['x-quarry-timestamp'] as string
    const signature = headers['x-quarry-signature'] as string
    const now = Date.now() / 1000
    expect(verifyWebhook('another-secret-0123456789', timestamp, body, signature, now)).toBe(false)
    expect(
      verifyWebhook(WEBHOOK_SECRET, timestamp, body.replace('blockers', 'blockerz'), signature, now),
    ).toBe(false)
    expect(verifyWebhook(WEBHOOK_SECRET, timestamp, body, signature, now + 301)).toBe(false)
  })
})

describe('a Slack incoming webhook', () => {
  it('receives text and blocks, and its URL never appears in the report', async () => {
    const receiver = await http()
    const url = `${receiver.url}/services/T000/B000/SLACKSECRETPATH`
    const report = await deliver(ChannelSchema.parse({ type: 'slack', url }), notice, { retry: FAST })
    expect(report.ok).toBe(true)
    const body = JSON.parse(receiver.received[0]!.body) as {
      text: string
      blocks: { type: string; text: { text: string } }[]
    }
    expect(body.text).toContain('[Quarry] Alert "blockers" is firing')
    expect(body.text).toContain('Result: 1 of 3 rows have Priority = "Blocker"')
    expect(body.blocks.map((block) => block.type)).toEqual(['header', 'section'])
    expect(body.blocks[1]?.text.text).toContain('Query: open-issues (project=DEMO)')
    expect(JSON.stringify(report)).not.toContain('SLACKSECRETPATH')
  })
})

describe('email over SMTP', () => {
  let certificate: { key: string; cert: string }
  let smtp: SmtpReceiver
  beforeAll(async () => {
    certificate = testCertificate()
  })
  const startSmtp = async () => {
    smtp = await startSmtpReceiver(certificate, { user: 'alerts', password: SMTP_PASSWORD })
    open.push(smtp)
  }
  const emailChannel = (overrides: Record<string, unknown> = {}): Channel =>
    ChannelSchema.parse({
      type: 'email',
      host: '127.0.0.1',
      port: smtp.port,
      tls: 'starttls',
      ca: certificate.cert,
      from: 'quarry@example.com',
      to: ['oncall@example.com', 'lead@example.com'],
      user: 'alerts',
      password: SMTP_PASSWORD,
      ...overrides,
    })

  it('arrives over STARTTLS, logged in, with the subject and the facts in the body', async () => {
    await startSmtp()
    const report = await deliver(emailChannel(), notice, { retry: FAST })
    expect(report.ok).toBe(true)
    expect(smtp.mails).toHaveLength(1)
    const mail = smtp.mails[0]!
    expect(mail).toMatchObject({ secure: true, user: 'alerts', from: 'quarry@example.com' })
    expect(mail.to).toEqual(['oncall@example.com', 'lead@example.com'])
    expect(mailSubject(mail.raw)).toBe('[Quarry] Alert "blockers" is firing')
    const body = mailBody(mail.raw)
    expect(body).toContain('Query: open-issues (project=DEMO)')
    expect(body).toContain('Condition: Priority = "Blocker" exists')
    expect(body).toContain('Result: 1 of 3 rows have Priority = "Blocker" (alert when exists)')
  })

  it('arrives over TLS from the first byte with tls: "tls"', async () => {
    smtp = await startSmtpReceiver(
      certificate,
      { user: 'alerts', password: SMTP_PASSWORD },
      { implicitTls: true },
    )
    open.push(smtp)
    const report = await deliver(emailChannel({ tls: 'tls' }), notice, { retry: FAST })
    expect(report.ok).toBe(true)
    expect(smtp.mails[0]).toMatchObject({ secure: true, user: 'alerts' })
  })

  it('sends nothing in the clear when STARTTLS is required and the server does not offer it', async () => {
    smtp = await startSmtpReceiver(
      certificate,
      { user: 'alerts', password: SMTP_PASSWORD },
      { noStartTls: true },
    )
    open.push(smtp)
    const report = await deliver(emailChannel(), notice, { retry: FAST })
    expect(report.ok).toBe(false)
    expect(smtp.mails).toHaveLength(0)
    expect(report.attempts.map((attempt) => attempt.error)).toEqual([
      expect.stringMatching(/^SMTP 127\.0\.0\.1:\d+: the TLS handshake failed \(ETLS\)/),
    ])
    expect(JSON.stringify(report)).not.toContain(SMTP_PASSWORD)
  })

  it('refuses a certificate it cannot trust when no ca is given, without retrying', async () => {
    await startSmtp()
    const { ca: _ca, ...rest } = emailChannel() as Extract<Channel, { type: 'email' }>
    const report = await deliver(ChannelSchema.parse(rest), notice, { retry: FAST })
    expect(report.ok).toBe(false)
    expect(report.attempts).toHaveLength(1)
    expect(report.attempts[0]?.error).toMatch(/TLS handshake failed.*self-signed|certificate/i)
    expect(smtp.mails).toHaveLength(0)
  })

  it('accepts that certificate with rejectUnauthorized: false', async () => {
    await startSmtp()
    const { ca: _ca, ...rest } = emailChannel() as Extract<Channel, { type: 'email' }>
    const report = await deliver(ChannelSchema.parse({ ...rest, rejectUnauthorized: false }), notice, {
      retry: FAST,
    })
    expect(report.ok).toBe(true)
    expect(smtp.mails[0]?.secure).toBe(true)
  })

  it('records a refused login once, naming neither the user nor the password', async () => {
    await startSmtp()
    const wrong = 'wrong-pa55-0a1b2c3d'
    const report = await deliver(emailChannel({ password: wrong }), notice, { retry: FAST })
    expect(report.ok).toBe(false)
    expect(report.attempts).toHaveLength(1)
    expect(report.attempts[0]?.error).toMatch(/refused the login \(EAUTH\)/)
    const recorded = JSON.stringify(report)
    for (const secret of [
      wrong,
      Buffer.from(wrong).toString('base64'),
      Buffer.from(`\0alerts\0${wrong}`).toString('base64'),
    ])
      expect(recorded).not.toContain(secret)
  })
})

describe('a dead receiver', () => {
  it("refusing connections is tried the policy's number of times with growing waits, each attempt recorded", async () => {
    const port = await refusedPort()
    const { waits, sleep } = recordingSleep()
    const channel = ChannelSchema.parse({
      type: 'webhook',
      url: `http://127.0.0.1:${port}/hook`,
      secret: WEBHOOK_SECRET,
    })
    const report = await deliver(channel, notice, { retry: FAST, sleep, random: () => 0.5 })
    expect(report.ok).toBe(false)
    expect(report.attempts).toHaveLength(3)
    for (const attempt of report.attempts) {
      expect(attempt.ok).toBe(false)
      expect(attempt.error).toBe(
        `POST http://127.0.0.1:${port}/hook: 127.0.0.1:${port} refused the connection (ECONNREFUSED).`,
      )
      expect(Number.isNaN(Date.parse(attempt.at))).toBe(false)
    }
    // Equal jitter at random 0.5: three quarters of 40 ms, then of 80 ms.
    expect(waits).toEqual([30, 60])
    expect(JSON.stringify(report)).not.toContain(WEBHOOK_SECRET)
  })

  it('answering 500 is retried, and the status of each attempt recorded; a later 200 ends it', async () => {
    const receiver = await http((n) => (n < 3 ? 500 : 200))
    const channel = ChannelSchema.parse({ type: 'slack', url: `${receiver.url}/services/SLACKSECRETPATH` })
    const report = await deliver(channel, notice, { retry: FAST })
    expect(report.ok).toBe(true)
    expect(report.attempts.map((attempt) => [attempt.ok, attempt.status])).toEqual([
      [false, 500],
      [false, 500],
      [true, undefined],
    ])
    expect(report.attempts[0]?.error).toBe(
      `POST the Slack webhook at ${new URL(receiver.url).host} answered 500: receiver is down.`,
    )
    expect(JSON.stringify(report)).not.toContain('SLACKSECRETPATH')
  })

  it('answering 404 is not retried: the request itself was refused', async () => {
    const receiver = await http(() => 404)
    const report = await deliver(ChannelSchema.parse({ type: 'slack', url: `${receiver.url}/x` }), notice, {
      retry: FAST,
    })
    expect(report.attempts).toHaveLength(1)
    expect(report.attempts[0]?.status).toBe(404)
  })

  it('stalling is cut off at the channel timeout on each attempt', async () => {
    const receiver = await http(() => 'stall')
    const channel = ChannelSchema.parse({
      type: 'webhook',
      url: receiver.url,
      secret: WEBHOOK_SECRET,
      timeoutMs: 200,
    })
    const report = await deliver(channel, notice, {
      retry: { attempts: 2, baseDelayMs: 20, maxDelayMs: 100 },
    })
    expect(report.ok).toBe(false)
    expect(report.attempts.map((attempt) => attempt.error)).toEqual([
      `webhook ${receiver.url}/ did not answer within 200 ms.`,
      `webhook ${receiver.url}/ did not answer within 200 ms.`,
    ])
    expect(receiver.received).toHaveLength(2)
  })

  it('does not hold up another channel: the live one is delivered while the dead one still retries', async () => {
    const stalled = await http(() => 'stall')
    const live = await http()
    const dead = ChannelSchema.parse({
      type: 'webhook',
      url: stalled.url,
      secret: WEBHOOK_SECRET,
      timeoutMs: 300,
    })
    const alive = ChannelSchema.parse({ type: 'slack', url: `${live.url}/services/x` })
    let deadDone = false
    const all = deliverAll([dead, alive], notice, {
      retry: { attempts: 3, baseDelayMs: 100, maxDelayMs: 1000 },
    })
    void all.then(() => (deadDone = true))
    await expect.poll(() => live.received.length, { timeout: 5000 }).toBe(1)
    expect(deadDone).toBe(false)
    const [deadReport, liveReport] = await all
    expect(liveReport?.ok).toBe(true)
    expect(deadReport?.attempts).toHaveLength(3)
  })
})
