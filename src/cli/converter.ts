import type { Command } from 'commander'
import { registerVersionCommands } from './versions.js'

/** `quarry converter add|list|show|edit|remove`: the converter library (issue 13). */
export function registerConverter(program: Command): void {
  const command = program
    .command('converter')
    .description('Named converters that several queries use (quarry query add --converter-name NAME)')
  command
    .command('add <name>')
    .description('Add a named converter: function convert(json, metadata) from --file (or - for stdin)')
    .requiredOption('--file <file>', 'the converter source; - reads it from stdin')
    .option('--description <text>', 'what it does, for the list and the admin UI')
    .action(async (name, flags, sub) => {
      const { addLibraryItem } = await import('./library-run.js')
      await addLibraryItem('converter', name, flags, sub.optsWithGlobals())
    })
  command
    .command('edit <name>')
    .description('Change a named converter: every query that uses it changes with it')
    .option('--file <file>', 'the new source; - reads it from stdin')
    .option('--description <text>', 'a new description ("" clears it)')
    .option('--rename <newName>', 'a new name; the queries that use it follow')
    .action(async (name, flags, sub) => {
      const { editLibraryItem } = await import('./library-run.js')
      await editLibraryItem('converter', name, flags, sub.optsWithGlobals())
    })
  command
    .command('list')
    .description('List the named converters and how many queries use each')
    .action(async (_flags, sub) => {
      const { listLibrary } = await import('./library-run.js')
      await listLibrary('converter', sub.optsWithGlobals())
    })
  command
    .command('show <name>')
    .description('Show a named converter as JSON (its source, the queries that use it)')
    .action(async (name, _flags, sub) => {
      const { showLibraryItem } = await import('./library-run.js')
      await showLibraryItem('converter', name, sub.optsWithGlobals())
    })
  command
    .command('remove <name>')
    .description('Remove a named converter (refused while queries use it)')
    .action(async (name, _flags, sub) => {
      const { removeLibraryItem } = await import('./library-run.js')
      await removeLibraryItem('converter', name, sub.optsWithGlobals())
    })
  registerVersionCommands(command, 'converter')
}
