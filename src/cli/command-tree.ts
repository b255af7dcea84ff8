import type { Command } from 'commander'

/** One option as the reference and completion describe it. */
export interface OptionNode {
  /** As declared: `-p, --param <name=value>`. */
  readonly flags: string
  readonly long?: string
  readonly short?: string
  readonly description: string
  /** The default commander fills in, as text; absent when there is none. */
  readonly defaultValue?: string
  /** Whether the next word is the option's value (so completion skips it). */
  readonly takesValue: boolean
  /** The value's placeholder, e.g. `file` of `<file>`: completion offers file names for files and paths. */
  readonly valueName?: string
}

/** One command of the tree: `quarry datasource add` is the path ['datasource', 'add']. */
export interface CommandNode {
  readonly path: readonly string[]
  readonly description: string
  /** `<name>`, `[file]`, as commander shows them. */
  readonly arguments: readonly {
    readonly name: string
    readonly required: boolean
    readonly description: string
  }[]
  readonly options: readonly OptionNode[]
  readonly commands: readonly CommandNode[]
}

function optionNode(option: Command['options'][number]): OptionNode {
  const takesValue = option.required || option.optional
  const valueName = /[<[]([^>\]]+)[>\]]/.exec(option.flags)?.[1]
  const fallback = option.defaultValue
  return {
    flags: option.flags,
    ...(option.long ? { long: option.long } : {}),
    ...(option.short ? { short: option.short } : {}),
    description: option.description,
    // `--no-browser` defaults its positive to true: that is how negation works, not a default to tell.
    ...(fallback === undefined || option.negate ? {} : { defaultValue: String(fallback) }),
    takesValue,
    ...(valueName ? { valueName } : {}),
  }
}

/**
 * The command tree of a commander program as plain data, in declaration order, help options
 * left out (every command has `-h, --help`).
 *
 * @example commandTree(program).commands.map((c) => c.path.join(' ')) // ['sim', 'datasource', …]
 */
export function commandTree(command: Command, parent: readonly string[] = []): CommandNode {
  const path = command.parent ? [...parent, command.name()] : []
  const options = command.options.filter((option) => !option.hidden).map(optionNode)
  return {
    path,
    description: command.description(),
    arguments: command.registeredArguments.map((argument) => ({
      name: argument.required ? `<${argument.name()}>` : `[${argument.name()}]`,
      required: argument.required,
      description: argument.description,
    })),
    options,
    commands: command.commands.map((sub) => commandTree(sub, path)),
  }
}

/** Every command of the tree, depth first, the root first. */
export function allCommands(root: CommandNode): CommandNode[] {
  return [root, ...root.commands.flatMap(allCommands)]
}
