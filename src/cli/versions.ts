import type { Command } from 'commander'
import type { VersionedKind } from '../domain/audit.js'

/**
 * `quarry query|converter|template versions|diff|revert` (issue 19): every save of a query, a named
 * converter or a named template is a version; these list them, compare two and save an old one again.
 */
export function registerVersionCommands(command: Command, kind: VersionedKind): void {
  command
    .command('versions <name>')
    .description(`List the saved versions of a ${kind}, newest first: number, who, when`)
    .option('--json', 'print them as JSON, each with its whole definition')
    .action(async (name, flags, sub) => {
      const { listVersionsCommand } = await import('./versions-run.js')
      await listVersionsCommand(kind, name, flags, sub.optsWithGlobals())
    })
  command
    .command('diff <name> <from> <to>')
    .description(`Show what changed between two versions of a ${kind} (a unified diff)`)
    .action(async (name, from, to, _flags, sub) => {
      const { diffVersionsCommand } = await import('./versions-run.js')
      await diffVersionsCommand(kind, name, from, to, sub.optsWithGlobals())
    })
  command
    .command('revert <name> <version>')
    .description(
      `Save an earlier version of a ${kind} again, as its newest version (recorded in the audit log)`,
    )
    .action(async (name, version, _flags, sub) => {
      const { revertCommand } = await import('./versions-run.js')
      await revertCommand(kind, name, version, sub.optsWithGlobals())
    })
}
