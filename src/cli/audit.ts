import type { Command } from 'commander'
import { AUDIT_KIND_NAMES } from '../domain/audit-kinds.js'

/** `quarry audit list|export` (issue 19): who changed what, when. */
export function registerAudit(program: Command): void {
  const command = program
    .command('audit')
    .description(
      'The audit log: every change to datasources, queries, converters, templates, users, tokens, connections and settings',
    )
  const filters = (sub: Command) =>
    sub
      .option(
        '--actor <name>',
        'only changes by this user (API tokens count as their user), cli:OSUSER or system',
      )
      .option('--kind <kind>', `only this kind of object: ${AUDIT_KIND_NAMES.join(', ')}`)
      .option('--object <name>', 'only changes to the object of this name (an API token: its id)')
      .option(
        '--since <time>',
        'only changes at or after this time (ISO 8601, e.g. 2026-12-01 or 2026-12-01T08:00:00Z)',
      )
      .option('--until <time>', 'only changes before this time (ISO 8601)')
  filters(command.command('list').description('List changes, newest first'))
    .option('--limit <n>', 'at most this many (default 200)')
    .option('--json', 'print the entries as JSON')
    .action(async (flags, sub) => {
      const { listAudit } = await import('./audit-run.js')
      await listAudit(flags, sub.optsWithGlobals())
    })
  filters(
    command.command('export').description('Write every matching change as NDJSON, oldest first, to stdout'),
  ).action(async (flags, sub) => {
    const { exportAudit } = await import('./audit-run.js')
    await exportAudit(flags, sub.optsWithGlobals())
  })
}
