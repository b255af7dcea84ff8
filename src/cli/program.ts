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
 * Every command's definition, with the top-level command names it adds (test/cli/program.test.ts
 * checks them against what each one registers).
 */
export const COMMANDS: ReadonlyArray<{
  readonly names: readonly string[]
  readonly register: (program: Command) => void
}> = [
  { names: ['sim'], register: registerSim },
  { names: ['datasource'], register: registerDatasource },
  { names: ['connect'], register: registerConnect },
  { names: ['query'], register: registerQuery },
  { names: ['converter'], register: registerConverter },
  { names: ['template'], register: registerTemplate },
  { names: ['schedule'], register: registerSchedule },
  { names: ['run'], register: registerRun },
  { names: ['snapshot'], register: registerSnapshot },
  { names: ['alert'], register: registerAlert },
  { names: ['dashboard'], register: registerDashboard },
  { names: ['subscription'], register: registerSubscription },
  { names: ['export', 'import'], register: registerTransfer },
  { names: ['connections'], register: registerConnections },
  { names: ['backup', 'restore'], register: registerBackup },
  { names: ['secrets'], register: registerSecrets },
  { names: ['audit'], register: registerAudit },
  { names: ['serve'], register: registerServe },
  { names: ['demo'], register: registerDemo },
  { names: ['completion'], register: registerCompletion },
]

/** The root's options that take a value: the word after one is not the command. */
const ROOT_VALUE_OPTIONS = new Set(['--db'])

/**
 * The command `args` (argv without node and the script) runs: the first word that is neither an
 * option nor a root option's value. `quarry --db x.db run q` → `run`; `quarry --help` → undefined.
 */
export function commandWord(args: readonly string[]): string | undefined {
  for (let index = 0; index < args.length; index++) {
    const arg = args[index] as string
    if (arg === '--') return args[index + 1]
    if (ROOT_VALUE_OPTIONS.has(arg)) index++
    else if (!arg.startsWith('-')) return arg
  }
  return undefined
}

/**
 * The `quarry` command line, nothing parsed. main.ts parses argv with it; the CLI reference
 * (docs/cli.md) and shell completion walk it, so what they say is what runs. Each command lives in
 * its own file and loads its work only when it runs, so `quarry --help` stays instant.
 *
 * Given `args`, only the command they name is registered (all of them when they name none, or one
 * that does not exist: help and commander's "did you mean" need the others): building every
 * command's options took a tenth of a cached `quarry run` (issue 18). The definitions are imported
 * statically all the same: the CLI bundle then holds them in one chunk, where twenty dynamic
 * imports made twenty files to resolve and read at each start.
 */
export async function buildProgram(args?: readonly string[]): Promise<Command> {
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

  const word = args === undefined ? undefined : commandWord(args)
  const named = COMMANDS.find((command) => word !== undefined && command.names.includes(word))
  for (const { register } of named === undefined ? COMMANDS : [named]) register(program)

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
