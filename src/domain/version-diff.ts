import { createTwoFilesPatch } from 'diff'
import type { ObjectVersion, VersionedKind } from './audit.js'

/**
 * A version's definition as the text a person compares: a converter's source as it is (its
 * description above it), a template's and a query's definition as indented JSON.
 *
 * @example versionText('converter', { description: null, content: 'function convert(j) {}' })
 * // 'function convert(j) {}\n'
 */
export function versionText(kind: VersionedKind, definition: unknown): string {
  if (kind === 'query') return `${JSON.stringify(definition, null, 2)}\n`
  const { description, content } = definition as { description: string | null; content: string }
  const head = description ? `// ${description}\n` : ''
  if (kind === 'converter') return `${head}${content.endsWith('\n') ? content : `${content}\n`}`
  let body: string
  try {
    body = JSON.stringify(JSON.parse(content), null, 2)
  } catch {
    body = content
  }
  return `${head}${body}\n`
}

/**
 * A unified diff from one version to another (the `diff` package), headed by the object's name and
 * the version numbers; empty hunks when nothing differs.
 *
 * @example diffVersions('query', 'bugs', v1, v2) // '--- bugs v1\n+++ bugs v2\n@@ -1,4 +1,4 @@ …'
 */
export function diffVersions(
  kind: VersionedKind,
  name: string,
  from: ObjectVersion,
  to: ObjectVersion,
): string {
  const patch = createTwoFilesPatch(
    `${name} v${from.version}`,
    `${name} v${to.version}`,
    versionText(kind, from.definition),
    versionText(kind, to.definition),
    from.at,
    to.at,
  )
  // The first line is a separator line of `=` that the unified format does not need.
  return patch.replace(/^=+\n/, '')
}
