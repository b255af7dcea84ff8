import { spawn, type ChildProcess } from 'node:child_process'
import { Agent, request } from 'undici'

/** A process the test started, with everything it printed so far. */
export interface Started {
  readonly child: ChildProcess
  /** stdout and stderr as printed, interleaved. */
  output(): string
  /** Resolves once the output contains `text`; rejects when the process exits first. */
  waitFor(text: string): Promise<void>
  /** SIGTERM, and resolves once it exited (at once when it has). */
  stop(): Promise<void>
}

/** Starts `command` with `args`, collecting its output; `uid`/`gid` run it as another user. */
export function start(
  command: string,
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; uid?: number; gid?: number } = {},
): Started {
  const child = spawn(command, args, {
    env: options.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(options.uid === undefined ? {} : { uid: options.uid, gid: options.gid }),
  })
  let output = ''
  const listeners = new Set<() => void>()
  const seen = (chunk: Buffer) => {
    output += chunk.toString()
    for (const listener of listeners) listener()
  }
  child.stdout?.on('data', seen)
  child.stderr?.on('data', seen)
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  return {
    child,
    output: () => output,
    waitFor(text) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (!output.includes(text)) return
          listeners.delete(check)
          resolve()
        }
        listeners.add(check)
        check()
        void exited.then(() => {
          if (!output.includes(text)) {
            reject(
              new Error(
                `${command} ${args.join(' ')} exited (${child.exitCode}) before printing "${text}":\n${output}`,
              ),
            )
          }
        })
      })
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return
      child.kill('SIGTERM')
      await exited
    },
  }
}

/** What came back: status, headers and the whole body as text. */
export interface Answer {
  readonly status: number
  readonly headers: Record<string, string | string[] | undefined>
  readonly text: string
}

/**
 * A client of the proxy as a browser would be: its own loopback address (so the servers can tell
 * visitors apart), the test's certificate authority, a cookie jar, the session's CSRF token on
 * state changes and an Origin header naming the page it is on. Every answer is kept in `answers`.
 */
export class Visitor {
  readonly #agent: Agent
  readonly #cookies = new Map<string, string>()
  csrf = ''
  /** Every answer's Location and body, in order, shared by the visitors of one test. */
  readonly answers: string[]

  readonly base: string

  constructor(base: string, address: string, ca: string, answers: string[]) {
    this.base = base
    // undici takes the local address as the client's option, not the connector's.
    this.#agent = new Agent({ connect: { ca }, localAddress: address })
    this.answers = answers
  }

  async send(
    method: string,
    path: string,
    options: { json?: unknown; form?: Record<string, string>; headers?: Record<string, string> } = {},
  ): Promise<Answer> {
    const headers: Record<string, string> = { ...options.headers }
    if (this.#cookies.size > 0)
      headers.cookie = [...this.#cookies].map(([name, value]) => `${name}=${value}`).join('; ')
    let body: string | undefined
    if (method !== 'GET') {
      headers.origin = new URL(this.base).origin
      if (this.csrf !== '') headers['x-csrf-token'] = this.csrf
    }
    if (options.json !== undefined) {
      headers['content-type'] = 'application/json'
      body = JSON.stringify(options.json)
    } else if (options.form !== undefined) {
      headers['content-type'] = 'application/x-www-form-urlencoded'
      body = new URLSearchParams(options.form).toString()
    }
    const response = await request(new URL(path, this.base), {
      method: method as 'GET',
      headers,
      body,
      dispatcher: this.#agent,
    })
    const text = await response.body.text()
    for (const cookie of setCookies(response.headers)) {
      const [pair = ''] = cookie.split(';')
      const at = pair.indexOf('=')
      this.#cookies.set(pair.slice(0, at), pair.slice(at + 1))
    }
    this.answers.push(`${String(response.headers.location ?? '')}\n${text}`)
    return { status: response.statusCode, headers: response.headers, text }
  }

  close(): Promise<void> {
    return this.#agent.close()
  }
}

/** The Set-Cookie headers of an answer, as a list. */
export function setCookies(headers: Answer['headers']): string[] {
  const value = headers['set-cookie']
  return value === undefined ? [] : Array.isArray(value) ? value : [value]
}
