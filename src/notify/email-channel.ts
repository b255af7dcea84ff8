import type { EmailChannel } from '../domain/alert.js'
import { maskSecrets } from '../domain/secret-mask.js'
import type { ChannelSender } from './channel.js'
import { DeliveryFailure } from './delivery-failure.js'
import { headline, noticeLines, type AlertNotice } from './notice.js'

/** nodemailer's failure codes a later attempt may get past: the server was down, slow or cut the line. */
const TRANSIENT_CODES = new Set(['ECONNECTION', 'ETIMEDOUT', 'ESOCKET', 'EDNS'])

/** The shape nodemailer's errors have (errors.d.ts): a code, the SMTP reply code and text when the server answered. */
interface MailError {
  readonly code?: string
  readonly responseCode?: number
  readonly response?: string
  readonly message?: string
}

/** What of the channel must never appear in a message: the credentials, and AUTH PLAIN/LOGIN's base64 of them. */
export function secretsOf(channel: EmailChannel): string[] {
  const { user, password } = channel
  const plain = [user, password].filter((value): value is string => value !== undefined)
  const encoded = plain.map((value) => Buffer.from(value).toString('base64'))
  const authPlain =
    user !== undefined && password !== undefined
      ? [Buffer.from(`\0${user}\0${password}`).toString('base64')]
      : []
  return [...plain, ...encoded, ...authPlain]
}

/**
 * nodemailer's SMTP transport options for the channel: `tls` connects with TLS from the first byte
 * (port 465, RFC 8314), `starttls` refuses to send unless the server upgrades with STARTTLS (587),
 * `none` sends in the clear and never upgrades (a local relay, a test server). `ca` adds authorities
 * beyond Node's; `rejectUnauthorized: false` accepts any certificate and says so in docs/alerts.md.
 */
export function transportOptions(channel: EmailChannel, timeoutMs: number): Record<string, unknown> {
  return {
    host: channel.host,
    port: channel.port,
    secure: channel.tls === 'tls',
    requireTLS: channel.tls === 'starttls',
    ignoreTLS: channel.tls === 'none',
    tls: {
      rejectUnauthorized: channel.rejectUnauthorized,
      ...(channel.ca === undefined ? {} : { ca: channel.ca }),
    },
    ...(channel.user === undefined ? {} : { auth: { user: channel.user, pass: channel.password ?? '' } }),
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
    // nodemailer logs nothing unless told; say so, so no one turns it on with credentials in the log.
    logger: false,
    debug: false,
  }
}

/**
 * Sends the notice as a plain-text mail. nodemailer is loaded only when a mail is sent, so every other
 * command starts without it (STYLE.md habit 9).
 */
export const sendEmail: ChannelSender<EmailChannel> = async (channel, notice, context) => {
  const { createTransport } = (await import('nodemailer')).default
  const transport = createTransport(transportOptions(channel, context.timeoutMs))
  const mail = { from: channel.from, to: channel.to, subject: headline(notice), text: mailText(notice) }
  try {
    await new Promise<void>((resolve, reject) => {
      const stop = () => reject(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' }))
      if (context.signal.aborted) return stop()
      context.signal.addEventListener('abort', stop, { once: true })
      transport.sendMail(mail).then(
        () => resolve(),
        (error: unknown) => reject(error),
      )
    })
  } catch (error) {
    throw describeMailError(error as MailError, channel, context.timeoutMs)
  } finally {
    transport.close()
  }
}

function mailText(notice: AlertNotice): string {
  return `${noticeLines(notice).join('\n')}\n\n-- \nSent by Quarry because this alert changed state.\n`
}

export function describeMailError(
  error: MailError,
  channel: EmailChannel,
  timeoutMs: number,
): DeliveryFailure {
  const where = `SMTP ${channel.host}:${channel.port}`
  const code = error.code ?? 'no error code'
  const reply = error.responseCode
  const said = maskSecrets(error.response ?? error.message ?? String(error), secretsOf(channel))
  if (code === 'ETIMEDOUT')
    return new DeliveryFailure(`${where} did not answer within ${timeoutMs} ms.`, { retryable: true })
  if (code === 'EAUTH') {
    return new DeliveryFailure(
      `${where} refused the login (EAUTH): ${said}. Check the channel's user and password.`,
      {
        retryable: false,
        ...(reply === undefined ? {} : { status: reply }),
      },
    )
  }
  if (code === 'ETLS' || /certificate|self.signed|SSL|TLS/i.test(said)) {
    return new DeliveryFailure(
      `${where}: the TLS handshake failed (${code}): ${said}. Check the channel's tls mode, its ca, or rejectUnauthorized.`,
      { retryable: false },
    )
  }
  // SMTP reply codes 4xx are transient by definition (RFC 5321 §4.2.1); 5xx are permanent.
  const retryable = reply !== undefined ? reply >= 400 && reply < 500 : TRANSIENT_CODES.has(code)
  return new DeliveryFailure(`${where} failed (${code}${reply === undefined ? '' : ` ${reply}`}): ${said}.`, {
    retryable,
    ...(reply === undefined ? {} : { status: reply }),
  })
}
