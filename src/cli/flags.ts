import { QuarryError } from '../domain/errors.js'

/** Parsers for CLI flag values: each names the flag and the expected form when a value is wrong. */

export const collect = (value: string, previous: string[] = []): string[] => [...previous, value]

function usage(message: string): QuarryError {
  return new QuarryError('QUARRY_CONFIG_INVALID', message)
}

/**
 * `5m`, `30s`, `2h`, `1d` or plain seconds, as seconds.
 *
 * @example parseDuration('--cache', '5m') // 300
 */
export function parseDuration(flag: string, text: string): number {
  const match = /^(\d+)\s*(s|m|h|d)?$/.exec(text.trim())
  if (!match) throw usage(`${flag} must be a duration like 30s, 5m, 2h or 1d; got "${text}"`)
  const unit = { s: 1, m: 60, h: 3600, d: 86400 }[(match[2] ?? 's') as 's' | 'm' | 'h' | 'd']
  return Number(match[1]) * unit
}

export function parseInteger(flag: string, text: string, min = 0): number {
  if (!/^\d+$/.test(text.trim()) || Number(text) < min)
    throw usage(`${flag} must be a whole number ≥ ${min}; got "${text}"`)
  return Number(text)
}

/** `Name: value` (or `Name=value`). */
export function parseHeader(flag: string, text: string): { name: string; value: string } {
  const match = /^([^:=\s]+)\s*[:=]\s?(.*)$/.exec(text)
  if (!match) throw usage(`${flag} must look like "Name: value"; got "${text.split(/[:=]/)[0]}…"`)
  return { name: match[1] as string, value: match[2] as string }
}

/** `k=v` pairs from repeated `--param` flags. */
export function parseAssignments(flag: string, items: readonly string[]): Record<string, string> {
  const values: Record<string, string> = {}
  for (const item of items) {
    const eq = item.indexOf('=')
    if (eq <= 0) throw usage(`${flag} must look like name=value; got "${item}"`)
    values[item.slice(0, eq)] = item.slice(eq + 1)
  }
  return values
}

/** The secret flags whose value may be `env:NAME`: what the PocketQuery guide pastes from a terminal. */
export const ENV_SECRET_FLAGS = {
  clientSecret: '--client-secret',
  clientKey: '--client-key',
  refreshToken: '--refresh-token',
  accessToken: '--access-token',
} as const

/**
 * The flags with each `env:NAME` secret replaced by the environment variable's value, so tokens
 * and client secrets need not be typed where the shell's history keeps them.
 *
 * @example secretsFromEnv({ refreshToken: 'env:JIRA_REFRESH' }, { JIRA_REFRESH: 'r-1' }) // { refreshToken: 'r-1' }
 */
export function secretsFromEnv<T extends Partial<Record<keyof typeof ENV_SECRET_FLAGS, string>>>(
  flags: T,
  env: Readonly<Record<string, string | undefined>> = process.env,
): T {
  const resolved: Record<string, unknown> = { ...flags }
  for (const [key, flag] of Object.entries(ENV_SECRET_FLAGS)) {
    const match = /^env:([A-Za-z_][A-Za-z0-9_]*)$/.exec(String(resolved[key] ?? ''))
    if (!match) continue
    const value = env[match[1] as string]
    if (value === undefined || value === '')
      throw usage(`${flag} env:${match[1]}: the environment variable ${match[1]} is not set`)
    resolved[key] = value
  }
  return resolved as T
}
