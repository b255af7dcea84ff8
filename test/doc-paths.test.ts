import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { dirname } from 'node:path'
import { describe, expect, it } from 'vitest'

/**
 * A document is a promise (issue 11): every file or folder of the repository that docs/ names in
 * backticks, and every document it links to (relative to its own folder: docs/guide/, docs/operator/
 * …), exists. Patterns (`*-format.ts`) are not checked.
 */
const root = new URL('..', import.meta.url)
const docs = (readdirSync(new URL('docs/', root), { recursive: true }) as string[])
  .filter((name) => name.endsWith('.md'))
  .sort()

describe.each(docs)('docs/%s', (name) => {
  const text = readFileSync(new URL(`docs/${name}`, root), 'utf8')

  it('names only files and folders that exist', () => {
    const named = [...text.matchAll(/`((?:src|test|bench|scripts|web|docs)\/[^`\s:]*)/g)]
      .map((match) => match[1] as string)
      .filter((path) => !path.includes('*'))
    expect(named.filter((path) => !existsSync(new URL(path, root)))).toEqual([])
  })

  it('links only to documents that exist', () => {
    const linked = [...text.matchAll(/\]\(([^)#:]+)(?:#[^)]*)?\)/g)].map((match) => match[1] as string)
    const folder = dirname(`docs/${name}`)
    expect(linked.filter((path) => !existsSync(new URL(`${folder}/${path}`, root)))).toEqual([])
  })
})
