import { allCommands, type CommandNode, type OptionNode } from './command-tree.js'

/** The shells `quarry completion` writes a script for. */
export const COMPLETION_SHELLS = ['bash', 'zsh'] as const
export type CompletionShell = (typeof COMPLETION_SHELLS)[number]

/** A word in single quotes, as both shells read it. */
const quote = (text: string): string => `'${text.replaceAll("'", `'\\''`)}'`

/** The first line of a description: completion menus show one line. */
const oneLine = (text: string): string => text.split('\n')[0]?.trim() ?? ''

/** What each command accepts: its subcommands, and its options with those of every command above it. */
interface Level {
  readonly key: string
  readonly commands: readonly CommandNode[]
  readonly options: readonly OptionNode[]
}

const HELP: OptionNode = {
  flags: '-h, --help',
  long: '--help',
  short: '-h',
  description: 'show help',
  takesValue: false,
}

function levels(root: CommandNode): Level[] {
  const inherited = new Map<string, readonly OptionNode[]>()
  return allCommands(root).map((command) => {
    const key = command.path.join(' ')
    const above = inherited.get(command.path.slice(0, -1).join(' ')) ?? [HELP]
    const options = [...above, ...command.options]
    inherited.set(key, options)
    return { key, commands: command.commands, options }
  })
}

const optionNames = (option: OptionNode): string[] =>
  [option.short, option.long].filter((name): name is string => name !== undefined)

/** A shell function answering, for a command path in $1, one line per word `print(level)` gives. */
function caseFunction(
  name: string,
  all: readonly Level[],
  lines: (level: Level) => readonly string[],
): string {
  const branches = all
    .map((level) => ({ level, words: lines(level) }))
    .filter(({ words }) => words.length > 0)
    .map(({ level, words }) => `    ${quote(level.key)}) printf '%s\\n' ${words.map(quote).join(' ')} ;;`)
  return [`${name}() {`, '  case "$1" in', ...branches, '  esac', '}'].join('\n')
}

/** The data functions both scripts share: subcommands, options and the options that take a value. */
function dataFunctions(root: CommandNode, described: boolean): string {
  const all = levels(root)
  const escape = (word: string) => word.replaceAll(':', '\\:')
  const item = (word: string, description: string) =>
    described ? `${escape(word)}:${oneLine(description)}` : word
  return [
    caseFunction('_quarry_commands', all, (level) =>
      level.commands.map((c) => item(c.path.at(-1) as string, c.description)),
    ),
    caseFunction('_quarry_options', all, (level) =>
      level.options.flatMap((o) => optionNames(o).map((n) => item(n, o.description))),
    ),
    caseFunction('_quarry_valued', all, (level) =>
      level.options.filter((o) => o.takesValue).flatMap(optionNames),
    ),
  ].join('\n\n')
}

/**
 * The loop both shells run over the words before the cursor: follows subcommands into `cmdpath`,
 * skips options and the value of an option that takes one. `first` is the first word after
 * `quarry` (1 in bash's COMP_WORDS, 2 in zsh's words), `words` the array, `cursor` its index.
 */
const WALK = (first: number, words: string, cursor: string) => `  local cmdpath='' word skip=0 i
  for ((i = ${first}; i < ${cursor}; i++)); do
    word="\${${words}[i]}"
    if ((skip)); then skip=0; continue; fi
    if [[ $word == -* ]]; then
      if [[ $word != *=* ]] && _quarry_valued "$cmdpath" | grep -qxF -- "$word"; then skip=1; fi
      continue
    fi
    if _quarry_commands "$cmdpath" | cut -d: -f1 | grep -qxF -- "$word"; then cmdpath="\${cmdpath:+$cmdpath }$word"; fi
  done`

function bashScript(root: CommandNode): string {
  return `# bash completion for quarry, generated from its command definitions by \`quarry completion bash\`.
# Load it now:  source <(quarry completion bash)
# For good:     quarry completion bash > ~/.local/share/bash-completion/completions/quarry

${dataFunctions(root, false)}

_quarry() {
  local cur="\${COMP_WORDS[COMP_CWORD]}"
${WALK(1, 'COMP_WORDS', 'COMP_CWORD')}
  COMPREPLY=()
  # An option's value, or an argument: bash's own completion (file names) takes over.
  ((skip)) && return
  if [[ $cur == -* ]]; then
    mapfile -t COMPREPLY < <(compgen -W "$(_quarry_options "$cmdpath")" -- "$cur")
  else
    mapfile -t COMPREPLY < <(compgen -W "$(_quarry_commands "$cmdpath")" -- "$cur")
  fi
}

complete -o default -F _quarry quarry
`
}

function zshScript(root: CommandNode): string {
  return `#compdef quarry
# zsh completion for quarry, generated from its command definitions by \`quarry completion zsh\`.
# Load it now (after compinit):  source <(quarry completion zsh)
# For good:  quarry completion zsh > "\${fpath[1]}/_quarry"   (a folder of your fpath)

${dataFunctions(root, true)}

_quarry() {
  local cur="\${words[CURRENT]}"
${WALK(2, 'words', 'CURRENT')}
  local -a items
  # An option's value, or an argument: file names.
  if ((skip)); then _files; return; fi
  if [[ $cur == -* ]]; then
    items=("\${(@f)$(_quarry_options "$cmdpath")}")
    _describe -t options option items
  else
    items=("\${(@f)$(_quarry_commands "$cmdpath")}")
    if ((\${#items[@]} > 0)) && [[ -n \${items[1]} ]]; then _describe -t commands command items; else _files; fi
  fi
}

if [[ \${zsh_eval_context[-1]} == loadautofunc ]]; then
  _quarry "$@"
else
  compdef _quarry quarry
fi
`
}

/**
 * The completion script for `shell`, generated from the command tree: a new command or option
 * completes as soon as it is defined.
 *
 * @example completionScript('bash', commandTree(program)) // '# bash completion for quarry…'
 */
export function completionScript(shell: CompletionShell, root: CommandNode): string {
  return shell === 'bash' ? bashScript(root) : zshScript(root)
}
