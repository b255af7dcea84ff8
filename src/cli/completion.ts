import type { Command } from 'commander'
import { CliError } from './errors.js'

/** `quarry completion bash|zsh`: a completion script generated from the command definitions. */
export function registerCompletion(program: Command): void {
  program
    .command('completion <shell>')
    .description('Print a shell completion script for bash or zsh (e.g. source <(quarry completion bash))')
    .action(async (shell: string) => {
      const [{ COMPLETION_SHELLS, completionScript }, { commandTree }, { completeProgram }] =
        await Promise.all([
          import('./completion-script.js'),
          import('./command-tree.js'),
          import('./program.js'),
        ])
      if (!(COMPLETION_SHELLS as readonly string[]).includes(shell)) {
        throw new CliError(
          'QUARRY_USAGE',
          `completion: the shell must be ${COMPLETION_SHELLS.join(' or ')}; got "${shell}"`,
        )
      }
      // A program of its own, fully loaded: the one parsing this command has not loaded what commands add lazily.
      const root = commandTree(await completeProgram())
      process.stdout.write(completionScript(shell as 'bash' | 'zsh', root))
    })
}
