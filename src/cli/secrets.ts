import type { Command } from 'commander'

/** `quarry secrets rotate-key`: seal every stored secret with a new key, servers running. */
export function registerSecrets(program: Command): void {
  program
    .command('secrets')
    .description("Look after the store's secret key")
    .command('rotate-key')
    .description(
      'Seal every secret with a new key while other Quarry processes keep running; after restarting them with the new key, run it again with --finish',
    )
    .option(
      '--new-key-file <file>',
      'write the new key to this file (needed when QUARRY_SECRET_KEY holds the key; default: replace the key file, keeping the old one beside it)',
    )
    .option('--finish', 'end the rotation: every process runs on the new key, and the old key opens nothing')
    .action(async (flags, sub) => {
      const { runRotateKey } = await import('./secrets-run.js')
      await runRotateKey(flags, sub.optsWithGlobals())
    })
}
