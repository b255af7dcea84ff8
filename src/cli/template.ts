import type { Command } from 'commander'
import { registerVersionCommands } from './versions.js'

const KIND_HELP =
  'table | liquid | velocity (--file: the template text) | chart | vega-lite (--file: JSON); ' +
  'without it, --file is a whole template as JSON ({"type": …})'

/** `quarry template add|list|show|edit|remove`: the template library (issue 13). */
export function registerTemplate(program: Command): void {
  const command = program
    .command('template')
    .description('Named templates that several queries use (quarry query add --template-name NAME)')
  command
    .command('add <name>')
    .description('Add a named template')
    .option('--kind <kind>', KIND_HELP)
    .option('--file <file>', 'the template; - reads it from stdin')
    .option('--description <text>', 'what it shows, for the list and the admin UI')
    .action(async (name, flags, sub) => {
      const { addLibraryItem } = await import('./library-run.js')
      await addLibraryItem('template', name, flags, sub.optsWithGlobals())
    })
  command
    .command('edit <name>')
    .description('Change a named template: every query that uses it changes with it')
    .option('--kind <kind>', `${KIND_HELP}; without it, --file keeps the kind`)
    .option('--file <file>', 'the new template; - reads it from stdin')
    .option('--description <text>', 'a new description ("" clears it)')
    .option('--rename <newName>', 'a new name; the queries that use it follow')
    .action(async (name, flags, sub) => {
      const { editLibraryItem } = await import('./library-run.js')
      await editLibraryItem('template', name, flags, sub.optsWithGlobals())
    })
  command
    .command('list')
    .description('List the named templates, their kind and how many queries use each')
    .action(async (_flags, sub) => {
      const { listLibrary } = await import('./library-run.js')
      await listLibrary('template', sub.optsWithGlobals())
    })
  command
    .command('show <name>')
    .description('Show a named template as JSON (the template, the queries that use it)')
    .action(async (name, _flags, sub) => {
      const { showLibraryItem } = await import('./library-run.js')
      await showLibraryItem('template', name, sub.optsWithGlobals())
    })
  command
    .command('remove <name>')
    .description('Remove a named template (refused while queries use it)')
    .action(async (name, _flags, sub) => {
      const { removeLibraryItem } = await import('./library-run.js')
      await removeLibraryItem('template', name, sub.optsWithGlobals())
    })
  registerVersionCommands(command, 'template')
}
