import type { Command } from 'commander'
import { collect } from './flags.js'

/** The flags `dashboard add` and `dashboard edit` share. */
function definitionFlags(command: Command): Command {
  return command
    .option('--file <file>', 'the dashboard as JSON (- reads standard input); the other flags change it')
    .option('--title <text>', 'the heading of its page')
    .option('--description <text>', 'a line under the heading')
    .option(
      '--param <name[=default]>',
      'a parameter of the bar, set on every panel query with one of that name (repeatable; replaces the list)',
      collect,
    )
    .option(
      '--panel <query[:x,y,w,h]>',
      'a panel showing a stored query at column x, row y, w columns wide, h rows tall (repeatable; replaces the panels)',
      collect,
    )
    .option('--public', 'anyone with the link may open it (each panel still needs a public query)')
    .option('--no-public', 'only signed-in people its visibility allows')
}

/** `quarry dashboard list|show|add|edit|remove|render`: pages of panels sharing parameters (issue 17). */
export function registerDashboard(program: Command): void {
  const command = program
    .command('dashboard')
    .description('Pages of panels (stored queries through templates) on a grid, sharing parameters')
  command
    .command('list')
    .description('List the dashboards: name, title, panels, address')
    .option('-f, --format <format>', 'text | json', 'text')
    .action(async (flags, sub) => {
      const { listDashboards } = await import('./dashboard-run.js')
      await listDashboards(flags, sub.optsWithGlobals())
    })
  command
    .command('show <name>')
    .description('Print a dashboard as JSON (what --file takes)')
    .action(async (name, _flags, sub) => {
      const { showDashboard } = await import('./dashboard-run.js')
      await showDashboard(name, sub.optsWithGlobals())
    })
  definitionFlags(command.command('add <name>').description('Add a dashboard')).action(
    async (name, flags, sub) => {
      const { addDashboard } = await import('./dashboard-run.js')
      await addDashboard(name, flags, sub.optsWithGlobals())
    },
  )
  definitionFlags(
    command.command('edit <name>').description('Change a dashboard: only the flags given change'),
  )
    .option('--rename <name>', 'a new name (its address /d/NAME changes with it)')
    .action(async (name, flags, sub) => {
      const { editDashboard } = await import('./dashboard-run.js')
      await editDashboard(name, flags, sub.optsWithGlobals())
    })
  command
    .command('remove <name>')
    .description('Remove a dashboard (its queries stay)')
    .action(async (name, _flags, sub) => {
      const { removeDashboard } = await import('./dashboard-run.js')
      await removeDashboard(name, sub.optsWithGlobals())
    })
  command
    .command('render <name>')
    .description('Run every panel and write the dashboard as one self-contained HTML file')
    .option('-f, --format <format>', 'html', 'html')
    .option('-p, --param <name=value>', 'a dashboard parameter value (repeatable)', collect)
    .option('-o, --out <file>', 'write the file here (default: standard output)')
    .option('--refresh', 'bypass the cache: fetch every panel afresh')
    .action(async (name, flags, sub) => {
      const { renderDashboard } = await import('./dashboard-run.js')
      await renderDashboard(name, flags, sub.optsWithGlobals())
    })
}
