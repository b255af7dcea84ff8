import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, expect, test } from 'vitest'
import { runQuarry } from '../helpers/cli.js'

/**
 * Issue 19: `quarry secrets rotate-key` through the built CLI, with the key in the key file: the new
 * key replaces it (the old one kept beside it), the store works with the new key at once, and after
 * --finish the old key opens nothing. (test/store/rotate-key.test.ts drives a second process through
 * a rotation on PostgreSQL.)
 */

let dir: string
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'quarry-rotate-cli-'))
})
afterEach(() => {
  rmSync(dir, { recursive: true, force: true })
})

test('rotates the key in the key file, and --finish retires the old key', async () => {
  const where = { db: join(dir, 'quarry.db'), dir, env: { QUARRY_SECRET_KEY: '' } }
  const keyFile = join(dir, 'quarry', 'secret.key')
  const added = await runQuarry(
    where,
    'datasource',
    'add',
    'api',
    '--url',
    'https://example.com',
    '--token',
    'tok-1',
    '--auth',
    'bearer',
  )
  expect(added.code, added.stderr).toBe(0)
  const oldKey = readFileSync(keyFile, 'utf8')

  const rotated = await runQuarry(where, 'secrets', 'rotate-key')
  expect(rotated.code, rotated.stderr).toBe(0)
  expect(rotated.stdout).toMatch(
    /^Rotated the secret key from [0-9a-f]{8} to [0-9a-f]{8}: resealed 1 datasources/,
  )
  expect(readFileSync(`${keyFile}.old`, 'utf8')).toBe(oldKey)
  expect(readFileSync(keyFile, 'utf8')).not.toBe(oldKey)
  expect(statSync(keyFile).mode & 0o777).toBe(0o600)
  expect((await runQuarry(where, 'datasource', 'list')).stdout).toContain('api')

  const finished = await runQuarry(where, 'secrets', 'rotate-key', '--finish')
  expect(finished.code, finished.stderr).toBe(0)
  const withOld = await runQuarry(
    { ...where, env: { QUARRY_SECRET_KEY: oldKey.trim() } },
    'datasource',
    'list',
  )
  expect(withOld.code).toBe(2)
  expect(withOld.stderr).toContain('(QUARRY_SECRET_KEY_MISMATCH)')
})

test('asks where the new key goes when QUARRY_SECRET_KEY holds the key', async () => {
  const where = { db: join(dir, 'quarry.db'), dir }
  expect((await runQuarry(where, 'datasource', 'add', 'api', '--url', 'https://example.com')).code).toBe(0)
  const refused = await runQuarry(where, 'secrets', 'rotate-key')
  expect(refused.code).toBe(2)
  expect(refused.stderr).toContain('say where the new key goes: --new-key-file FILE')
  const newKeyFile = join(dir, 'new.key')
  const rotated = await runQuarry(where, 'secrets', 'rotate-key', '--new-key-file', newKeyFile)
  expect(rotated.code, rotated.stderr).toBe(0)
  const withNew = await runQuarry(
    { ...where, env: { QUARRY_SECRET_KEY: readFileSync(newKeyFile, 'utf8').trim() } },
    'datasource',
    'list',
  )
  expect(withNew.stdout).toContain('api')
})
