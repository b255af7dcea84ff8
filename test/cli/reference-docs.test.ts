import { Command } from 'commander'
import { readFileSync } from 'node:fs'
import prettier from 'prettier'
import { describe, expect, it } from 'vitest'
import { cliMarkdown } from '../../src/cli/cli-doc.js'
import { allCommands, commandTree } from '../../src/cli/command-tree.js'
import { completeProgram } from '../../src/cli/program.js'

/**
 * Issue 19, done-when 2: docs/cli.md is generated from the command definitions — the program
 * main.ts parses with, walked — and fails here when the two drift.
 */

const root = new URL('../../', import.meta.url).pathname

async function formatted(markdown: string, file: string): Promise<string> {
  const options = (await prettier.resolveConfig(file)) ?? {}
  return prettier.format(markdown, { ...options, filepath: file })
}

describe('docs/cli.md', () => {
  it('is what `npm run docs:generate` writes from the command definitions', async () => {
    const file = `${root}docs/cli.md`
    const generated = await formatted(cliMarkdown(commandTree(await completeProgram())), file)
    expect(readFileSync(file, 'utf8'), 'docs/cli.md is stale: run npm run docs:generate').toBe(generated)
  })

  it('tells every command, argument and option of the program, with defaults', async () => {
    const tree = commandTree(await completeProgram())
    const text = readFileSync(`${root}docs/cli.md`, 'utf8')
    for (const command of allCommands(tree)) {
      expect(text).toContain(`## ${['quarry', ...command.path].join(' ')}\n`)
      for (const argument of command.arguments) expect(text).toContain(argument.name)
      for (const option of command.options)
        expect(text).toContain(`\`${option.flags.replaceAll('|', '\\|')}\``)
    }
    // The server's flags, with their defaults.
    const serve = text.slice(text.indexOf('## quarry serve\n'))
    expect(serve).toMatch(/`--port <port>`\s*\|[^|]*\|\s*`8080`/)
    expect(serve).toContain('`--trust-proxy <hops|addresses>`'.replace('|', '\\|'))
    // The options `datasource add` loads only when it runs (the presets' fields) are there too.
    expect(text).toContain('`--preset <preset>`')
  })

  it('follows a definition that changes: a command added to a program shows up', () => {
    const program = new Command().name('quarry')
    program
      .command('planted <thing>')
      .description('A command only this test defines')
      .option('--depth <n>', 'how deep to dig', '3')
    const text = cliMarkdown(commandTree(program))
    expect(text).toContain('## quarry planted\n\nA command only this test defines')
    expect(text).toContain('quarry planted [options] <thing>')
    expect(text).toContain('| `--depth <n>` | how deep to dig | `3` |')
  })
})
