import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { SMTPServer } from 'smtp-server'

/** Receivers the alert tests start on loopback: an HTTP endpoint, an SMTP server with STARTTLS. */

export interface Received {
  readonly headers: IncomingMessage['headers']
  readonly body: string
  readonly path: string
}

export interface HttpReceiver {
  readonly url: string
  readonly received: Received[]
  /** Connections accepted (also the ones it never answers). */
  readonly connections: () => number
  close(): Promise<void>
}

/**
 * An HTTP receiver that answers each POST with what `answer` says: a status, or 'stall' to keep the
 * request open forever (a hung receiver).
 */
export async function startHttpReceiver(
  answer: (n: number) => number | 'stall' = () => 200,
): Promise<HttpReceiver> {
  const received: Received[] = []
  const sockets = new Set<Socket>()
  let connections = 0
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => {
      received.push({
        headers: request.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        path: request.url ?? '',
      })
      const reply = answer(received.length)
      if (reply === 'stall') return
      response.writeHead(reply, { 'content-type': 'text/plain' }).end(reply < 300 ? 'ok' : 'receiver is down')
    })
  })
  server.on('connection', (socket) => {
    connections++
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    connections: () => connections,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resolve())
      }),
  }
}

/** A loopback port nothing listens on: connections to it are refused. */
export async function refusedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

/** A self-signed certificate for 127.0.0.1, made now (openssl), valid one day. */
export function testCertificate(): { key: string; cert: string } {
  const dir = mkdtempSync(join(tmpdir(), 'quarry-smtp-tls-'))
  try {
    execFileSync(
      'openssl',
      [
        ...['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'],
        ...['-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1'],
        ...['-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'],
      ],
      { stdio: 'ignore' },
    )
    return {
      key: readFileSync(join(dir, 'key.pem'), 'utf8'),
      cert: readFileSync(join(dir, 'cert.pem'), 'utf8'),
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

export interface Mail {
  readonly from: string
  readonly to: string[]
  /** The message as sent (headers and body). */
  readonly raw: string
  /** Whether the session had been upgraded with STARTTLS when the mail came. */
  readonly secure: boolean
  readonly user: string | undefined
}

export interface SmtpReceiver {
  readonly port: number
  readonly mails: Mail[]
  close(): Promise<void>
}

/**
 * An SMTP server offering STARTTLS with `certificate` and a login (user, password); `implicitTls`
 * speaks TLS from the first byte (port 465's way) instead, `noStartTls` refuses STARTTLS (a server without TLS).
 */
export async function startSmtpReceiver(
  certificate: { key: string; cert: string },
  login: { user: string; password: string },
  options: {
    readonly implicitTls?: boolean
    readonly noStartTls?: boolean
    /** Told of each mail as it arrives, with how many have come so far (1 for the first). */
    readonly onMail?: (mail: Mail, count: number) => void
  } = {},
): Promise<SmtpReceiver> {
  const mails: Mail[] = []
  const server = new SMTPServer({
    secure: options.implicitTls === true,
    ...(options.noStartTls === true ? { disabledCommands: ['STARTTLS'] } : {}),
    // Without TLS, a login in the clear is allowed here so that only the client's rule can refuse it.
    allowInsecureAuth: options.noStartTls === true,
    key: certificate.key,
    cert: certificate.cert,
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === login.user && auth.password === login.password)
        callback(null, { user: auth.username })
      else callback(new Error('Invalid username or password'))
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = []
      stream.on('data', (chunk: Buffer) => chunks.push(chunk))
      stream.on('end', () => {
        const mail: Mail = {
          from: session.envelope.mailFrom === false ? '' : session.envelope.mailFrom.address,
          to: session.envelope.rcptTo.map((rcpt) => rcpt.address),
          raw: Buffer.concat(chunks).toString('utf8'),
          secure: session.secure,
          user: session.user as string | undefined,
        }
        mails.push(mail)
        options.onMail?.(mail, mails.length)
        callback()
      })
    },
  })
  // A client that gives up mid-handshake is the test's doing, not a failure of the receiver.
  server.on('error', () => undefined)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.server.address() as AddressInfo
  return { port, mails, close: () => new Promise<void>((resolve) => server.close(() => resolve())) }
}

/** A mail's body, its quoted-printable (RFC 2045 §6.7) undone when it is sent so. */
export function mailBody(raw: string): string {
  const split = raw.indexOf('\r\n\r\n')
  const body = raw.slice(split + 4)
  if (!/^Content-Transfer-Encoding: quoted-printable/im.test(raw.slice(0, split)))
    return body.replace(/\r\n/g, '\n')
  return body
    .replace(/=\r\n/g, '')
    .replace(/=([0-9A-F]{2})/g, (_match, hex: string) => String.fromCharCode(parseInt(hex, 16)))
    .replace(/\r\n/g, '\n')
}

/** A mail's Subject header, unfolded, its encoded words (RFC 2047 §4.2, Q encoding) decoded. */
export function mailSubject(raw: string): string {
  const headers = raw.slice(0, raw.indexOf('\r\n\r\n')).replace(/\r\n[ \t]/g, ' ')
  const subject = /^Subject: (.*)$/m.exec(headers)?.[1] ?? ''
  return subject.replace(/\?=\s+=\?/g, '?==?').replace(/=\?UTF-8\?Q\?(.*?)\?=/gi, (_match, text: string) =>
    Buffer.from(
      text
        .replace(/_/g, ' ')
        .replace(/=([0-9A-F]{2})/gi, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16))),
      'latin1',
    ).toString('utf8'),
  )
}
