import { AUTH_KIND_LIST, AUTH_KINDS, flagKey, type AuthType } from '../domain/auth-kinds/index.js'
import type { Datasource } from '../domain/datasource.js'
import { QuarryError } from '../domain/errors.js'
import { hiddenPrompt, type KeyInput } from './hidden-prompt.js'

/**
 * Where a secret flag's value may come from besides the command line, which the shell's history
 * and the process list keep (issue 19): `env:NAME` (an environment variable), `-` (standard input;
 * at a terminal, a hidden prompt), or a hidden prompt when the datasource needs a secret no flag
 * gave and standard input is a terminal.
 */

/** One secret flag: the key commander gives its value under, the flag, what a prompt calls it. */
export interface SecretFlag {
  readonly key: string
  readonly flag: string
  readonly label: string
}

/** The flag's long name without its placeholder: `--client-secret` of `--client-secret <secret>`. */
const longName = (declared: string): string => declared.split(/[ <[]/)[0] as string

/** Every secret flag: those of the auth kinds (src/domain/auth-kinds/) and the tokens `datasource add` seeds. */
export const SECRET_FLAGS: readonly SecretFlag[] = [
  ...new Map(
    AUTH_KIND_LIST.flatMap((kind) =>
      Object.values(kind.fields)
        .filter((field) => field.input === 'secret')
        .map((field): [string, SecretFlag] => [
          field.flag,
          { key: flagKey(field.flag), flag: longName(field.flag), label: String(field.label) },
        ]),
    ),
  ).values(),
  { key: 'refreshToken', flag: '--refresh-token', label: 'Refresh token' },
  { key: 'accessToken', flag: '--access-token', label: 'Access token' },
]

/** What secrets are read from: this process's environment, standard input and standard error. */
export interface SecretSources {
  readonly env: NodeJS.ProcessEnv
  readonly stdin: KeyInput
  /** Where a prompt is written: never standard output, which may be a pipe the user reads. */
  readonly prompt: NodeJS.WritableStream
}

const processSources = (): SecretSources => ({
  env: process.env,
  stdin: process.stdin,
  prompt: process.stderr,
})

function usage(message: string): QuarryError {
  return new QuarryError('QUARRY_CONFIG_INVALID', message)
}

/** Standard input to its end, less the line break `echo` and files end with. */
async function readAll(stdin: NodeJS.ReadableStream, flag: string): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of stdin) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)))
  const text = Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '')
  if (text === '')
    throw usage(`${flag} -: standard input was empty; pipe the secret in, e.g. ${flag} - < file.`)
  if (/[\r\n]/.test(text))
    throw usage(`${flag} -: standard input holds more than one line; a secret is one line.`)
  return text
}

/**
 * The flags with each `env:NAME` secret replaced by that variable's value and a `-` secret by
 * standard input (a hidden prompt when it is a terminal). Only one secret may come from standard
 * input: it holds one. `secretFlags` are the flags read so (default: the datasource commands'; `alert`
 * passes its own).
 *
 * @example await secretsFromInput({ token: 'env:API_TOKEN' }) // { token: '…' }
 */
export async function secretsFromInput<T extends object>(
  flags: T,
  sources = processSources(),
  secretFlags: readonly SecretFlag[] = SECRET_FLAGS,
): Promise<T> {
  const resolved: Record<string, unknown> = { ...(flags as Record<string, unknown>) }
  const fromStdin = secretFlags.filter(({ key }) => resolved[key] === '-')
  if (fromStdin.length > 1) {
    throw usage(
      `Only one secret can come from standard input; ${fromStdin.map((s) => s.flag).join(' and ')} both say "-". Give the others as env:NAME.`,
    )
  }
  for (const { key, flag } of secretFlags) {
    const match = /^env:([A-Za-z_][A-Za-z0-9_]*)$/.exec(String(resolved[key] ?? ''))
    if (!match) continue
    const name = match[1] as string
    const value = sources.env[name]
    if (value === undefined || value === '')
      throw usage(`${flag} env:${name}: the environment variable ${name} is not set`)
    resolved[key] = value
  }
  for (const { key, flag, label } of fromStdin) {
    resolved[key] = sources.stdin.isTTY
      ? await hiddenPrompt(`${label} (${flag}, not shown): `, sources.stdin, sources.prompt)
      : await readAll(sources.stdin, flag)
  }
  return resolved as T
}

/**
 * The secrets a REST datasource's auth kind needs that neither the flags nor the datasource being
 * edited hold: asked for at a hidden prompt when standard input is a terminal. Not a terminal
 * (a script, a pipe): nothing is asked, and the datasource's check says which flag is missing.
 *
 * @example await askMissingSecrets({ auth: 'bearer', url: 'https://x' }) // prompts "Token (--token, not shown): "
 */
export async function askMissingSecrets<T extends object>(
  flags: T,
  base?: Datasource,
  sources = processSources(),
): Promise<T> {
  const given = flags as Readonly<Record<string, unknown>>
  if (!sources.stdin.isTTY || (given.type ?? base?.type ?? 'rest') !== 'rest') return flags
  const resolved: Record<string, unknown> = { ...given }
  for (const { key, flag, label } of await neededSecrets(given, base)) {
    if (resolved[key] !== undefined) continue
    resolved[key] = await hiddenPrompt(`${label} (${flag}, not shown): `, sources.stdin, sources.prompt)
  }
  return resolved as T
}

/** The secret flags the flags' preset or auth kind requires, less those the edited datasource holds. */
async function neededSecrets(
  given: Readonly<Record<string, unknown>>,
  base?: Datasource,
): Promise<SecretFlag[]> {
  if (typeof given.preset === 'string') {
    const [{ presetNamed }, { fieldFlag }] = await Promise.all([
      import('../auth/presets/index.js'),
      import('../auth/presets/preset.js'),
    ])
    return presetNamed(given.preset)
      .form.fields.filter((field) => field.kind === 'secret' && field.required)
      .map((field) => ({ key: field.key, flag: fieldFlag(field.key), label: field.label }))
  }
  const type = (given.auth ?? (base?.type === 'rest' ? base.auth.type : undefined)) as AuthType | undefined
  const kind = type === undefined ? undefined : AUTH_KINDS[type]
  if (kind === undefined) return []
  const kept = base?.type === 'rest' && base.auth.type === type ? (base.auth as Record<string, unknown>) : {}
  return Object.entries(kind.fields)
    .filter(
      ([name, field]) =>
        field.input === 'secret' && !('optional' in field && field.optional) && kept[name] === undefined,
    )
    .map(([, field]) => ({
      key: flagKey(field.flag),
      flag: longName(field.flag),
      label: String(field.label),
    }))
}
