import { allCommands, type CommandNode } from './command-tree.js'

/**
 * A table cell's text: a `|` would end the cell; outside code spans a `<` would open an HTML tag.
 *
 * @example cell('rest | sqlite, `<file>`') // 'rest \\| sqlite, `<file>`'
 */
function cell(text: string): string {
  return text
    .split('`')
    .map((part, at) => (at % 2 === 0 ? part.replaceAll('<', '\\<') : part))
    .join('`')
    .replaceAll('|', '\\|')
    .replaceAll('\n', ' ')
}

function usage(command: CommandNode): string {
  return [
    'quarry',
    ...command.path,
    ...(command.options.length > 0 ? ['[options]'] : []),
    ...(command.commands.length > 0 ? ['<command>'] : []),
    ...command.arguments.map((argument) => argument.name),
  ].join(' ')
}

function section(command: CommandNode): string[] {
  const lines = [
    `## ${['quarry', ...command.path].join(' ')}`,
    '',
    command.description,
    '',
    '```text',
    usage(command),
    '```',
    '',
  ]
  if (command.commands.length > 0) {
    lines.push('| Command | Description |', '| --- | --- |')
    for (const sub of command.commands) {
      lines.push(
        `| [\`${sub.path.join(' ')}\`](#${['quarry', ...sub.path].join('-')}) | ${cell(sub.description)} |`,
      )
    }
    lines.push('')
  }
  const described = command.arguments.filter((argument) => argument.description !== '')
  if (described.length > 0) {
    lines.push('| Argument | Description |', '| --- | --- |')
    for (const argument of described) lines.push(`| \`${argument.name}\` | ${cell(argument.description)} |`)
    lines.push('')
  }
  if (command.options.length > 0) {
    lines.push('| Option | Description | Default |', '| --- | --- | --- |')
    for (const option of command.options) {
      const fallback = option.defaultValue === undefined ? '' : `\`${option.defaultValue}\``
      lines.push(`| \`${option.flags.replaceAll('|', '\\|')}\` | ${cell(option.description)} | ${fallback} |`)
    }
    lines.push('')
  }
  return lines
}

/**
 * docs/cli.md, generated from the command tree (`npm run docs:generate` writes it;
 * test/cli/reference-docs.test.ts fails when the file and the definitions drift).
 *
 * @example cliMarkdown(commandTree(await completeProgram())) // then formatted by prettier
 */
export function cliMarkdown(root: CommandNode): string {
  return [
    '# Command line reference',
    '',
    '<!-- Generated from the command definitions in src/cli/ by `npm run docs:generate`; do not edit by hand. -->',
    '',
    'Every `quarry` command, its arguments and its options with their defaults. Options of `quarry`',
    'itself (`--db`, `--debug`) work with every command; every command takes `-h, --help`. The',
    'server’s flags are those of [`quarry serve`](#quarry-serve); the environment variables Quarry',
    'reads are in [environment.md](environment.md), the errors it reports in [errors.md](errors.md).',
    '',
    'Secrets (`--password`, `--token`, `--key`, `--client-secret`, `--refresh-token`, `--access-token`)',
    'need not be typed where the shell’s history keeps them: give `env:NAME` to read the environment',
    'variable NAME, or `-` to read standard input (one secret per command). A secret the datasource',
    'needs and no flag gives is asked for at a hidden prompt when standard input is a terminal.',
    '',
    'On a terminal, a run that fetches several pages shows its progress (pages, rows, time) on',
    'standard error, and clears it when done; nothing is shown when standard error is a pipe or a',
    'file. `quarry completion bash|zsh` prints a completion script made from these definitions.',
    '',
    ...allCommands(root).flatMap(section),
  ].join('\n')
}
