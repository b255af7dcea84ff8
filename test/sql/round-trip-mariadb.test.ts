import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseCsvFields } from '../helpers/csv.js'
import { guarded, jsFloat, jsonCell, plainDecimal } from '../helpers/value-mappings.js'
import { runQuarry, type CliRun } from '../helpers/cli.js'

/**
 * Issue 12: `quarry run --format csv` against the MariaDB client's batch output (`mariadb --batch`)
 * over a table of every common MariaDB type. Values are equal; where they differ, the difference is
 * one of the documented mappings (src/render/README.md), listed below as EXPECTED_DIFFERENCES.
 */

const TABLE = `quarry_rt_${randomBytes(4).toString('hex')}`
const CLIENT = ['-h', '127.0.0.1', '-P', '3306', '-u', 'root', 'test']
let dir: string

const CREATE = `
  create table ${TABLE} (
    id int primary key,
    tiny tinyint, small smallint, medium mediumint, regular int, big bigint, ubig bigint unsigned,
    num decimal(30,10), r float, d double,
    flag boolean, bits bit(8),
    fixed char(5), t varchar(200), long_text text,
    day date, clock time(6), stamp datetime(6), ts timestamp(6) null default null, yr year,
    j json, bytes varbinary(16), choice enum('a','b-c'), several set('x','y'), id_uuid uuid
  );
  insert into ${TABLE} values
    (1, -128, -32768, -8388608, -2147483648, -9223372036854775808, 0,
     -0.0000000001, 3.14, 0.1, true, b'10100101',
     'ab', 'He said "hi", then,\\nleft', 'tab\\there', '2026-01-15', '23:59:59.5', '2026-01-15 10:30:00.123456',
     '2026-01-15 10:30:00.123456', 2026, '{"a": [1, "x"]}', x'deadbeef', 'a', 'x,y', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'),
    (2, 127, 32767, 8388607, 2147483647, 9223372036854775807, 18446744073709551615,
     99999999999999999999.9999999999, -1.5e-7, 1e21, false, b'0',
     '', '=1+1', '', '1000-01-01', '-838:59:59', '9999-12-31 23:59:59', '1970-01-01 00:00:01', 1901,
     '[]', x'', 'b-c', '', '00000000-0000-0000-0000-000000000000'),
    (3, 0, 0, 0, 0, 0, 1, 12.5, 0, 1e-10, null, null,
     null, '-1', null, null, null, null, null, null, 'null', x'00ff', null, null, null),
    (4, null, null, null, null, null, null, null, null, null, null, null,
     null, '@SUM(A1)', null, null, null, null, null, null, '"text"', null, null, null, null),
    (5, null, null, null, null, null, null, 0.000001, null, null, null, null,
     null, '-9223372036854775808', null, null, null, null, null, null, null, null, null, null, null)
`

/** How a client cell becomes Quarry's, by column, where the documented mappings say they differ. */
const EXPECTED_DIFFERENCES: Readonly<Record<string, (client: string) => string>> = {
  // decimal: a number when ≤ 15 significant digits and no exponent (trailing zeros of the scale go), else the text.
  num: plainDecimal,
  // float/double: the same number, written as JavaScript writes it (an exponent below 1e-6 and from
  // 1e21: 1e+21; the client writes -0.00000015 and 1e21).
  r: jsFloat,
  d: jsFloat,
  // bytes (binary, varbinary, blob, bit): base64 (the client writes the raw bytes).
  bits: (bytes) => Buffer.from(bytes, 'latin1').toString('base64'),
  bytes: (bytes) => Buffer.from(bytes, 'latin1').toString('base64'),
  // datetime: ISO 8601 without a zone; timestamp: ISO 8601 in UTC (both sessions in UTC here).
  stamp: (text) => fraction(text.replace(' ', 'T')),
  ts: (text) => `${fraction(text.replace(' ', 'T'))}Z`,
  // time: the fraction's trailing zeros dropped, as the driver (and PostgreSQL) write it.
  clock: fraction,
  // json: the JSON value as a cell — a string as it is, null empty, an array of scalars joined with
  // ", ", anything else compact JSON.
  j: (text) => jsonCell(JSON.parse(text)),
  // boolean is tinyint(1) in MariaDB: a number, as the client writes it — no difference.
}

/** Fractional seconds without trailing zeros (and without the point when nothing is left). */
function fraction(text: string): string {
  return text.replace(/\.(\d*?)0+(?=$|Z)/, (_, kept: string) => (kept === '' ? '' : `.${kept}`))
}

/** The MariaDB client's batch output: tab-separated, \\t \\n \\\\ \\0 escaped, NULL written as NULL. */
function parseBatch(text: string): (string | null)[][] {
  const unescape = (field: string) =>
    field.replace(/\\(.)/g, (_, c: string) => ({ t: '\t', n: '\n', '0': '\0', '\\': '\\' })[c] ?? c)
  return text
    .replace(/\n$/, '')
    .split('\n')
    .map((line) => line.split('\t').map((field) => (field === 'NULL' ? null : unescape(field))))
}

function quarry(...args: string[]): Promise<CliRun> {
  return runQuarry({ db: join(dir, 'quarry.db'), dir }, ...args)
}

const client = (sql: string) =>
  promisify(execFile)('mariadb', [...CLIENT, '--batch', '-e', sql], { encoding: 'latin1' })

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'quarry-round-trip-'))
  await client(CREATE)
  const added = await quarry(
    'datasource',
    'add',
    'maria',
    '--type',
    'mysql',
    '--url',
    'mysql://root@127.0.0.1:3306/test',
  )
  expect(added.code, added.stderr).toBe(0)
  const query = await quarry(
    'query',
    'add',
    'every',
    '--datasource',
    'maria',
    '--sql',
    `SELECT * FROM ${TABLE} ORDER BY id`,
  )
  expect(query.code, query.stderr).toBe(0)
})
afterAll(async () => {
  await client(`drop table if exists ${TABLE}`)
  rmSync(dir, { recursive: true, force: true })
})

describe('quarry run --format csv against mariadb --batch (issue 12)', () => {
  it('gives every MariaDB type the same values, differing only where a documented mapping says so', async () => {
    // The session in UTC, as Quarry's: TIMESTAMP columns are read in the session's zone.
    const { stdout } = await client(`SET time_zone = '+00:00'; SELECT * FROM ${TABLE} ORDER BY id`)
    const theirs = parseBatch(stdout)
    const run = await quarry('run', 'every', '--format', 'csv')
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    const ours = parseCsvFields(run.stdout)
    const header = (theirs[0] ?? []).map((field) => field ?? '')
    expect(ours[0]?.map((field) => field.text)).toEqual(header)
    expect(ours).toHaveLength(theirs.length)
    for (const [row, record] of theirs.slice(1).entries()) {
      const expected = record.map((field, column) => {
        if (field === null || field === '') return ''
        // Text columns: the client wrote UTF-8 bytes, read here byte for byte.
        const text = Buffer.from(field, 'latin1').toString('utf8')
        const map = EXPECTED_DIFFERENCES[header[column] ?? '']
        const mapped = map ? map(field) : text
        // Text a spreadsheet would run gets the CSV formula guard's "'".
        return guarded(mapped)
      })
      const actual = ours[row + 1]?.map((field) => field.text) ?? []
      expect(Object.fromEntries(header.map((name, i) => [name, actual[i]]))).toEqual(
        Object.fromEntries(header.map((name, i) => [name, expected[i]])),
      )
    }
  }, 60_000)
})
