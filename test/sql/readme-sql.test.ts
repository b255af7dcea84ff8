import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

const root = new URL('../..', import.meta.url)
const readme = readFileSync(new URL('README.md', root), 'utf8')

/** The README's `readme-sql` bash block. */
function block(name: string): string {
  const start = readme.indexOf(`<!-- readme-${name}:start -->`)
  const end = readme.indexOf(`<!-- readme-${name}:end -->`)
  const match = /```bash\n([\s\S]*?)```/.exec(readme.slice(start, end))
  if (start < 0 || end < 0 || !match) throw new Error(`README has no readme-${name} block`)
  return match[1] as string
}

describe('README: SQL datasources', () => {
  it('adds a PostgreSQL datasource and a SQL query, and runs it to CSV as written', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'quarry-readme-sql-'))
    // Harness only: its own store and key, so the user's data directory is never touched.
    const env = `export QUARRY_SECRET_KEY=${Buffer.alloc(32, 9).toString('base64')} XDG_DATA_HOME=${dir} QUARRY_DATABASE_URL=\n`
    try {
      const { code, out } = await new Promise<{ code: number | null; out: string }>((resolve) => {
        const child = spawn('bash', ['-c', `set -euo pipefail\n${env}${block('sql')}`], {
          cwd: root,
          stdio: ['ignore', 'pipe', 'pipe'],
        })
        let out = ''
        child.stdout.on('data', (chunk) => (out += chunk))
        child.stderr.on('data', (chunk) => (out += chunk))
        child.on('exit', (exit) => resolve({ code: exit, out }))
      })
      expect(code, out).toBe(0)
      expect(out).toMatch(/ok: pg works \(PostgreSQL \d+/)
      expect(out).toContain('table_name,table_type\r\npg_stat_activity,VIEW\r\n')
      expect(out).toContain("note: Stopped at 5 rows (the query's maxRows); the query returns more.")
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }, 60_000)
})
