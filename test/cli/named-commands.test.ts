import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { buildProgram } from '../../src/cli/program.js'

/**
 * A message, page or document that tells someone to run `quarry WORD …` names a command that exists:
 * an error's fix once pointed at `quarry user edit`, which never did.
 */

const root = new URL('../../', import.meta.url).pathname

/** Words after "quarry" in prose, not commands: "quarry answered", "the quarry secret key check", … */
const PROSE = new Set(['answered', 'quarry', 'secret', 'in', 'or'])

function filesUnder(dir: string, endings: readonly string[]): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && endings.some((ending) => entry.name.endsWith(ending)))
    .map((entry) => join(entry.parentPath, entry.name))
}

describe('commands named in messages and docs', () => {
  it('exist, down to the subcommand', async () => {
    const program = await buildProgram()
    const files = [
      ...filesUnder('src', ['.ts']),
      ...filesUnder('web/src', ['.ts', '.tsx']),
      ...filesUnder('docs', ['.md']),
      join(root, 'README.md'),
    ]
    const unknown: string[] = []
    for (const file of files) {
      for (const [text, word, sub] of readFileSync(file, 'utf8').matchAll(
        /\bquarry ([a-z][a-z-]+)(?: ([a-z][a-z-]+))?/g,
      )) {
        if (PROSE.has(word as string)) continue
        const command = program.commands.find((candidate) => candidate.name() === word)
        const known =
          command !== undefined &&
          (sub === undefined ||
            command.commands.length === 0 ||
            command.commands.some((candidate) => candidate.name() === sub))
        if (!known) unknown.push(`${file.slice(root.length)}: ${text}`)
      }
    }
    expect(files.length).toBeGreaterThan(100)
    expect(unknown).toEqual([])
  })
})
