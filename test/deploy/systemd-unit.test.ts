import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, symlinkSync, writeFileSync, mkdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ENVIRONMENT } from '../../src/domain/environment.js'
import { deployBlock, execStart, settings, templated } from './deploy-doc.js'

/**
 * Issue 19: the systemd unit in docs/reverse-proxy.md is one systemd accepts. `systemd-analyze
 * verify` reads the unit as systemd would and checks that ExecStart's program exists, so the unit
 * is written to a directory of the test's own with ExecStart and EnvironmentFile pointing into it
 * (ExecStart at the repository's real `bin/quarry.js`); nothing else of the unit changes.
 */

const SYSTEMD_ANALYZE = '/usr/bin/systemd-analyze'
const QUARRY = new URL('../../bin/quarry.js', import.meta.url).pathname
const unit = deployBlock('systemd')
const environment = deployBlock('environment')
let dir: string

beforeAll(() => {
  if (!existsSync(SYSTEMD_ANALYZE)) {
    throw new Error(
      `${SYSTEMD_ANALYZE} is missing: apt-get install -y systemd (bash scripts/test.sh installs it through scripts/test-tools.sh)`,
    )
  }
  dir = mkdtempSync(join(tmpdir(), 'quarry-systemd-'))
  mkdirSync(join(dir, 'bin'))
  symlinkSync(QUARRY, join(dir, 'bin', 'quarry'))
  writeFileSync(join(dir, 'quarry.env'), environment, { mode: 0o600 })
})
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true })
})

/**
 * Writes `text` as a template unit (`file`) in the test's directory, ExecStart running `program`
 * there, and verifies its instance 8080.
 */
function verify(
  text: string,
  file = 'quarry@.service',
  program = 'quarry',
): { code: number | null; stderr: string } {
  const local = templated(text, {
    '/usr/local/bin/quarry ': `${join(dir, 'bin', program)} `,
    'EnvironmentFile=/etc/quarry/quarry.env': `EnvironmentFile=${join(dir, 'quarry.env')}`,
  })
  writeFileSync(join(dir, file), local)
  const run = spawnSync(SYSTEMD_ANALYZE, ['verify', join(dir, file.replace('@.', '@8080.'))], {
    encoding: 'utf8',
  })
  return { code: run.status, stderr: run.stderr }
}

describe('the documented systemd unit', () => {
  it('passes systemd-analyze verify without a warning', () => {
    const { code, stderr } = verify(unit)
    expect(stderr).toBe('')
    expect(code).toBe(0)
  })

  it('is checked for real: verify reports a misspelt setting and a missing program', () => {
    const misspelt = verify(unit.replace('NoNewPrivileges=yes', 'NoNewPrivilege=yes'), 'misspelt@.service')
    expect(misspelt.stderr).toContain("Unknown key 'NoNewPrivilege'")
    const missing = verify(unit, 'missing@.service', 'quarry-gone')
    expect(missing.code).not.toBe(0)
    expect(missing.stderr).toContain('quarry-gone')
  })

  it('runs as its own user, hardened, with secrets from an environment file and only its data directory writable', () => {
    const set = new Map(settings(unit))
    expect(set.get('User')).toBe('quarry')
    expect(set.get('NoNewPrivileges')).toBe('yes')
    expect(set.get('ProtectSystem')).toBe('strict')
    expect(set.get('Restart')).toBe('on-failure')
    expect(set.get('EnvironmentFile')).toBe('/etc/quarry/quarry.env')
    // The data directory (the SQLite store and the key file) is $XDG_DATA_HOME/quarry.
    const dataHome = /^XDG_DATA_HOME=(.+)$/.exec(set.get('Environment') ?? '')?.[1]
    expect(set.get('ReadWritePaths')).toBe(`${dataHome}/quarry`)
    expect(execStart(unit).slice(1, 2)).toEqual(['serve'])
  })

  it('names only variables Quarry reads in its environment file, the secret ones', () => {
    const names = settings(environment).map(([name]) => name)
    expect(names).toEqual(['QUARRY_DATABASE_URL', 'QUARRY_SECRET_KEY'])
    for (const name of names) expect(ENVIRONMENT[name as keyof typeof ENVIRONMENT].secret).toBe(true)
  })
})
