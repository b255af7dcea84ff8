// Shared by the benchmarks: replaces one section of bench/RESULTS.md.
import { readFileSync, writeFileSync } from 'node:fs'

const FILE = new URL('./RESULTS.md', import.meta.url)

/** Under a section, what follows this line was written by hand: a new run keeps it. */
export const NOTES_MARK = '<!-- notes by hand: kept when the bench records again -->'

/**
 * Writes `line` under `## heading`, replacing the figures that section held; the section's notes
 * below NOTES_MARK stay.
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
    const section = text.slice(start, end >= 0 ? end + 1 : text.length)
    const mark = section.indexOf(NOTES_MARK)
    const notes = mark >= 0 ? `\n${section.slice(mark).trimEnd()}\n` : ''
    text = text.slice(0, start) + entry + notes + (end >= 0 ? `\n${text.slice(end + 1)}` : '')
  } else {
    text = `${text.trimEnd()}\n\n${entry}`
  }
  writeFileSync(FILE, text)
}
