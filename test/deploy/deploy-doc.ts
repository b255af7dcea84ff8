import { readFileSync } from 'node:fs'

/** docs/reverse-proxy.md: the deployment the tests in this folder run as written. */
export const DEPLOY_DOC = new URL('../../docs/reverse-proxy.md', import.meta.url)

/**
 * The code block right after `<!-- deploy-NAME -->` in docs/reverse-proxy.md, verbatim. Throws when
 * the document has no such block, so a renamed or removed block fails the test that runs it.
 *
 * @example const unit = deployBlock('systemd') // the text of the ```ini block
 */
export function deployBlock(name: string): string {
  const text = readFileSync(DEPLOY_DOC, 'utf8')
  const marker = `<!-- deploy-${name} -->`
  const at = text.indexOf(marker)
  const match = /^\s*```[^\n]*\n([\s\S]*?)^```/m.exec(text.slice(at + marker.length))
  if (at < 0 || !match) throw new Error(`docs/reverse-proxy.md has no code block after ${marker}`)
  return match[1] as string
}

/**
 * `text` with each key of `replacements` replaced by its value, every occurrence. A key the text
 * does not contain throws: the test would otherwise run something other than the documented block.
 *
 * @example templated('listen 443 ssl;', { 'listen 443': 'listen 127.0.0.1:8443' })
 */
export function templated(text: string, replacements: Readonly<Record<string, string>>): string {
  let result = text
  for (const [from, to] of Object.entries(replacements)) {
    if (!result.includes(from)) throw new Error(`the documented block no longer contains "${from}"`)
    result = result.replaceAll(from, to)
  }
  return result
}

/** The `Key=value` lines of a systemd unit's or environment file's text (comments and sections skipped). */
export function settings(text: string): Array<readonly [string, string]> {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#') && !line.startsWith('['))
    .map((line) => {
      const at = line.indexOf('=')
      return [line.slice(0, at), line.slice(at + 1)] as const
    })
}

/** The unit's one ExecStart line, split into words (the documented line uses no quotes). */
export function execStart(unit: string): string[] {
  const lines = settings(unit).filter(([key]) => key === 'ExecStart')
  if (lines.length !== 1) throw new Error(`the documented unit has ${lines.length} ExecStart lines, not 1`)
  return (lines[0] as readonly [string, string])[1].split(/\s+/)
}
