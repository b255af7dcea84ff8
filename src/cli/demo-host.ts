import { createServer, type Server } from 'node:http'
import { escapeHtml } from '../render/html-format.js'
import { embedSnippet } from '../render/view-page.js'

/** A running sample host site: its origin, and how to stop it. */
export interface DemoHost {
  readonly url: string
  close(): Promise<void>
}

/**
 * A tiny "team wiki" page on another origin (another loopback port) that embeds a view with the
 * snippet the admin UI gives, so `quarry demo` shows embedding working out of the box: the browser
 * treats another port as another site, exactly as it would a real wiki.
 *
 * @example
 * const host = await startDemoHost({ port: 8081, quarryUrl: 'http://127.0.0.1:8080', query: 'jira-issues' })
 * // host.url === 'http://127.0.0.1:8081'
 */
export async function startDemoHost(options: {
  readonly port: number
  readonly quarryUrl: string
  readonly query: string
}): Promise<DemoHost> {
  const page =
    '<!doctype html>\n<html lang="en">\n<head><meta charset="utf-8"><title>Team wiki (Quarry demo)</title></head>\n' +
    '<body>\n<main>\n<h1>Team wiki</h1>\n' +
    '<p>This page is another site (another port, so another origin). The view below is embedded with ' +
    'the snippet from the query’s page in the admin UI; this origin is allowed to embed views. To embed ' +
    `on your own site, list its origin under Embedding in the admin UI (<a href="${escapeHtml(options.quarryUrl)}/admin/embedding">` +
    `${escapeHtml(options.quarryUrl)}/admin/embedding</a>).</p>\n` +
    `${embedSnippet(options.quarryUrl, options.query)}\n</main>\n</body>\n</html>\n`
  const server: Server = createServer((request, response) => {
    if (request.method !== 'GET' || (request.url ?? '/') !== '/') {
      response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not found\n')
      return
    }
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page)
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port, '127.0.0.1', () => resolve())
  })
  const address = server.address()
  const port = typeof address === 'object' && address !== null ? address.port : options.port
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}
