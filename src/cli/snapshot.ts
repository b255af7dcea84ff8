import type { Command } from 'commander'
import { formatNames } from '../render/formats.js'
import { collect } from './flags.js'

const SNAPSHOT_HELP = 'a snapshot id, latest, a day (2026-12-01: the newest taken on or before it) or a time'

/** `quarry snapshot take|list|show|diff|remove|retention`: frozen results of a query (issue 16). */
export function registerSnapshot(program: Command): void {
  const command = program
    .command('snapshot')
    .description("Freeze a query's rows, list, show and compare the snapshots, and say how many are kept")
  command
    .command('take <query>')
    .description('Run a query and keep its rows as a snapshot (then apply its retention rule)')
    .option('-p, --param <name=value>', 'a parameter value (repeatable)', collect)
    .option('--refresh', 'bypass the cache: freeze what the source says now')
    .action(async (query, flags, sub) => {
      const { takeSnapshotCommand } = await import('./snapshot-run.js')
      await takeSnapshotCommand(query, flags, sub.optsWithGlobals())
    })
  command
    .command('list <query>')
    .description("List a query's snapshots, newest first: id, when, rows, who, parameters, query version")
    .option('-f, --format <format>', 'text | json', 'text')
    .action(async (query, flags, sub) => {
      const { listSnapshotsCommand } = await import('./snapshot-run.js')
      await listSnapshotsCommand(query, flags, sub.optsWithGlobals())
    })
  command
    .command('show <query> <snapshot>')
    .description(`Print a snapshot's rows like quarry run (SNAPSHOT: ${SNAPSHOT_HELP})`)
    .option('-f, --format <format>', formatNames().join(' | '), 'table')
    .option('--columns <a,b,…>', 'which columns, in which order')
    .action(async (query, snapshot, flags, sub) => {
      const { showSnapshotCommand } = await import('./snapshot-run.js')
      await showSnapshotCommand(query, snapshot, flags, sub.optsWithGlobals())
    })
  command
    .command('diff <query> <from> <to>')
    .description('Rows added, removed and changed from one snapshot to another, matched by a key column')
    .option('-k, --key <column>', 'the column that identifies a row (default: the first column)')
    .option('-f, --format <format>', 'text | json', 'text')
    .action(async (query, from, to, flags, sub) => {
      const { diffSnapshotsCommand } = await import('./snapshot-run.js')
      await diffSnapshotsCommand(query, from, to, flags, sub.optsWithGlobals())
    })
  command
    .command('remove <query> <snapshot>')
    .description('Remove one snapshot')
    .action(async (query, snapshot, _flags, sub) => {
      const { removeSnapshotCommand } = await import('./snapshot-run.js')
      await removeSnapshotCommand(query, snapshot, sub.optsWithGlobals())
    })
  command
    .command('retention <query>')
    .description("Show or set how many of a query's snapshots are kept (applied on take and by quarry serve)")
    .option('--keep <n>', 'keep the newest N (none: no count limit)')
    .option('--max-age <duration>', 'remove those older than this, e.g. 90d (none: no age limit)')
    .option('--default', 'forget the rule: keep the default (the newest 100)')
    .action(async (query, flags, sub) => {
      const { retentionCommand } = await import('./snapshot-run.js')
      await retentionCommand(query, flags, sub.optsWithGlobals())
    })
}
