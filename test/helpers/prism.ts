import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { freePort } from './quarry-process.mjs'

/**
 * The operations of Atlassian's Jira Cloud platform OpenAPI document that the simulator serves,
 * copied unchanged with the schemas they reference (scripts/extract-jira-schemas.mjs; docs/atlassian.md).
 */
export const JIRA_OPENAPI = fileURLToPath(new URL('../fixtures/jira-openapi-subset.json', import.meta.url))

export interface RunningPrism {
  readonly url: string
  close(): Promise<void>
}

/**
 * Stoplight Prism in proxy mode over an OpenAPI document: it forwards each request to
 * `upstream` and checks the request and the upstream's response against the document. A
 * violation shows in the `sl-violations` response header (see violationsOf).
 */
export async function startPrismProxy(document: string, upstream: string): Promise<RunningPrism> {
  if (!existsSync(document)) {
    throw new Error(
      `The OpenAPI document ${document} is missing: Prism validation needs it (docs/atlassian.md).`,
    )
  }
  const port = await freePort()
  const bin = fileURLToPath(new URL('../../node_modules/.bin/prism', import.meta.url))
  const child = spawn(
    bin,
    ['proxy', document, upstream, '--port', String(port), '--host', '127.0.0.1', '--errors', 'false'],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  let log = ''
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`Prism did not start within 60 s:\n${log}`)), 60_000)
    const seen = (chunk: Buffer) => {
      log += chunk.toString()
      if (log.includes('Prism is listening')) {
        clearTimeout(timer)
        resolve()
      }
    }
    child.stdout.on('data', seen)
    child.stderr.on('data', seen)
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`Prism exited (${code}) before listening:\n${log}`))
    })
  })
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve()
        child.once('exit', () => resolve())
        child.kill('SIGTERM')
      }),
  }
}

/** The violations Prism found in a request or its response, from its `sl-violations` header. */
export function violationsOf(
  response: Response,
): { location: string[]; severity: string; message: string }[] {
  const header = response.headers.get('sl-violations')
  return header ? (JSON.parse(header) as { location: string[]; severity: string; message: string }[]) : []
}
