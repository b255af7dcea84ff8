import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { runBash, type BashRun } from './helpers/doc-blocks.js'
import { freePort } from './helpers/quarry-process.mjs'

const root = new URL('..', import.meta.url)
const readme = readFileSync(new URL('README.md', root), 'utf8')

/** The bash block between `<!-- readme-NAME:start -->` and `<!-- readme-NAME:end -->`. */
function block(name: string): string {
  const start = readme.indexOf(`<!-- readme-${name}:start -->`)
  const end = readme.indexOf(`<!-- readme-${name}:end -->`)
  const match = /```bash\n([\s\S]*?)```/.exec(readme.slice(start, end))
  if (start < 0 || end < 0 || !match) throw new Error(`README has no readme-${name} block`)
  return match[1] as string
}

/** The script, run with bash from the repository's root (everything it started is stopped with it). */
function bash(script: string): Promise<BashRun> {
  return runBash(script, { cwd: root })
}

describe('README', () => {
  it('walks through 3LO with curl exactly as written (only the port differs)', async () => {
    const port = await freePort()
    const script = block('3lo').replaceAll('4455', String(port))
    // Harness only: stop the background simulator even if a step fails.
    const { code, out } = await bash(
      `set -euo pipefail\ntrap 'kill $(jobs -p) 2>/dev/null || true' EXIT\n${script}`,
    )
    expect(code, out).toBe(0)
    expect(out).toMatch(/https:\/\/example\.com\/\?code=code-[\w-]+&state=k9x2/)
    expect(out).toContain('"key":"DEMO-1"')
    expect(out).toContain('rotated')
    expect(out).toContain('{"error":"invalid_grant","error_description":"Unknown or invalid refresh token."}')
    expect(out).toContain('"revokedGrants":1')
  }, 60_000)

  it('runs the Jira guide as written: datasource, converter, query, CSV', async () => {
    const port = await freePort()
    const dir = mkdtempSync(join(tmpdir(), 'quarry-readme-'))
    // Harness only: its own store and key, so the user's data directory is never touched.
    const env = `export QUARRY_SECRET_KEY=${Buffer.alloc(32, 9).toString('base64')} XDG_DATA_HOME=${dir} QUARRY_DATABASE_URL=\n`
    const script = block('run').replaceAll('4456', String(port))
    try {
      const { code, out } = await bash(`set -euo pipefail\n${env}${script}`)
      expect(code, out).toBe(0)
      expect(out).toContain('ok: jira works')
      expect(out).toContain('Issue Key,Description')
      expect(out).toMatch(/DEMO-1,/)
      expect(out).toMatch(/\{"Issue Key":"WEB-\d+"/)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }, 60_000)

  it('keeps the quick start to the two commands, word for word', () => {
    const quick = /## Quick start[\s\S]*?```bash\n([\s\S]*?)```/.exec(readme)?.[1] ?? ''
    const commands = quick
      .split('\n')
      .map((line) => line.replace(/#.*/, '').trim())
      .filter(Boolean)
    expect(commands).toEqual(['bash scripts/demo.sh', 'bash scripts/test.sh'])
    expect(readFileSync(new URL('.ci/run', root), 'utf8')).toContain('bash scripts/test.sh')
  })
})
