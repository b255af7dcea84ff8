import type { Command } from 'commander'

/** `quarry export` and `quarry import`: the whole configuration as one document. */
export function registerTransfer(program: Command): void {
  program
    .command('export')
    .description('Write every datasource and query as one JSON document (secrets left out unless asked)')
    .option('-o, --output <file>', 'write to a file instead of standard output')
    .option(
      '--include-secrets',
      'include secrets and OAuth connections, encrypted with QUARRY_EXPORT_PASSPHRASE',
    )
    .action(async (flags, sub) => {
      const { exportConfig } = await import('./transfer-run.js')
      await exportConfig(flags, sub.optsWithGlobals())
    })
  program
    .command('import <file>')
    .description(
      'Read a document from `quarry export` (or, with --from pocketquery, a PocketQuery JSON/XML export); everything is validated before anything changes',
    )
    .option('--replace', 'overwrite datasources and queries that exist already')
    .option('--from <format>', "the file's format: quarry (default) or pocketquery", 'quarry')
    .option(
      '--dry-run',
      'with --from pocketquery: print what would be created, renamed or skipped, and change nothing',
    )
    .action(async (file, flags, sub) => {
      const { importConfig } = await import('./transfer-run.js')
      await importConfig(file, flags, sub.optsWithGlobals())
    })
}
