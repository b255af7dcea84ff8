import { readdirSync, readFileSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'

/**
 * The corpus of PocketQuery's documented converters (test/fixtures/pocketquery-converters):
 * each `NAME.js` runs unchanged over the `input` of `NAME.json`, with its `params`, as a
 * query named `pq-NAME`, and must give its `rows`.
 */
export interface PqCase {
  readonly name: string
  readonly query: string
  readonly file: string
  readonly source: string
  readonly params: Readonly<Record<string, string>>
  readonly input: unknown
  readonly rows: readonly Record<string, unknown>[]
}

const DIR = new URL('../fixtures/pocketquery-converters/', import.meta.url).pathname

export const PQ_CASES: readonly PqCase[] = readdirSync(DIR)
  .filter((file) => file.endsWith('.js'))
  .sort()
  .map((file) => {
    const name = file.slice(0, -3)
    const spec = JSON.parse(readFileSync(`${DIR}${name}.json`, 'utf8')) as Omit<
      PqCase,
      'name' | 'query' | 'file' | 'source'
    >
    return { name, query: `pq-${name}`, file: DIR + file, source: readFileSync(DIR + file, 'utf8'), ...spec }
  })

/** A REST path for the case that mentions each of its parameters as `:name`. */
export function pqPath(c: PqCase): string {
  const names = Object.keys(c.params)
  return names.length === 0 ? `/${c.name}` : `/${c.name}?${names.map((n) => `${n}=:${n}`).join('&')}`
}

/** A local API answering `/NAME` with that case's input JSON (query strings are ignored). */
export async function startPqApi(): Promise<{ url: string; close(): Promise<void> }> {
  const byName = new Map(PQ_CASES.map((c) => [c.name, JSON.stringify(c.input)]))
  const server = createServer((req, res) => {
    const name = new URL(req.url ?? '/', 'http://local').pathname.slice(1)
    const body = byName.get(name)
    if (body === undefined) {
      res.writeHead(404).end()
      return
    }
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) })
    res.end(body)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}
