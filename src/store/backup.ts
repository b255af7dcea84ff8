import { createHash } from 'node:crypto'
import { open, readFile, rename, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { sql, type Kysely } from 'kysely'
import { StoreError } from './errors.js'
import { KEY_FILE_NAME, createKeyFile, ensureDataDir, readKeyFile } from './key-file.js'
import {
  MIGRATION_TABLES,
  appliedMigrations,
  migrateWithin,
  migrationNames,
  type Dialect,
} from './migrations.js'
import { retryWhileBusy } from './retry.js'
import type { Database } from './schema.js'
import { KEY_CHECK_ROW, loadSecretBox, opensKeyCheck } from './secret-key.js'
import { SecretBox, envelopeKeyId, parseSecretKey } from './secrets.js'
import type { StoreConnection } from './index.js'

/**
 * `quarry backup` and `quarry restore`: one portable file for both dialects. Line 1 is a header (the
 * migrations the store had run, the id of the key its secrets are sealed with, and the key itself
 * only when asked for); then one JSON line per row, `{"t":table,"r":row}`; the last line is a trailer
 * with the row count and the SHA-256 of every line before it, so a cut-off or altered file is refused
 * before anything is restored. Secrets stay sealed in the file exactly as they are in the store.
 */
export const BACKUP_FORMAT = 'quarry-backup'
const BACKUP_VERSION = 1

/**
 * What a backup leaves out: state that expires on its own or is rebuilt — the response cache, browser
 * sessions, half-finished consents, leases and rate-limit counters. A restored store signs everyone
 * out and starts with a cold cache; nothing else is lost.
 */
const TRANSIENT_TABLES: ReadonlySet<string> = new Set([
  'cache',
  'sessions',
  'consent_states',
  'leases',
  'rate_limits',
  ...MIGRATION_TABLES,
])

type Row = Record<string, unknown>

export interface BackupHeader {
  readonly format: typeof BACKUP_FORMAT
  readonly version: number
  readonly createdAt: string
  /** The dialect it was written from (a restore may go to the other one). */
  readonly dialect: Dialect
  /** The migrations the store had run, oldest first: the schema the rows have. */
  readonly migrations: readonly string[]
  /** The id of the key the secrets are sealed with; null for a store that never sealed one. */
  readonly keyId: string | null
  /** The key itself, only with `--include-key`. */
  readonly key?: string
  /** The tables the file has rows for, parents first. */
  readonly tables: readonly string[]
}

export interface BackupSummary {
  readonly path: string
  readonly keyId: string | null
  readonly includesKey: boolean
  readonly rows: Readonly<Record<string, number>>
}

/**
 * Writes a backup of the store behind `connection` to `path` (mode 0600, through a temporary file
 * renamed into place, so a failed backup never leaves a half file under the chosen name). Every table
 * is read inside one read-only snapshot — a SQLite read transaction on its WAL, PostgreSQL's
 * REPEATABLE READ — so the file is consistent while servers keep writing.
 *
 * @example
 * const connection = await connectStore({ sqlitePath: 'quarry.db' })
 * await writeBackup(connection, '/backups/quarry.backup', { dataDir: defaultDataDir(), busyTimeoutMs: 30_000 })
 */
export async function writeBackup(
  connection: StoreConnection,
  path: string,
  options: { includeKey?: boolean; secretKey?: string; dataDir: string; busyTimeoutMs: number },
): Promise<BackupSummary> {
  const { db, dialect, where } = connection
  const snapshot = await readSnapshot(connection, options.busyTimeoutMs)
  if (snapshot.migrations.length === 0) {
    throw new StoreError(
      'QUARRY_BACKUP_INVALID',
      `${where} is not a Quarry store yet (no migration has run there), so there is nothing to back up. ` +
        `Check --db or QUARRY_DATABASE_URL.`,
    )
  }
  const check = snapshot.rows.get('meta')?.find((row) => row.key === KEY_CHECK_ROW)?.value
  const keyId = typeof check === 'string' ? (envelopeKeyId(check) ?? null) : null
  let key: string | undefined
  if (options.includeKey === true) {
    // The same key search and check as opening the store: the key put in the file is proven right.
    const box = await loadSecretBox(db, {
      ...(options.secretKey === undefined ? {} : { secretKey: options.secretKey }),
      dataDir: options.dataDir,
      where,
      busyTimeoutMs: options.busyTimeoutMs,
    })
    key = box.exportKey()
  }
  const header: BackupHeader = {
    format: BACKUP_FORMAT,
    version: BACKUP_VERSION,
    createdAt: new Date().toISOString(),
    dialect,
    migrations: snapshot.migrations,
    keyId,
    ...(key === undefined ? {} : { key }),
    tables: snapshot.tables,
  }

  const temporary = `${path}.${process.pid}.tmp`
  const rows: Record<string, number> = {}
  try {
    const handle = await open(temporary, 'w', 0o600)
    try {
      const hash = createHash('sha256')
      let count = 0
      const writeLine = async (value: unknown) => {
        const line = `${JSON.stringify(value)}\n`
        hash.update(line)
        await handle.write(line)
      }
      await writeLine(header)
      for (const table of snapshot.tables) {
        const tableRows = snapshot.rows.get(table) ?? []
        rows[table] = tableRows.length
        for (const row of tableRows) {
          await writeLine({ t: table, r: encodeRow(row) })
          count++
        }
      }
      await handle.write(`${JSON.stringify({ end: true, rows: count, sha256: hash.digest('hex') })}\n`)
      await handle.sync()
    } finally {
      await handle.close()
    }
    await rename(temporary, path)
  } catch (error) {
    await rm(temporary, { force: true })
    throw new StoreError(
      'QUARRY_BACKUP_FILE',
      `Cannot write the backup file ${path} (${(error as Error).message}). Check that its folder exists and ` +
        `that you may write there.`,
      { cause: error },
    )
  }
  return { path, keyId, includesKey: key !== undefined, rows }
}

interface Snapshot {
  readonly migrations: string[]
  readonly tables: string[]
  readonly rows: Map<string, Row[]>
}

async function readSnapshot(connection: StoreConnection, busyTimeoutMs: number): Promise<Snapshot> {
  const { db, dialect, schema, where } = connection
  const read = async (trx: Kysely<Database>): Promise<Snapshot> => {
    const migrations = await appliedMigrations(trx, dialect)
    const tables = (await tablesParentsFirst(trx, dialect, schema)).filter((t) => !TRANSIENT_TABLES.has(t))
    const rows = new Map<string, Row[]>()
    for (const table of tables) {
      const result = await sql<Row>`select * from ${sql.table(table)}`.execute(trx)
      rows.set(table, result.rows.map(portableRow))
    }
    return { migrations, tables, rows }
  }
  if (dialect === 'postgres')
    return db.transaction().setIsolationLevel('repeatable read').setAccessMode('read only').execute(read)

  // A deferred transaction on a WAL database: the first read fixes the snapshot and writers go on.
  await retryWhileBusy(
    () => sql`begin`.execute(db),
    Date.now() + busyTimeoutMs,
    (cause) => busy(where, busyTimeoutMs, cause),
  )
  try {
    return await read(db)
  } finally {
    await sql`commit`.execute(db)
  }
}

/** Values as JSON keeps them: PostgreSQL's times come back as Dates, written as the ISO text both dialects read. */
function portableRow(row: Row): Row {
  const out: Row = {}
  for (const [column, value] of Object.entries(row))
    out[column] = value instanceof Date ? value.toISOString() : value
  return out
}

/** A parsed backup file, checked whole: header, every row line, trailer and checksum. */
export interface BackupFile {
  readonly path: string
  readonly header: BackupHeader
  readonly rows: ReadonlyMap<string, readonly Row[]>
}

/**
 * Reads and checks a backup file. Nothing is restored from a file that is not whole: a file that is
 * not a Quarry backup or was altered is QUARRY_BACKUP_INVALID, one cut off before its trailer is
 * QUARRY_BACKUP_TRUNCATED.
 *
 * @example
 * const backup = await readBackup('/backups/quarry.backup')
 * backup.header.migrations // ['0001_initial', …]
 */
export async function readBackup(path: string): Promise<BackupFile> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    throw new StoreError(
      'QUARRY_BACKUP_FILE',
      `Cannot read the backup file ${path} (${(error as Error).message}). Check the path and its permissions.`,
      { cause: error },
    )
  }
  const notABackup = (why: string) =>
    new StoreError(
      'QUARRY_BACKUP_INVALID',
      `${path} is not a Quarry backup (${why}). Choose a file that \`quarry backup\` wrote.`,
    )
  const lines = text.split('\n')
  const first = parseLine(lines[0] ?? '')
  if (!isRecord(first) && lines.length === 1 && text.startsWith(`{"format":"${BACKUP_FORMAT}"`))
    throw cutOff(path)
  if (!isRecord(first) || first.format !== BACKUP_FORMAT)
    throw notABackup('its first line is not a backup header')
  if (first.version !== BACKUP_VERSION) {
    throw notABackup(
      `it is format version ${String(first.version)}; this Quarry reads version ${BACKUP_VERSION}`,
    )
  }
  const header = first as unknown as BackupHeader
  if (
    !Array.isArray(header.migrations) ||
    !Array.isArray(header.tables) ||
    (header.dialect !== 'sqlite' && header.dialect !== 'postgres')
  )
    throw notABackup('its header lacks the migrations, tables or dialect')

  // A whole file ends with the trailer and a newline; split leaves '' after it.
  const trailer = parseLine(lines.at(-2) ?? '')
  if (lines.length < 3 || lines.at(-1) !== '' || !isRecord(trailer) || trailer.end !== true)
    throw cutOff(path)
  const body = lines.slice(0, -2)
  const hash = createHash('sha256')
  for (const line of body) hash.update(`${line}\n`)
  if (hash.digest('hex') !== trailer.sha256 || body.length - 1 !== trailer.rows)
    throw notABackup('its checksum does not match its content: it was altered or damaged')

  const rows = new Map<string, Row[]>(header.tables.map((table) => [table, []]))
  for (const line of body.slice(1)) {
    const entry = parseLine(line)
    const list = isRecord(entry) && typeof entry.t === 'string' ? rows.get(entry.t) : undefined
    if (list === undefined || !isRecord(entry) || !isRecord(entry.r))
      throw notABackup('a row line names no table of its header')
    list.push(decodeRow(entry.r))
  }
  return { path, header, rows }
}

/**
 * Binary columns (a snapshot's gzip'd rows: bytea, blob) as `{ "$base64": "…" }`: JSON.stringify would
 * write a Buffer as an array of numbers, which no database column takes back.
 */
function encodeRow(row: Row): Row {
  const out: Row = {}
  for (const [column, value] of Object.entries(row))
    out[column] = value instanceof Uint8Array ? { $base64: Buffer.from(value).toString('base64') } : value
  return out
}

function decodeRow(row: Row): Row {
  const out: Row = {}
  for (const [column, value] of Object.entries(row)) {
    const base64 = isRecord(value) && Object.keys(value).length === 1 ? value.$base64 : undefined
    out[column] = typeof base64 === 'string' ? Buffer.from(base64, 'base64') : value
  }
  return out
}

function cutOff(path: string): StoreError {
  return new StoreError(
    'QUARRY_BACKUP_TRUNCATED',
    `The backup ${path} is cut off: it does not end with the line that closes every complete backup. ` +
      `It was copied or written only in part; use a complete copy.`,
  )
}

function parseLine(line: string): unknown {
  try {
    return JSON.parse(line) as unknown
  } catch {
    return undefined
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

export interface RestoreOptions {
  /** Replace a store that holds data. */
  readonly force?: boolean
  readonly secretKey?: string
  readonly dataDir: string
  readonly busyTimeoutMs: number
}

export interface RestoreSummary {
  readonly keyId: string | null
  /** Where the key came from: the key option, QUARRY_SECRET_KEY, the key file, or the backup. */
  readonly keySource: string | undefined
  /** The key file written from a backup made with --include-key, if any. */
  readonly keyFileWritten: string | undefined
  readonly from: string
  readonly to: string
  readonly rows: Readonly<Record<string, number>>
}

/**
 * Restores `backup` into the store behind `connection`. Everything that can be refused is refused
 * before the store is touched: a backup from a newer Quarry (QUARRY_BACKUP_NEWER_SCHEMA), a key that
 * does not open the backup's secrets (QUARRY_BACKUP_KEY_MISMATCH), a store that holds data without
 * `force` (QUARRY_RESTORE_NOT_EMPTY). Then, in one transaction: the old tables go, the schema is
 * rebuilt as the backup's migrations left it, the rows go in, and the migrations this Quarry has since
 * run forward — so a failure anywhere leaves the store as it was.
 *
 * @example
 * const summary = await restoreBackup(connection, await readBackup(file), { dataDir, busyTimeoutMs: 30_000 })
 */
export async function restoreBackup(
  connection: StoreConnection,
  backup: BackupFile,
  options: RestoreOptions,
): Promise<RestoreSummary> {
  const { db, dialect, schema, where } = connection
  const { header } = backup
  const known = migrationNames(dialect)
  const unknown = header.migrations.filter((name) => !known.includes(name))
  if (unknown.length > 0) {
    throw new StoreError(
      'QUARRY_BACKUP_NEWER_SCHEMA',
      `The backup ${backup.path} was made by a newer Quarry (its store had run migration ${unknown.join(', ')}, ` +
        `which this version does not know). Restore it with that version of Quarry or a later one.`,
    )
  }
  const from = [...header.migrations].sort().at(-1) ?? ''
  const to = known.at(-1) ?? ''

  const key = await keyForRestore(backup, options)
  if (!options.force && (await holdsData(db, dialect, schema))) {
    throw new StoreError(
      'QUARRY_RESTORE_NOT_EMPTY',
      `The store ${where} already holds data; restoring would replace all of it. Restore into a new store ` +
        `(another --db or database), or add --force to replace this one.`,
    )
  }

  const load = async (trx: Kysely<Database>) => {
    for (const table of (await tablesParentsFirst(trx, dialect, schema)).reverse())
      await sql`drop table ${sql.table(table)}${dialect === 'postgres' ? sql` cascade` : sql``}`.execute(trx)
    await migrateWithin(trx, dialect, from, schema)
    for (const table of await tablesParentsFirst(trx, dialect, schema)) {
      const rows = backup.rows.get(table) ?? []
      for (let start = 0; start < rows.length; start += 200) {
        // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tables of older schemas are not in Database
        await (trx as Kysely<any>)
          .insertInto(table)
          .values(rows.slice(start, start + 200))
          .execute()
      }
      if (dialect === 'postgres') await resetSequences(trx, table)
    }
    await migrateWithin(trx, dialect, 'latest', schema)
  }

  if (dialect === 'postgres') {
    await db.transaction().execute(async (trx) => {
      // A server holding a connection's row lock makes the drop wait; give up as SQLite does.
      await sql`select set_config('lock_timeout', ${`${options.busyTimeoutMs}ms`}, true)`.execute(trx)
      try {
        await load(trx)
      } catch (error) {
        if ((error as { code?: string }).code === '55P03') throw busy(where, options.busyTimeoutMs, error)
        throw error
      }
    })
  } else {
    await retryWhileBusy(
      () => sql`begin immediate`.execute(db),
      Date.now() + options.busyTimeoutMs,
      (cause) => busy(where, options.busyTimeoutMs, cause),
    )
    try {
      // Foreign keys are checked at commit: the drops and loads may pass through states between.
      await sql`pragma defer_foreign_keys = on`.execute(db)
      await load(db)
      await sql`commit`.execute(db)
    } catch (error) {
      await sql`rollback`.execute(db)
      throw error
    }
  }

  let keyFileWritten: string | undefined
  if (key.fromBackup !== undefined) {
    await ensureDataDir(options.dataDir)
    keyFileWritten = join(options.dataDir, KEY_FILE_NAME)
    await createKeyFile(keyFileWritten, `${key.fromBackup}\n`)
  }
  const rows: Record<string, number> = {}
  for (const [table, list] of backup.rows) rows[table] = list.length
  return { keyId: header.keyId, keySource: key.source, keyFileWritten, from, to, rows }
}

/**
 * Finds the key a restore will leave the store with, as openStore would (the key option,
 * QUARRY_SECRET_KEY, the key file), falling back to the key inside the backup; and proves it opens
 * the backup's key check value.
 */
async function keyForRestore(
  backup: BackupFile,
  options: RestoreOptions,
): Promise<{ source: string | undefined; fromBackup: string | undefined }> {
  const check = backup.rows.get('meta')?.find((row) => row.key === KEY_CHECK_ROW)?.value
  if (typeof check !== 'string') return { source: undefined, fromBackup: undefined }

  const keyFile = join(options.dataDir, KEY_FILE_NAME)
  const fromEnv = process.env.QUARRY_SECRET_KEY
  let text: string | undefined
  let source: string
  if (options.secretKey !== undefined) {
    text = options.secretKey
    source = 'the secretKey option'
  } else if (fromEnv !== undefined && fromEnv.trim() !== '') {
    text = fromEnv
    source = 'QUARRY_SECRET_KEY'
  } else {
    text = await readKeyFile(keyFile)
    source = `the key file ${keyFile}`
  }
  const fromBackup = text === undefined ? backup.header.key : undefined
  if (text === undefined && fromBackup === undefined) {
    throw new StoreError(
      'QUARRY_SECRET_KEY_MISSING',
      `The backup ${backup.path} holds secrets encrypted with key ${backup.header.keyId ?? '(unknown)'}, but no ` +
        `key was found: QUARRY_SECRET_KEY is not set, the key file ${keyFile} does not exist and the backup ` +
        `was made without --include-key. Set QUARRY_SECRET_KEY to the key of the backed-up store, or put ` +
        `its key file at ${keyFile}. Nothing was changed.`,
    )
  }
  if (fromBackup !== undefined) source = `the backup ${backup.path}`
  const box = new SecretBox(parseSecretKey(text ?? fromBackup ?? '', source), source)
  if (!opensKeyCheck(box, check)) {
    throw new StoreError(
      'QUARRY_BACKUP_KEY_MISMATCH',
      `The secrets in the backup ${backup.path} were encrypted with key ${envelopeKeyId(check) ?? '(unknown)'}, ` +
        `but the key from ${source} is ${box.keyId}, which cannot open them. Set QUARRY_SECRET_KEY to the ` +
        `key of the backed-up store (or put its key file in the data directory) and run restore again. ` +
        `Nothing was changed.`,
    )
  }
  return { source, fromBackup }
}

/** True when any table a backup would carry has rows besides the store's own facts (meta). */
async function holdsData(
  db: Kysely<Database>,
  dialect: Dialect,
  schema: string | undefined,
): Promise<boolean> {
  for (const table of await tablesParentsFirst(db, dialect, schema)) {
    if (TRANSIENT_TABLES.has(table) || table === 'meta') continue
    const found = await sql`select 1 from ${sql.table(table)} limit 1`.execute(db)
    if (found.rows.length > 0) return true
  }
  return false
}

/**
 * The store's tables, each after the tables its foreign keys point at (read from the catalog, so a
 * table a later migration adds is ordered without being named here).
 */
async function tablesParentsFirst(
  db: Kysely<Database>,
  dialect: Dialect,
  schema: string | undefined,
): Promise<string[]> {
  const parents = new Map<string, Set<string>>()
  if (dialect === 'sqlite') {
    const tables = await sql<{ name: string }>`select name from sqlite_master
      where type = 'table' and name not like 'sqlite_%' order by name`.execute(db)
    for (const { name } of tables.rows) {
      const keys = await sql<{ table: string }>`select "table" from pragma_foreign_key_list(${name})`.execute(
        db,
      )
      parents.set(name, new Set(keys.rows.map((key) => key.table)))
    }
  } else {
    const tables = await sql<{ name: string }>`select table_name as name from information_schema.tables
      where table_schema = ${schema ?? 'public'} and table_type = 'BASE TABLE' order by table_name`.execute(
      db,
    )
    for (const { name } of tables.rows) parents.set(name, new Set())
    const keys = await sql<{ child: string; parent: string }>`select c.relname as child, p.relname as parent
      from pg_constraint k join pg_class c on c.oid = k.conrelid join pg_class p on p.oid = k.confrelid
      join pg_namespace n on n.oid = c.relnamespace
      where k.contype = 'f' and n.nspname = ${schema ?? 'public'}`.execute(db)
    for (const { child, parent } of keys.rows) parents.get(child)?.add(parent)
  }
  const ordered: string[] = []
  const visit = (table: string, path: Set<string>) => {
    if (ordered.includes(table) || path.has(table)) return
    path.add(table)
    for (const parent of parents.get(table) ?? []) if (parent !== table) visit(parent, path)
    ordered.push(table)
  }
  for (const table of parents.keys()) visit(table, new Set())
  return ordered
}

/** After rows were inserted with their ids, a serial column's sequence must continue after the largest. */
async function resetSequences(trx: Kysely<Database>, table: string): Promise<void> {
  const columns = await sql<{ column: string }>`select column_name as column from information_schema.columns
    where table_name = ${table} and table_schema = current_schema()
      and (column_default like 'nextval(%' or is_identity = 'YES')`.execute(trx)
  for (const { column } of columns.rows) {
    await sql`select setval(pg_get_serial_sequence(${table}, ${column}),
      coalesce((select max(${sql.ref(column)}) from ${sql.table(table)}), 0) + 1, false)`.execute(trx)
  }
}

function busy(where: string, busyTimeoutMs: number, cause: unknown): StoreError {
  return new StoreError(
    'QUARRY_STORE_BUSY',
    `The store ${where} stayed locked by another process for ${busyTimeoutMs / 1000} s. Try again; a restore ` +
      `replaces the whole store, so stop the servers that use it first.`,
    { cause },
  )
}
