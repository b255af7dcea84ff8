import { Command } from 'commander'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { packageRoot } from '../domain/package-root.js'
import { registerSim } from './sim.js'
import { registerDatasource } from './datasource.js'
import { registerConnect } from './connect.js'
import { registerQuery } from './query.js'
import { registerConverter } from './converter.js'
import { registerTemplate } from './template.js'
import { registerSchedule } from './schedule.js'
import { registerRun } from './run.js'
import { registerSnapshot } from './snapshot.js'
import { registerAlert } from './alert.js'
import { registerDashboard } from './dashboard.js'
import { registerSubscription } from './subscription.js'
import { registerTransfer } from './transfer.js'
import { registerConnections } from './connections.js'
import { registerBackup } from './backup.js'
import { registerSecrets } from './secrets.js'
import { registerAudit } from './audit.js'
import { registerServe } from './serve.js'
import { registerDemo } from './demo.js'
import { registerCompletion } from './completion.js'

/** Quarry's version, from its package.json. */
export function quarryVersion(): string {
  const text = readFileSync(join(packageRoot(), 'package.json'), 'utf8')
  return (JSON.parse(text) as { version: string }).version
}

/**
 * The `quarry` command line, every command registered, nothing parsed. main.ts parses argv with it;
 * the CLI reference (docs/cli.md) and shell completion walk it, so what they say is what runs.
 * Each command lives in its own file and loads its work only when it runs, so `quarry --help`
 * stays instant. The definitions themselves are imported statically: every command needs all of
 * them, and the CLI bundle then holds them in one chunk, where twenty dynamic imports made twenty
 * files to resolve and read at each start.
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

  const commands = [
    registerSim,
    registerDatasource,
    registerConnect,
    registerQuery,
    registerConverter,
    registerTemplate,
    registerSchedule,
    registerRun,
    registerSnapshot,
    registerAlert,
    registerDashboard,
    registerSubscription,
    registerTransfer,
    registerConnections,
    registerBackup,
    registerSecrets,
    registerAudit,
    registerServe,
    registerDemo,
    registerCompletion,
  ]
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
