/**
 * A Velocity template is never evaluated in the server process (issue 13): the process that
 * imports the server and renders a view with a Velocity template (through dist/, as `quarry serve`
 * runs) loads no module of velocityjs — the engine's files reach the worker's isolate as text. A
 * control run that does require velocityjs shows the check can see it.
 */
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'

const DIST = fileURLToPath(new URL('../../dist/', import.meta.url))

const CHILD = `
import { createRequire, registerHooks } from 'node:module'
const seen = []
registerHooks({
  // Every module the process loads (ESM and require alike); finding velocityjs's entry to read its
  // files as text resolves a path, it loads nothing.
  load(url, context, next) { seen.push(url); return next(url, context) },
})
const dist = process.argv[1]
await import(dist + 'server/app.js')
const { ConverterPool } = await import(dist + 'convert/index.js')
const { renderViewPage } = await import(dist + 'render/view-page.js')
const pool = new ConverterPool({ size: 1 })
const html = await renderViewPage({
  query: 'q', params: [], values: {}, rows: [{ Key: 'QA-1' }, { Key: 'QA-2' }],
  template: { type: 'velocity', source: '#foreach($r in $result)<i>$r.Key</i>#end' },
  now: new Date(), nonce: 'abc', embed: true, urls: { self: '/', refresh: '/', downloads: [] },
  assets: { script: '/s.js', stylesheet: '/s.css' }, sandbox: pool,
})
await pool.close()
if (process.argv[2] === 'control') createRequire(import.meta.url)('velocityjs')
console.log(JSON.stringify({
  rendered: html.includes('<i>QA-1</i><i>QA-2</i>'),
  velocityjs: [...new Set(seen.filter((url) => url.includes('/velocityjs/')))],
}))
`

async function child(mode: 'view' | 'control'): Promise<{ rendered: boolean; velocityjs: string[] }> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--input-type=module', '-e', CHILD, DIST, mode],
    { cwd: DIST, timeout: 60_000 },
  )
  return JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as { rendered: boolean; velocityjs: string[] }
}

describe('the server process and the VTL engine', () => {
  it('renders a Velocity view without loading velocityjs', async () => {
    const run = await child('view')
    expect(run.rendered).toBe(true)
    expect(run.velocityjs).toEqual([])
  }, 60_000)

  it('would see velocityjs if the process loaded it (the check can fail)', async () => {
    const run = await child('control')
    expect(run.rendered).toBe(true)
    expect(run.velocityjs.length).toBeGreaterThan(0)
  }, 60_000)
})
