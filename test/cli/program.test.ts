import { spawnSync } from 'node:child_process'
import { Command } from 'commander'
import { describe, expect, it } from 'vitest'
import { buildProgram, commandWord, COMMANDS } from '../../src/cli/program.js'

/**
 * The CLI builds only the command its arguments name (issue 18: building all of them was a tenth of
 * a cached `quarry run`). These say that the command built alone is the command built among all.
 */

const topNames = (program: Command) => program.commands.map((command) => command.name())

/** Every command under `command`, depth first. */
const below = (command: Command): Command[] => command.commands.flatMap((sub) => [sub, ...below(sub)])

/** Every command's path and help text, under the root. */
const helpTexts = (program: Command): [string, string][] =>
  below(program).map((command) => [pathOf(command), command.helpInformation()])

function pathOf(command: Command): string {
  const names: string[] = []
  for (let at: Command | null = command; at?.parent; at = at.parent) names.unshift(at.name())
  return names.join(' ')
}

describe('buildProgram', () => {
  it('each definition adds exactly the top-level commands it is listed under', () => {
    for (const { names, register } of COMMANDS) {
      const program = new Command()
      register(program)
      expect(topNames(program), names.join(', ')).toEqual(names)
    }
  })

  it('without arguments, or for help, builds every command once', async () => {
    const every = COMMANDS.flatMap(({ names }) => names)
    expect(new Set(every).size).toBe(every.length)
    expect(topNames(await buildProgram())).toEqual(every)
    expect(topNames(await buildProgram(['--help']))).toEqual(every)
    expect(topNames(await buildProgram(['help', 'run']))).toEqual(every)
  })

  it('builds every command for a word that names none, so commander can suggest one', async () => {
    expect(topNames(await buildProgram(['rnu', 'q']))).toHaveLength(
      COMMANDS.flatMap(({ names }) => names).length,
    )
  })

  it('builds only the command the arguments name, with the same options, arguments and help', async () => {
    const full = new Map(helpTexts(await buildProgram()))
    expect(full.size).toBeGreaterThan(60)
    for (const { names } of COMMANDS) {
      for (const name of names) {
        const alone = await buildProgram(['--db', 'x.db', name, 'whatever'])
        expect(topNames(alone)).toEqual(names)
        for (const [path, help] of helpTexts(alone)) expect(help, path).toBe(full.get(path))
      }
    }
  })
})

describe('commandWord', () => {
  it('is the first word that is neither an option nor the value of --db', () => {
    expect(commandWord(['run', 'q'])).toBe('run')
    expect(commandWord(['--db', 'run', 'query', 'list'])).toBe('query')
    expect(commandWord(['--db=x.db', '--debug', 'run', 'q'])).toBe('run')
    expect(commandWord(['--', 'run'])).toBe('run')
  })

  it('is undefined when the arguments name no command', () => {
    expect(commandWord([])).toBeUndefined()
    expect(commandWord(['--help'])).toBeUndefined()
    expect(commandWord(['--db', 'x.db'])).toBeUndefined()
  })
})

describe('the quarry command, built for the command it runs', () => {
  const quarry = (...args: string[]) =>
    spawnSync(process.execPath, ['bin/quarry.js', ...args], { encoding: 'utf8', env: { ...process.env } })

  it('suggests the command meant for a misspelt one', () => {
    const answer = quarry('rnu')
    expect(answer.status).toBe(2)
    expect(answer.stderr).toContain("quarry: unknown command 'rnu'")
    expect(answer.stderr).toContain('(Did you mean run?)')
  })

  it('prints a command’s help as the whole program would', async () => {
    const answer = quarry('--db', 'unused.db', 'run', '--help')
    expect(answer.status).toBe(0)
    const run = (await buildProgram()).commands.find((command) => command.name() === 'run')
    expect(answer.stdout).toBe(run?.helpInformation())
  })
})
