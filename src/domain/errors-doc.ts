import { ERROR_CODES, type Fault } from './errors.js'

/** Whose fault, as docs/errors.md says it. */
const FAULT_WORDS: Readonly<Record<Fault, string>> = {
  user: 'user (the caller’s input or configuration: fix it and retry)',
  upstream: 'upstream (an API, token endpoint or database failed: see its message)',
  internal: 'internal (Quarry’s own bug: report it)',
}

/** A table cell's text: a `|` would end the cell, a `<` would open an HTML tag. */
const cell = (text: string): string => text.replaceAll('|', '\\|').replaceAll('<', '\\<')

/**
 * docs/errors.md, generated from the registry (`npm run docs:errors` writes it;
 * test/domain/errors.test.ts fails when the file and the registry drift).
 *
 * @example writeFileSync('docs/errors.md', errorsMarkdown()) // then formatted by prettier
 */
export function errorsMarkdown(): string {
  const rows = Object.entries(ERROR_CODES).map(
    ([code, { fault, status, exitCode, summary }]) =>
      `| \`${code}\` | ${fault} | ${status} | ${exitCode} | ${cell(summary)} |`,
  )
  return [
    '# Errors',
    '',
    '<!-- Generated from src/domain/errors.ts by `npm run docs:errors`; do not edit by hand. -->',
    '',
    'Every error Quarry raises on purpose has a stable code, listed here with whose fault it is, the HTTP',
    'status the API answers with and the exit code of the CLI. Its message, written where it is raised,',
    'says what failed and what to do next; it never contains a secret.',
    '',
    '- The API answers `{ "error": { "code": "QUARRY_…", "message": "…" } }` (a converter’s failure adds',
    '  `line` for admins and editors); viewers and visitors read the summary below instead of a message',
    '  that may name upstream details.',
    '- A view (`/v/QUERY`, embeds included) shows the message and the code on its HTML page.',
    '- The CLI prints one line, `quarry: <message> (QUARRY_…)`, and exits with the code below: 1 when',
    '  the command failed, 2 for a usage or configuration mistake. Quarry’s own bug is `QUARRY_INTERNAL`:',
    '  one line saying where the details went (`--debug` prints them).',
    '',
    'Faults:',
    '',
    ...Object.values(FAULT_WORDS).map((words) => `- ${words}`),
    '',
    '| Code | Fault | HTTP | Exit | Summary |',
    '| --- | --- | --- | --- | --- |',
    ...rows,
    '',
  ].join('\n')
}
