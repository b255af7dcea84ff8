// Shared by the benchmarks: replaces one section of bench/RESULTS.md.
import { readFileSync, writeFileSync } from 'node:fs'

const FILE = new URL('./RESULTS.md', import.meta.url)

/**
 * Writes `line` under `## heading`, replacing what that section held.
 *
 * @example recordResult('Simulator: world generation', 'npm run bench:world', 'generateWorld(…): …')
 */
export function recordResult(heading, command, line) {
  const title = `## ${heading}`
  const entry = `${title}\n\n\`${command}\` — ${new Date().toISOString().slice(0, 10)}, node ${process.version}\n\n${line}\n`
  let text = readFileSync(FILE, 'utf8')
  const start = text.indexOf(title)
  if (start >= 0) {
    const end = text.indexOf('\n## ', start + title.length)
    text = text.slice(0, start) + entry + (end >= 0 ? text.slice(end + 1) : '')
  } else {
    text = `${text.trimEnd()}\n\n${entry}`
  }
  writeFileSync(FILE, text)
}
