import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseCsvFields, type CsvField } from '../helpers/csv.js'
import { guarded, jsFloat, jsonCell, plainDecimal } from '../helpers/value-mappings.js'
import { createTestSchema, testDatabaseUrl, type TestSchema } from '../helpers/postgres.js'
import { runQuarry, type CliRun } from '../helpers/cli.js'

/**
 * Issue 12: `quarry run --format csv` against `psql \copy (SELECT …) TO STDOUT WITH CSV HEADER` over a
 * table of every common PostgreSQL type. Values are equal; where they differ, the difference is one
 * of the documented mappings (src/render/README.md), listed below as EXPECTED_DIFFERENCES.
 */

let dir: string
let pg: TestSchema

const TABLE = `
  create table every_type (
    id int primary key,
    small smallint, int4 integer, big bigint,
    num numeric(30,10), free_num numeric,
    r real, d double precision,
    t text, flag boolean,
    day date, clock time, stamp timestamp(6), zoned timestamptz, span interval,
    j json, jb jsonb, bytes bytea, id_uuid uuid,
    ints int[], texts text[]
  );
  insert into every_type values
    (1, -32768, -2147483648, -9223372036854775808, -0.0000000001, 12345678901234567890.123456789,
     3.14, 0.1, 'He said "hi", then,
left', true, '2026-01-15', '23:59:59.5', '2026-01-15 10:30:00.123456', '2026-01-15 10:30:00.123456+02',
     '-1 mons', '{"a": [1, "x"]}', '{"b": 2, "a": 1}', '\\xdeadbeef', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
     '{1,2,3}', '{"a b","c,d"}'),
    (2, 32767, 2147483647, 9223372036854775807, 99999999999999999999.9999999999, 12.50,
     'NaN', 'Infinity', '=1+1', false, '0001-01-01', '00:00:00', '1999-12-31 23:59:59', '2000-01-01 00:00:00+00',
     '-1 days -02:03:04', '[]', '"text"', '\\x', '00000000-0000-0000-0000-000000000000',
     '{}', '{}'),
    (3, 0, 0, 0, 0, 0.000001,
     '-Infinity', 1e-10, '-1 mons', false, '2026-02-28', '12:00:00', '2026-01-15 10:30:00', '2026-07-01 12:00:00-07',
     '1 year 2 mons 3 days 04:05:06.789', 'null', '{"nested": {"deep": [true, false, null]}}', '\\x00ff', 'ffffffff-ffff-ffff-ffff-ffffffffffff',
     '{-1,NULL}', '{"",NULL}'),
    (4, null, null, null, null, 1e21, 1e-5, 1e21, '@SUM(A1)', null, null, null, null, null, null, null, null, null, null, null, null),
    (5, null, null, null, -12.5, -0.0000001, -0, -0, '', null, null, null, null, null, '00:00:00', null, null, null, null, null, null),
    (6, null, null, null, null, null, null, null, '+1', null, null, null, null, null, null, null, null, null, null, null, null),
    (7, null, null, null, null, null, null, null, '-9223372036854775808', null, null, null, null, null, null, null, null, null, null, null, null),
    (8, null, null, null, null, null, null, null, '  padded  ', null, null, null, null, null, null, null, null, null, null, null, null)
`

/** How a psql cell becomes Quarry's, by column, where the documented mappings say they differ. */
const EXPECTED_DIFFERENCES: Readonly<Record<string, (psql: string) => string>> = {
  // numeric: a number when ≤ 15 significant digits and no exponent (trailing zeros of the scale go), else the text.
  num: plainDecimal,
  free_num: plainDecimal,
  // real/double: the same number, written as JavaScript writes it (exponent below 1e-6 and from
  // 1e21; PostgreSQL's below 1e-4: 1e-05 is 0.00001); NaN and ±Infinity by name.
  r: jsFloat,
  d: jsFloat,
  // boolean: true/false, as JSON writes it.
  flag: (text) => ({ t: 'true', f: 'false' })[text] ?? text,
  // timestamp: ISO 8601 without a zone.
  stamp: (text) => text.replace(' ', 'T'),
  // timestamptz: ISO 8601 in UTC (psql runs with PGTZ=UTC here), every fractional digit kept.
  zoned: (text) => text.replace(' ', 'T').replace(/\+00$/, 'Z'),
  // json/jsonb: the JSON value as a cell — a string as it is, null empty, an array of scalars joined
  // with ", ", anything else compact JSON.
  j: (text) => jsonCell(JSON.parse(text)),
  jb: (text) => jsonCell(JSON.parse(text)),
  // bytea: base64 (psql writes hex, \x…).
  bytes: (text) => Buffer.from(text.slice(2), 'hex').toString('base64'),
  // arrays of scalars: the items joined with ", " (NULL items empty); PostgreSQL writes {…} literals.
  ints: (text) => arrayItems(text).join(', '),
  texts: (text) => arrayItems(text).join(', '),
  // text: the CSV formula guard prefixes text a spreadsheet would run with "'".
  t: guarded,
}

/** The items of a one-dimensional PostgreSQL array literal (as psql writes it), NULL as ''. */
function arrayItems(literal: string): string[] {
  const inner = literal.slice(1, -1)
  if (inner === '') return []
  return [...inner.matchAll(/"((?:[^"\\]|\\.)*)"|([^,]+)/g)].map(([, quoted, bare]) =>
    quoted !== undefined ? quoted.replace(/\\(.)/g, '$1') : bare === 'NULL' ? '' : (bare ?? ''),
  )
}

function quarry(...args: string[]): Promise<CliRun> {
  return runQuarry({ db: join(dir, 'quarry.db'), dir }, ...args)
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'quarry-round-trip-'))
  pg = await createTestSchema()
  await pg.pool.query(TABLE)
  const added = await quarry('datasource', 'add', 'pg', '--type', 'postgres', '--url', pg.url)
  expect(added.code, added.stderr).toBe(0)
  const query = await quarry(
    'query',
    'add',
    'every',
    '--datasource',
    'pg',
    '--sql',
    'SELECT * FROM every_type ORDER BY id',
  )
  expect(query.code, query.stderr).toBe(0)
})
afterAll(async () => {
  await pg?.drop()
  rmSync(dir, { recursive: true, force: true })
})

describe('quarry run --format csv against psql \\copy … CSV (issue 12)', () => {
  it('gives every PostgreSQL type the same values, differing only where a documented mapping says so', async () => {
    const { stdout: psqlCsv } = await promisify(execFile)(
      'psql',
      [
        '-X',
        '-q',
        '-v',
        'ON_ERROR_STOP=1',
        testDatabaseUrl(),
        '-c',
        `\\copy (SELECT * FROM every_type ORDER BY id) TO STDOUT WITH CSV HEADER`,
      ],
      { env: { ...process.env, PGTZ: 'UTC', PGOPTIONS: `-c search_path=${pg.schema}` } },
    )
    const run = await quarry('run', 'every', '--format', 'csv')
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    const theirs = parseCsvFields(psqlCsv)
    const ours = parseCsvFields(run.stdout)
    const header = (theirs[0] ?? []).map((field) => field.text)
    expect(ours[0]?.map((field) => field.text)).toEqual(header)
    expect(ours).toHaveLength(theirs.length)
    const expected = theirs.slice(1).map((record) =>
      record.map((field: CsvField, column) => {
        // NULL (unquoted empty) and '' are both an empty cell.
        if (field.text === '') return ''
        const map = EXPECTED_DIFFERENCES[header[column] ?? '']
        return map ? map(field.text) : field.text
      }),
    )
    const actual = ours.slice(1).map((record) => record.map((field) => field.text))
    for (const [row, values] of expected.entries()) {
      expect(Object.fromEntries(header.map((name, i) => [name, actual[row]?.[i]]))).toEqual(
        Object.fromEntries(header.map((name, i) => [name, values[i]])),
      )
    }
  }, 60_000)

  it('keeps NUMERIC and BIGINT text in JSON: no exponent, no rounding', async () => {
    const run = await quarry('run', 'every', '--format', 'json', '--columns', 'id,big,num,free_num')
    expect(run.code, run.stderr).toBe(0)
    expect(run.stdout.split('\n').slice(1, 4)).toEqual([
      '{"id":1,"big":"-9223372036854775808","num":"-0.0000000001","free_num":"12345678901234567890.123456789"},',
      '{"id":2,"big":"9223372036854775807","num":"99999999999999999999.9999999999","free_num":12.5},',
      '{"id":3,"big":0,"num":0,"free_num":0.000001},',
    ])
  }, 60_000)
})
