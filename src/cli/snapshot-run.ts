import { QuarryError } from '../domain/errors.js'
import {
  DEFAULT_SNAPSHOT_RETENTION,
  SnapshotRetentionSchema,
  describeRetention,
  type SnapshotRetentionRule,
} from '../domain/snapshot.js'
import { describeIssues } from '../domain/field-issues.js'
import {
  cellText,
  compareSnapshots,
  describeChange,
  findSnapshot,
  loadQuery,
  pruneSnapshots,
  retentionOf,
  runQuery,
  snapshotRowsJson,
  snapshotSummary,
  takeSnapshot,
  type RowDiff,
} from '../engine/index.js'
import { formatNames, isFormatName, writeFormat, type Row } from '../render/index.js'
import { withEngine, withStore, type StoreFlags } from './context.js'
import { parseAssignments, parseDuration, parseInteger } from './flags.js'

/** Who a snapshot taken from the command line is recorded as taken by. */
const CLI_TAKER = 'cli'

function textOrJson(format: string): 'text' | 'json' {
  if (format === 'text' || format === 'json') return format
  throw new QuarryError('QUARRY_CONFIG_INVALID', `--format must be text or json; got "${format}"`)
}

function paramsText(params: Readonly<Record<string, string>>): string {
  const pairs = Object.entries(params).map(([name, value]) => `${name}=${value}`)
  return pairs.length === 0 ? 'no parameters' : pairs.join(' ')
}

function rowsText(count: number): string {
  return count === 1 ? '1 row' : `${count} rows`
}

/** `quarry snapshot take QUERY [-p k=v …] [--refresh]`. */
export async function takeSnapshotCommand(
  name: string,
  flags: { readonly param?: string[]; readonly refresh?: boolean },
  global: StoreFlags,
): Promise<void> {
  const params = parseAssignments('--param', flags.param ?? [])
  const taken = await withEngine(global, async (deps) => {
    const loaded = await loadQuery(deps.store, name)
    const result = await runQuery(deps, {
      query: loaded,
      params,
      ...(flags.refresh ? { refresh: true } : {}),
    })
    return takeSnapshot(deps.store, { query: loaded.query, params, result, by: CLI_TAKER })
  })
  const { snapshot, pruned } = taken
  console.log(
    `Snapshot ${snapshot.id} of "${snapshot.query}": ${rowsText(snapshot.rowCount)}, ` +
      `${paramsText(snapshot.params)}, taken ${snapshot.takenAt.toISOString()}.`,
  )
  if (pruned > 0)
    console.log(`The retention rule removed ${pruned} older snapshot${pruned === 1 ? '' : 's'}.`)
}

/** `quarry snapshot list QUERY [--format text|json]`. */
export async function listSnapshotsCommand(
  name: string,
  flags: { readonly format: string },
  global: StoreFlags,
): Promise<void> {
  const format = textOrJson(flags.format)
  const list = await withStore(global, (store) => store.snapshots.list(name))
  if (format === 'json') {
    console.log(JSON.stringify(list.map(snapshotSummary), null, 2))
    return
  }
  if (list.length === 0) console.log(`No snapshots of "${name}" yet. Take one: quarry snapshot take ${name}`)
  for (const snapshot of list) {
    console.log(
      [
        snapshot.id,
        snapshot.takenAt.toISOString(),
        rowsText(snapshot.rowCount),
        `by ${snapshot.takenBy}`,
        paramsText(snapshot.params),
        `version ${snapshot.definitionHash.slice(0, 8)}`,
      ].join('  ·  '),
    )
  }
}

/** `quarry snapshot show QUERY SNAPSHOT [-f format] [--columns a,b]`: the rows, written as `quarry run` writes them. */
export async function showSnapshotCommand(
  name: string,
  ref: string,
  flags: { readonly format: string; readonly columns?: string },
  global: StoreFlags,
  stdout: NodeJS.WritableStream & { readonly columns?: number; readonly isTTY?: boolean } = process.stdout,
): Promise<void> {
  if (!isFormatName(flags.format)) {
    throw new QuarryError(
      'QUARRY_CONFIG_INVALID',
      `--format must be one of ${formatNames().join(', ')}; got "${flags.format}"`,
    )
  }
  const format = flags.format
  const { snapshot, rows } = await withStore(global, async (store) => {
    const found = await findSnapshot(store, name, ref)
    return { snapshot: found, rows: JSON.parse(await snapshotRowsJson(store, found)) as Row[] }
  })
  const columns = flags.columns
    ?.split(',')
    .map((c) => c.trim())
    .filter(Boolean)
  const options = {
    ...(columns ? { columns } : {}),
    width: stdout.columns ?? 100,
    color: stdout.isTTY === true,
    title: name,
    name,
  }
  for await (const chunk of writeFormat(format, rows, options)) stdout.write(chunk)
  process.stderr.write(
    `note: snapshot ${snapshot.id}, taken ${snapshot.takenAt.toISOString()} by ${snapshot.takenBy}, ` +
      `${paramsText(snapshot.params)}\n`,
  )
  for (const notice of snapshot.notices) process.stderr.write(`note: ${notice}\n`)
}

/**
 * The diff as lines: `+` added, `-` removed, `~` changed with each changed column's old and new value.
 *
 * @example diffLines(diff) // ['+ "QA-4"', '- "QA-2"', '~ "QA-1"  Status: "Open" → "Done"', '1 added, …']
 */
export function diffLines(diff: RowDiff): string[] {
  const lines: string[] = []
  for (const row of diff.added) lines.push(`+ ${cellText(row[diff.key] ?? null)}`)
  for (const row of diff.removed) lines.push(`- ${cellText(row[diff.key] ?? null)}`)
  for (const change of diff.changed) lines.push(`~ ${cellText(change.key)}  ${describeChange(change)}`)
  lines.push(
    `${diff.added.length} added, ${diff.removed.length} removed, ${diff.changed.length} changed, ` +
      `${diff.unchanged} unchanged`,
  )
  if (diff.duplicateKeys.length > 0) {
    lines.push(
      `note: ${diff.key} repeats (${diff.duplicateKeys.map(cellText).join(', ')}): rows with one key pair in order; ` +
        'choose a key that is unique with --key',
    )
  }
  return lines
}

/** `quarry snapshot diff QUERY FROM TO [--key COLUMN] [--format text|json]`. */
export async function diffSnapshotsCommand(
  name: string,
  from: string,
  to: string,
  flags: { readonly key?: string; readonly format: string },
  global: StoreFlags,
): Promise<void> {
  const format = textOrJson(flags.format)
  const comparison = await withStore(global, (store) => compareSnapshots(store, name, from, to, flags.key))
  if (format === 'json') {
    console.log(
      JSON.stringify(
        { from: snapshotSummary(comparison.from), to: snapshotSummary(comparison.to), ...comparison.diff },
        null,
        2,
      ),
    )
    return
  }
  console.log(
    `${name}: ${comparison.from.id} (${comparison.from.takenAt.toISOString()}) → ` +
      `${comparison.to.id} (${comparison.to.takenAt.toISOString()}), rows keyed by ${comparison.diff.key}`,
  )
  for (const line of diffLines(comparison.diff)) console.log(line)
}

/** `quarry snapshot remove QUERY SNAPSHOT`. */
export async function removeSnapshotCommand(name: string, ref: string, global: StoreFlags): Promise<void> {
  const removed = await withStore(global, async (store) => {
    const snapshot = await findSnapshot(store, name, ref)
    await store.snapshots.remove(name, snapshot.id)
    return snapshot
  })
  console.log(`Removed snapshot ${removed.id} of "${name}" (taken ${removed.takenAt.toISOString()}).`)
}

function limitFlag<T>(text: string | undefined, parse: (text: string) => T): T | null | undefined {
  if (text === undefined) return undefined
  return text.trim() === 'none' ? null : parse(text)
}

/** `quarry snapshot retention QUERY [--keep N|none] [--max-age D|none] [--default]`. */
export async function retentionCommand(
  name: string,
  flags: { readonly keep?: string; readonly maxAge?: string; readonly default?: boolean },
  global: StoreFlags,
): Promise<void> {
  const keepLast = limitFlag(flags.keep, (text) => parseInteger('--keep', text, 1))
  const maxAgeSeconds = limitFlag(flags.maxAge, (text) => parseDuration('--max-age', text))
  const changing = keepLast !== undefined || maxAgeSeconds !== undefined
  if (flags.default === true && changing) {
    throw new QuarryError(
      'QUARRY_CONFIG_INVALID',
      '--default forgets the rule: give it without --keep or --max-age',
    )
  }
  const rule = await withStore(global, async (store) => {
    // A rule for a query that is not there would wait silently for a query of that name.
    await loadQuery(store, name)
    if (flags.default === true) {
      await store.snapshots.setRetention(name, undefined)
    } else if (changing) {
      const current = await retentionOf(store, name)
      const wanted = {
        keepLast: keepLast === undefined ? current.keepLast : keepLast,
        maxAgeSeconds: maxAgeSeconds === undefined ? current.maxAgeSeconds : maxAgeSeconds,
      }
      const parsed = SnapshotRetentionSchema.safeParse(wanted)
      if (!parsed.success) throw describeIssues(parsed.error, undefined, wanted)
      await store.snapshots.setRetention(name, parsed.data)
    }
    const pruned = flags.default === true || changing ? await pruneSnapshots(store, name) : 0
    const own = await store.snapshots.retention(name)
    return {
      rule: (own ?? DEFAULT_SNAPSHOT_RETENTION) as SnapshotRetentionRule,
      own: own !== undefined,
      pruned,
    }
  })
  console.log(
    `"${name}" keeps ${describeRetention(rule.rule)} of its snapshots${rule.own ? '' : ' (the default)'}.`,
  )
  if (rule.pruned > 0)
    console.log(`Removed ${rule.pruned} snapshot${rule.pruned === 1 ? '' : 's'} the rule does not keep.`)
}
