import { Command } from 'commander'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { packageRoot } from '../domain/package-root.js'

/** Quarry's version, from its package.json. */
export function quarryVersion(): string {
  const text = readFileSync(join(packageRoot(), 'package.json'), 'utf8')
  return (JSON.parse(text) as { version: string }).version
}

/**
 * The `quarry` command line, every command registered, nothing parsed. main.ts parses argv with it;
 * the CLI reference (docs/cli.md) and shell completion walk it, so what they say is what runs.
 * Each command lives in its own file and loads its work only when it runs, so `quarry --help`
 * stays instant.
 */
export async function buildProgram(): Promise<Command> {
  const program = new Command()
    .name('quarry')
    .description(
      'Pull data out of REST APIs behind OAuth 2.0 (Jira Cloud first) into tables, charts and pages.',
    )
    .version(quarryVersion(), '-V, --version', "print Quarry's version")
    .option(
      '--db <path>',
      'the SQLite store (default: quarry.db in the data directory; QUARRY_DATABASE_URL selects PostgreSQL)',
    )
    .option('--debug', 'when Quarry hits a bug, print its details (the stack) instead of a one-line note')
    // A usage mistake reads like every other failure: `quarry: unknown option '--bogus'`, then the usage.
    .configureOutput({ outputError: (text, write) => write(`quarry: ${text.replace(/^error: /, '')}`) })
    .showHelpAfterError()

  const commands = await Promise.all([
    import('./sim.js').then((m) => m.registerSim),
    import('./datasource.js').then((m) => m.registerDatasource),
    import('./connect.js').then((m) => m.registerConnect),
    import('./query.js').then((m) => m.registerQuery),
    import('./converter.js').then((m) => m.registerConverter),
    import('./template.js').then((m) => m.registerTemplate),
    import('./schedule.js').then((m) => m.registerSchedule),
    import('./run.js').then((m) => m.registerRun),
    import('./snapshot.js').then((m) => m.registerSnapshot),
    import('./alert.js').then((m) => m.registerAlert),
    import('./dashboard.js').then((m) => m.registerDashboard),
    import('./subscription.js').then((m) => m.registerSubscription),
    import('./transfer.js').then((m) => m.registerTransfer),
    import('./connections.js').then((m) => m.registerConnections),
    import('./backup.js').then((m) => m.registerBackup),
    import('./secrets.js').then((m) => m.registerSecrets),
    import('./audit.js').then((m) => m.registerAudit),
    import('./serve.js').then((m) => m.registerServe),
    import('./demo.js').then((m) => m.registerDemo),
    import('./completion.js').then((m) => m.registerCompletion),
  ])
  for (const register of commands) register(program)

  // Usage errors exit 2, like every other configuration mistake (1 is for a query that failed).
  const overrideExits = (command: Command): void => {
    command.exitOverride()
    for (const sub of command.commands) overrideExits(sub)
  }
  overrideExits(program)
  return program
}

/**
 * The program with the options some commands add only when they run (`datasource add`'s preset
 * fields): what the CLI reference and shell completion describe.
 */
export async function completeProgram(program?: Command): Promise<Command> {
  const root = program ?? (await buildProgram())
  const { addPresetOptions } = await import('./datasource.js')
  const add = root.commands.find((c) => c.name() === 'datasource')?.commands.find((c) => c.name() === 'add')
  if (add) await addPresetOptions(add)
  return root
}
