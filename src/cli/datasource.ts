import type { Command } from 'commander'
import { AUTH_KIND_LIST, AUTH_TYPES, authFlags } from '../domain/auth-kinds/index.js'
import { collect } from './flags.js'
import { SECRET_FLAGS } from './secret-input.js'

/** What every secret flag's help adds: where else its value may come from (cli/secret-input.ts). */
const SECRET_SOURCES = 'env:NAME reads it from a variable, - from standard input'

/** Each auth kind's flags, from its description (src/domain/auth-kinds/); secrets say how to keep them off the command line. */
function withAuthFlags(sub: Command): Command {
  const secret = new Set(SECRET_FLAGS.map((s) => s.flag))
  for (const { flag, help, repeatable } of authFlags(AUTH_KIND_LIST)) {
    const described = secret.has(flag.split(' ')[0] as string) ? `${help}; ${SECRET_SOURCES}` : help
    if (repeatable) sub.option(flag, described, collect)
    else sub.option(flag, described)
  }
  return sub
}

/**
 * `--preset` and, from the preset registry, each preset's own fields as flags (those not defined
 * already). Loaded only when `datasource add` runs, so `quarry --help` never loads the presets.
 */
export async function addPresetOptions(add: Command): Promise<void> {
  // Once: the reference and completion add them to a program that may go on to parse.
  if (add.options.some((option) => option.long === '--preset')) return
  const [{ allPresets }, { fieldFlag }] = await Promise.all([
    import('../auth/presets/index.js'),
    import('../auth/presets/preset.js'),
  ])
  const presets = allPresets()
  add.option(
    '--preset <preset>',
    `${presets.map((p) => p.name).join(' | ')}: the provider's settings filled in, ready-made queries added; then quarry connect`,
  )
  for (const preset of presets) {
    for (const field of preset.form.fields) {
      const flag = fieldFlag(field.key)
      if (add.options.some((option) => option.long === flag)) continue
      const values = field.choices ? field.choices.map((c) => c.value).join('|') : 'value'
      add.option(`${flag} <${values}>`, `${preset.name}: ${field.hint}`)
    }
  }
}

/** `quarry datasource add|list|show|edit|remove|test`. */
export function registerDatasource(program: Command): void {
  const command = program
    .command('datasource')
    .description(
      'Define where queries send requests (a REST API or a SQL database) and how they authenticate',
    )
  const definition = (sub: Command) =>
    withAuthFlags(
      sub
        .option('--type <type>', 'rest (default) | postgres | mysql (MySQL and MariaDB) | sqlite')
        .option(
          '--url <url>',
          'REST: base URL every query path is relative to; SQL: postgres://USER@HOST:PORT/DB or mysql://…',
        )
        .option('--host <host>', 'SQL: database server host (instead of --url)')
        .option('--port <port>', 'SQL: database server port')
        .option('--database <name>', 'SQL: database name')
        .option('--user <user>', 'SQL: user name')
        .option('--path <file>', 'sqlite: the database file (opened read-only)')
        .option('--tls <mode>', 'SQL: disable (default) | require | verify')
        .option(
          '--tls-ca <file>',
          'SQL: PEM file of the CA that signed the server certificate (with --tls verify)',
        )
        .option('--pool-size <n>', 'SQL: connections kept open (default 4)')
        .option('--max-rows <n>', 'SQL: read at most this many rows per query, saying so (default 1000000)')
        .option('--read-write', 'SQL: let queries write (default: read-only transactions)')
        .option('--read-only', 'SQL: back to read-only transactions')
        .option('--test-path <path>', 'path `datasource test` requests (default /)')
        .option('--header <"Name: value">', 'a header sent with every request (repeatable)', collect)
        .option(
          '--secret-header <"Name: value">',
          'a header whose value is a secret: encrypted, never shown (repeatable)',
          collect,
        )
        .option('--timeout <duration>', 'REST: per-request timeout; SQL: statement timeout; e.g. 30s')
        .option('--max-bytes <n>', 'largest response accepted, in bytes')
        .option('--allow-host <host>', 'another host requests and redirects may reach (repeatable)', collect)
        .option('--auth <type>', AUTH_TYPES.join(' | '))
        .option(
          '--connection-mode <mode>',
          "shared (one connection for everyone, the default) | per-user (each signed-in person's own; oauth2-authorization-code only)",
        ),
    )
      .option(
        '--refresh-token <token>',
        `oauth2-authorization-code: a refresh token obtained elsewhere (secret); ${SECRET_SOURCES}`,
      )
      .option(
        '--access-token <token>',
        `oauth2-authorization-code: its access token, if you have one (secret); ${SECRET_SOURCES}`,
      )

  definition(command.command('add <name>').description('Add a REST or SQL datasource'))
    .option('--auth-url <url>', "preset: where the provider's authorization server is (e.g. quarry sim)")
    .option('--api-url <url>', "preset: where the provider's API is (e.g. quarry sim)")
    .action(async (name, flags, sub) => {
      const { addDatasource } = await import('./datasource-run.js')
      await addDatasource(name, flags, sub.optsWithGlobals())
    })
  command.hook('preSubcommand', async (_datasource, sub) => {
    if (sub.name() === 'add') await addPresetOptions(sub)
  })
  definition(command.command('edit <name>').description('Change a datasource: only the flags given change'))
    .option('--rename <newName>', 'give the datasource a new name')
    .action(async (name, flags, sub) => {
      const { editDatasource } = await import('./datasource-run.js')
      await editDatasource(name, flags, sub.optsWithGlobals())
    })
  command
    .command('list')
    .description('List datasources and the state of their OAuth connections')
    .action(async (_flags, sub) => {
      const { listDatasources } = await import('./datasource-run.js')
      await listDatasources(sub.optsWithGlobals())
    })
  command
    .command('show <name>')
    .description('Show a datasource (secrets masked)')
    .option('--show-secrets', 'print secrets in clear')
    .action(async (name, flags, sub) => {
      const { showDatasource } = await import('./datasource-run.js')
      await showDatasource(name, flags, sub.optsWithGlobals())
    })
  command
    .command('remove <name>')
    .description('Remove a datasource (refused while queries use it)')
    .action(async (name, _flags, sub) => {
      const { removeDatasource } = await import('./datasource-run.js')
      await removeDatasource(name, sub.optsWithGlobals())
    })
  command
    .command('test <name>')
    .description('Say in one line whether the datasource works (SQL: the server version), and why not')
    .option('--as <user>', "a per-user datasource: test this Quarry user's own connection")
    .action(async (name, flags: { as?: string }, sub) => {
      const { testDatasource } = await import('./datasource-run.js')
      await testDatasource(name, sub.optsWithGlobals(), flags.as)
    })
}
