import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { allCommands, commandTree } from '../../src/cli/command-tree.js'
import { completeProgram } from '../../src/cli/program.js'
import { ITEM_COUNT, startApiServer, type ApiServer } from '../helpers/api-server.js'
import { runQuarry, type CliRun } from '../helpers/cli.js'
import { TEST_SECRET_KEY } from '../helpers/engine.js'

/**
 * Issue 19, done-when 7: secrets from stdin, an environment variable or a hidden prompt instead of
 * a flag; progress on a terminal and nothing on a pipe; `quarry --version`; shell completion
 * generated from the command definitions. The built CLI runs as a user would; a terminal is a
 * real pseudo-terminal from util-linux's `script`.
 */

const bin = new URL('../../bin/quarry.js', import.meta.url).pathname
const root = new URL('../../', import.meta.url).pathname
let api: ApiServer
let dir: string
let db: string

const baseEnv = (): NodeJS.ProcessEnv => ({
  ...process.env,
  QUARRY_SECRET_KEY: TEST_SECRET_KEY,
  QUARRY_DATABASE_URL: '',
  XDG_DATA_HOME: dir,
})

/** The CLI on pipes: `input` is its whole standard input (closed after it). */
function quarry(
  args: readonly string[],
  input = '',
  env: Readonly<Record<string, string>> = {},
): Promise<CliRun> {
  return runQuarry({ db, dir, env, input }, ...args)
}

const shellQuote = (word: string): string => `'${word.replaceAll("'", `'\\''`)}'`

/**
 * `command` (a shell line) on a pseudo-terminal: stdin, stdout and stderr are the terminal unless
 * the line redirects them. Each `[prompt, keys]` pair types `keys` once `prompt` has been shown —
 * not before, or the terminal would echo them before the prompt turns echo off.
 */
function onTerminal(command: string, typing: readonly (readonly [string, string])[] = []): Promise<CliRun> {
  return new Promise((resolve) => {
    const child = spawn('script', ['-qfec', command, '/dev/null'], { env: baseEnv() })
    let screen = ''
    let next = 0
    child.stdout.on('data', (chunk: Buffer) => {
      screen += chunk.toString()
      const step = typing[next]
      if (step && screen.includes(step[0])) {
        next++
        child.stdin.write(step[1])
      }
    })
    child.on('exit', (code) => {
      child.stdin.end()
      resolve({ code, stdout: screen, stderr: '' })
    })
  })
}

const quarryLine = (...args: string[]): string =>
  [process.execPath, bin, '--db', db, ...args].map(shellQuote).join(' ')

/** script (a terminal for the hidden prompts) and zsh: bash scripts/test.sh installs both (scripts/test-tools.sh). */
function requireProgram(name: string): void {
  const found = spawnSync(name, ['--version']).status === 0
  expect(found, `${name} is missing: bash scripts/test.sh installs it (scripts/test-tools.sh)`).toBe(true)
}

beforeAll(async () => {
  api = await startApiServer()
  dir = mkdtempSync(join(tmpdir(), 'quarry-ergonomics-'))
  db = join(dir, 'quarry.db')
})
afterAll(async () => {
  await api.close()
  rmSync(dir, { recursive: true, force: true })
})

async function storedSecret(name: string, field: string): Promise<unknown> {
  const shown = await quarry(['datasource', 'show', name, '--show-secrets'])
  expect(shown.code, shown.stderr).toBe(0)
  return (JSON.parse(shown.stdout) as { auth: Record<string, unknown> }).auth[field]
}

describe('this machine', () => {
  it('has the programs the terminal and completion tests run (never skipped in silence)', () => {
    requireProgram('script')
    requireProgram('zsh')
  })
})

describe('quarry --version', () => {
  it("prints package.json's version", async () => {
    const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }
    const run = await quarry(['--version'])
    expect(run).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' })
  })
})

describe('secrets off the command line', () => {
  it('reads a secret from standard input with -', async () => {
    const run = await quarry(
      ['datasource', 'add', 'piped', '--url', api.url, '--auth', 'bearer', '--token', '-'],
      'tok-from-stdin\n',
    )
    expect(run.code, run.stderr).toBe(0)
    expect(await storedSecret('piped', 'token')).toBe('tok-from-stdin')
  })

  it('reads any secret flag from a variable with env:NAME', async () => {
    const run = await quarry(
      [
        'datasource',
        'add',
        'from-env',
        '--url',
        api.url,
        '--auth',
        'api-key',
        '--key-name',
        'X-Key',
        '--key',
        'env:MY_KEY',
      ],
      '',
      { MY_KEY: 'key-from-env' },
    )
    expect(run.code, run.stderr).toBe(0)
    expect(await storedSecret('from-env', 'value')).toBe('key-from-env')
  })

  it('refuses two secrets from standard input, naming both flags', async () => {
    const run = await quarry(
      [
        'datasource',
        'add',
        'two',
        '--url',
        api.url,
        '--auth',
        'oauth2-client-credentials',
        '--token-url',
        `${api.url}/token`,
        '--client-id',
        'c',
        '--client-secret',
        '-',
        '--token',
        '-',
      ],
      'only-one\n',
    )
    expect(run.code).toBe(2)
    expect(run.stderr).toContain('Only one secret can come from standard input; --token and --client-secret')
    expect((await quarry(['datasource', 'list'])).stdout).not.toContain('two')
  })

  it('refuses empty standard input, and never repeats a secret in an error', async () => {
    const empty = await quarry(
      ['datasource', 'add', 'empty', '--url', api.url, '--auth', 'bearer', '--token', '-'],
      '',
    )
    expect(empty.code).toBe(2)
    expect(empty.stderr).toContain('--token -: standard input was empty')
    // The key name is missing: the error names the flag, not the key that came in.
    const refused = await quarry(
      ['datasource', 'add', 'no-name', '--url', api.url, '--auth', 'api-key', '--key', '-'],
      'key-SECRET-VALUE\n',
    )
    expect(refused.code).toBe(2)
    expect(refused.stderr).toContain('--key-name')
    expect(refused.stderr + refused.stdout).not.toContain('key-SECRET-VALUE')
  })

  it('asks nothing when standard input is not a terminal: the missing flag is named', async () => {
    const run = await quarry(['datasource', 'add', 'missing', '--url', api.url, '--auth', 'bearer'])
    expect(run.code).toBe(2)
    expect(run.stderr).toBe(
      'quarry: Invalid datasource "missing": --token <token>: required. (QUARRY_CONFIG_INVALID)\n',
    )
  })

  it('asks for a missing secret at a hidden prompt on a terminal', async () => {
    const run = await onTerminal(
      quarryLine('datasource', 'add', 'prompted', '--url', api.url, '--auth', 'bearer'),
      [['Token (--token, not shown): ', 'typed-SECRET\r']],
    )
    expect(run.code, run.stdout).toBe(0)
    expect(run.stdout).toContain('Added datasource "prompted"')
    expect(run.stdout).not.toContain('typed-SECRET')
    expect(await storedSecret('prompted', 'token')).toBe('typed-SECRET')
  })

  it('asks for the secret a preset requires at a hidden prompt', async () => {
    const run = await onTerminal(
      quarryLine(
        'datasource',
        'add',
        'jira',
        '--preset',
        'jira-cloud',
        '--client-id',
        'cid',
        '--auth-url',
        api.url,
        '--api-url',
        api.url,
      ),
      [['Client secret (--client-secret, not shown): ', 'preset-SECRET\r']],
    )
    expect(run.code, run.stdout).toBe(0)
    expect(run.stdout).not.toContain('preset-SECRET')
    expect(await storedSecret('jira', 'clientSecret')).toBe('preset-SECRET')
  })

  it('asks at a hidden prompt for - when standard input is a terminal, backspace erasing', async () => {
    const run = await onTerminal(
      quarryLine(
        'datasource',
        'add',
        'dash-tty',
        '--url',
        api.url,
        '--auth',
        'basic',
        '--username',
        'u',
        '--password',
        '-',
      ),
      [['Password (--password, not shown): ', 'pw-SECRETX\u007f\r']],
    )
    expect(run.code, run.stdout).toBe(0)
    expect(run.stdout).not.toContain('pw-SECRET')
    expect(await storedSecret('dash-tty', 'password')).toBe('pw-SECRET')
  })

  it('asks for the passphrase of an export with secrets twice, hidden', async () => {
    const file = join(dir, 'export.json')
    const run = await onTerminal(quarryLine('export', '--include-secrets', '-o', file), [
      ['Passphrase (not shown): ', 'long-PASSPHRASE\r'],
      ['The same passphrase again: ', 'long-PASSPHRASE\r'],
    ])
    expect(run.code, run.stdout).toBe(0)
    expect(run.stdout).not.toContain('long-PASSPHRASE')
    expect(readFileSync(file, 'utf8')).not.toContain('tok-from-stdin')
    const mismatch = await onTerminal(quarryLine('export', '--include-secrets', '-o', file), [
      ['Passphrase (not shown): ', 'long-PASSPHRASE\r'],
      ['The same passphrase again: ', 'other-PASSPHRASE\r'],
    ])
    expect(mismatch.code).toBe(2)
    expect(mismatch.stdout).toContain('The two passphrases differ')
  })
})

describe('progress of a run', () => {
  beforeAll(async () => {
    const converter = join(dir, 'items.js')
    writeFileSync(converter, 'function convert(json) { return JSON.parse(json).values }')
    expect((await quarry(['datasource', 'add', 'paged', '--url', api.url])).code).toBe(0)
    const added = await quarry([
      'query',
      'add',
      'items',
      '--datasource',
      'paged',
      '--path',
      '/offset',
      '--pagination',
      'offset',
      '--page-size',
      '25',
      '--items-path',
      'values',
      '--converter',
      converter,
    ])
    expect(added.code, added.stderr).toBe(0)
  })

  it('shows pages, rows and elapsed time on a terminal, then clears the line', async () => {
    const out = join(dir, 'items.csv')
    // Standard error is the terminal; the rows go to a file.
    const run = await onTerminal(
      `${quarryLine('run', 'items', '--format', 'csv', '--refresh')} > ${shellQuote(out)}`,
    )
    expect(run.code, run.stdout).toBe(0)
    // 103 items, 25 a page: 5 pages; the line is drawn from the second page on.
    const frames = [...run.stdout.matchAll(/(\d+) pages · ([\d,]+) rows · \d+\.\ds/g)]
    expect(frames.map((frame) => Number(frame[1]))).toEqual(expect.arrayContaining([2, 3, 4, 5]))
    expect(Math.max(...frames.map((frame) => Number(frame[2]?.replace(',', ''))))).toBeGreaterThan(25)
    expect(run.stdout.endsWith('\r\u001b[2K')).toBe(true)
    expect(readFileSync(out, 'utf8').split('\r\n').filter(Boolean)).toHaveLength(ITEM_COUNT + 1)
  })

  it('writes nothing but the rows on a pipe', async () => {
    const run = await quarry(['run', 'items', '--format', 'csv', '--refresh'])
    expect(run.code).toBe(0)
    expect(run.stderr).toBe('')
    expect(run.stdout).not.toContain('\u001b')
    expect(run.stdout.split('\r\n').filter(Boolean)).toHaveLength(ITEM_COUNT + 1)
  })
})

describe('shell completion', () => {
  let bash: string
  beforeAll(async () => {
    const run = await quarry(['completion', 'bash'])
    expect(run.code, run.stderr).toBe(0)
    bash = join(dir, 'quarry.bash')
    writeFileSync(bash, run.stdout)
  })

  /** What the bash script offers for each line (the last word is the one being completed). */
  function completeInBash(lines: readonly (readonly string[])[]): string[][] {
    const calls = lines
      .map(
        (words) =>
          `COMP_WORDS=(${words.map(shellQuote).join(' ')}); COMP_CWORD=${words.length - 1}; _quarry; printf '%s ' "\${COMPREPLY[@]}"; echo`,
      )
      .join('\n')
    const result = spawnSync('bash', ['-c', `source ${shellQuote(bash)}\n${calls}`], { encoding: 'utf8' })
    expect(result.stderr).toBe('')
    return result.stdout
      .split('\n')
      .slice(0, lines.length)
      .map((line) => line.split(' ').filter(Boolean))
  }

  it('completes commands, subcommands and a subcommand’s flags in bash', () => {
    expect(
      completeInBash([
        ['quarry', 'dat'],
        ['quarry', 'datasource', 'ad'],
        ['quarry', 'datasource', 'add', 'jira', '--client-s'],
        ['quarry', 'run', 'q', '--form'],
        // --db takes a value: "datasource" here is a file name, so the command is still to come.
        ['quarry', '--db', 'datasource', 'que'],
        ['quarry', 'completion', ''],
      ]),
    ).toEqual([['datasource'], ['add'], ['--client-secret'], ['--format'], ['query'], []])
  })

  // Every command's definitions, then two completions each in one bash: some 160 calls of _quarry,
  // each forking its pipelines (grep, cut, compgen). 10 s on a machine at load 6, 24 s in a CI run
  // with two test files at a time: a minute before it counts as hung.
  it(
    'offers exactly the definitions: every command’s subcommands and options',
    { timeout: 60_000 },
    async () => {
      const commands = allCommands(commandTree(await completeProgram()))
      const offered = completeInBash(
        commands.flatMap((command) => [
          ['quarry', ...command.path, ''],
          ['quarry', ...command.path, '-'],
        ]),
      )
      commands.forEach((command, at) => {
        expect(offered[2 * at], `quarry ${command.path.join(' ')}`).toEqual(
          command.commands.map((c) => c.path.at(-1)),
        )
        const options = command.options.flatMap((o) => [o.short, o.long]).filter(Boolean)
        expect(offered[2 * at + 1], `quarry ${command.path.join(' ')} -`).toEqual(
          expect.arrayContaining(options),
        )
      })
    },
  )

  it('writes a zsh script zsh reads, completing from the same definitions', async () => {
    const run = await quarry(['completion', 'zsh'])
    expect(run.code, run.stderr).toBe(0)
    const file = join(dir, '_quarry')
    writeFileSync(file, run.stdout)
    expect(spawnSync('zsh', ['-n', file], { encoding: 'utf8' }).stderr).toBe('')
    // compsys's _describe and _files stand in as printers: what they are handed is what zsh would offer.
    const script = [
      '_describe() { local name=${@[-1]}; print -l -- "${(@P)name}" }',
      '_files() { print FILES }',
      'compdef() { : }',
      `source ${shellQuote(file)}`,
      'words=(quarry datasource ""); CURRENT=3; _quarry',
      'words=(quarry --db x.db ""); CURRENT=4; _quarry',
    ].join('\n')
    const offered = spawnSync('zsh', ['-f', '-c', script], { encoding: 'utf8' })
    expect(offered.stderr).toBe('')
    const lines = offered.stdout.split('\n')
    expect(lines.slice(0, 6).map((line) => line.split(':')[0])).toEqual([
      'add',
      'edit',
      'list',
      'show',
      'remove',
      'test',
    ])
    expect(lines).toContain(
      'datasource:Define where queries send requests (a REST API or a SQL database) and how they authenticate',
    )
  })

  it('refuses a shell it has no script for', async () => {
    const run = await quarry(['completion', 'fish'])
    expect(run.code).toBe(2)
    expect(run.stderr).toBe('quarry: completion: the shell must be bash or zsh; got "fish" (QUARRY_USAGE)\n')
  })
})
