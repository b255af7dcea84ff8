import type { Command } from 'commander'

/** `quarry backup` and `quarry restore`: the whole store as one portable file, for either dialect. */
export function registerBackup(program: Command): void {
  program
    .command('backup <file>')
    .description(
      'Write the whole store (SQLite or PostgreSQL) to FILE, consistently, while servers keep running; secrets stay encrypted and the key is not included unless asked',
    )
    .option(
      '--include-key',
      'put the secret key in the file too: whoever reads the file can then read every secret',
    )
    .action(async (file, flags, sub) => {
      const { runBackup } = await import('./backup-run.js')
      await runBackup(file, flags, sub.optsWithGlobals())
    })
  program
    .command('restore <file>')
    .description(
      'Restore a backup from `quarry backup` into the store, migrating it forward; refuses a store that holds data unless --force',
    )
    .option('--force', 'replace a store that holds data')
    .action(async (file, flags, sub) => {
      const { runRestore } = await import('./backup-run.js')
      await runRestore(file, flags, sub.optsWithGlobals())
    })
}
