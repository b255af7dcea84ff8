/**
 * Every environment variable Quarry reads, with what it does (docs/environment.md is generated from
 * this list by `npm run docs:generate`). test/domain/environment.test.ts reads src/ with the
 * TypeScript checker and fails when a module reads a variable not listed here, or one listed here
 * is no longer read. Import-free data, so any layer may name it.
 */

/** Who the variable is for. */
export type EnvAudience = 'operator' | 'development'

export interface EnvVariable {
  /** What it does and when it is read, in a sentence or two. */
  readonly summary: string
  /** What happens when it is unset. */
  readonly unset: string
  /** Whether its value is a secret (kept out of logs, errors and output). */
  readonly secret: boolean
  readonly audience: EnvAudience
}

export const ENVIRONMENT = {
  QUARRY_DATABASE_URL: {
    summary:
      'A `postgres://` URL: the store is that PostgreSQL database (every command and `quarry serve`); it wins over `--db`.',
    unset: 'The SQLite store: `--db PATH`, else `quarry.db` in the data directory.',
    secret: true,
    audience: 'operator',
  },
  QUARRY_SECRET_KEY: {
    summary:
      'The key that encrypts secrets in the store (32 bytes, base64 or hex). Every server on one store needs the same key.',
    unset: 'The key file `secret.key` in the data directory, created on first use (mode 0600).',
    secret: true,
    audience: 'operator',
  },
  XDG_DATA_HOME: {
    summary:
      'The data directory is `$XDG_DATA_HOME/quarry`: the default SQLite store and the key file live there.',
    unset: '`~/.local/share/quarry` (also when the value is a relative path, as the XDG spec says).',
    secret: false,
    audience: 'operator',
  },
  QUARRY_EXPORT_PASSPHRASE: {
    summary:
      'The passphrase `quarry export --include-secrets` encrypts secrets with, and `quarry import` decrypts them with (8 characters or more).',
    unset: 'A hidden prompt asks for it when standard input is a terminal; otherwise the command refuses.',
    secret: true,
    audience: 'operator',
  },
  QUARRY_ATLASSIAN_AUTH_URL: {
    summary:
      'Where the Jira Cloud preset finds Atlassian’s authorization server (e.g. `quarry sim`’s URL); `--auth-url` wins.',
    unset: '`https://auth.atlassian.com`.',
    secret: false,
    audience: 'development',
  },
  QUARRY_ATLASSIAN_API_URL: {
    summary:
      'Where the Jira Cloud preset finds Atlassian’s API gateway (e.g. `quarry sim`’s URL); `--api-url` wins.',
    unset: '`https://api.atlassian.com`.',
    secret: false,
    audience: 'development',
  },
  QUARRY_FAULT_POINT: {
    summary:
      'Tests only: the process kills itself (SIGKILL) at this named point of a token refresh, to prove a crash never loses a grant.',
    unset: 'No fault is injected.',
    secret: false,
    audience: 'development',
  },
} as const satisfies Readonly<Record<string, EnvVariable>>

export type EnvName = keyof typeof ENVIRONMENT

/**
 * The one kind of read whose variable the user names: a secret flag given as `env:NAME`. The files
 * that read such variables; any other read of a variable by a computed name is refused by the test.
 */
export const USER_NAMED_ENV = {
  summary:
    'A secret flag (`--password`, `--token`, `--key`, `--client-secret`, `--refresh-token`, `--access-token`) given as `env:NAME` reads the variable NAME, so the secret stays out of the shell’s history and the process list.',
  readIn: ['src/cli/secret-input.ts'],
} as const
