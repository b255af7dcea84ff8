import { ENVIRONMENT, USER_NAMED_ENV, type EnvAudience } from './environment.js'

/** A table cell's text: a `|` would end the cell. */
const cell = (text: string): string => text.replaceAll('|', '\\|')

const AUDIENCES: Readonly<Record<EnvAudience, string>> = {
  operator: 'For operators',
  development: 'For development and tests',
}

/**
 * docs/environment.md, generated from the registry in src/domain/environment.ts
 * (`npm run docs:generate` writes it; test/domain/environment.test.ts fails on drift).
 *
 * @example writeFileSync('docs/environment.md', environmentMarkdown()) // then formatted by prettier
 */
export function environmentMarkdown(): string {
  const entries = Object.entries(ENVIRONMENT)
  const table = (audience: EnvAudience) => [
    `## ${AUDIENCES[audience]}`,
    '',
    '| Variable | What it does | When unset | Secret |',
    '| --- | --- | --- | --- |',
    ...entries
      .filter(([, variable]) => variable.audience === audience)
      .map(
        ([name, variable]) =>
          `| \`${name}\` | ${cell(variable.summary)} | ${cell(variable.unset)} | ${variable.secret ? 'yes' : 'no'} |`,
      ),
    '',
  ]
  return [
    '# Environment variables',
    '',
    '<!-- Generated from src/domain/environment.ts by `npm run docs:generate`; do not edit by hand. -->',
    '',
    'Every environment variable Quarry reads. The command line’s flags are in [cli.md](cli.md); a',
    'flag given on the command line wins over a variable where both set the same thing.',
    '',
    ...table('operator'),
    ...table('development'),
    '## Variables you name',
    '',
    USER_NAMED_ENV.summary,
    '',
  ].join('\n')
}
