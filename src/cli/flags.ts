import { readFileSync } from 'node:fs'
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

/**
 * The text of the file a flag names (`-` reads standard input where the flag offers it); a file that
 * cannot be read is QUARRY_CONFIG_INVALID naming the flag, the file and why.
 *
 * @example readFlagFile('--converter', 'convert.js') // 'function convert(json) { … }'
 */
export function readFlagFile(flag: string, file: string, options: { readonly stdin?: boolean } = {}): string {
  try {
    return readFileSync(options.stdin === true && file === '-' ? 0 : file, 'utf8')
  } catch (error) {
    throw usage(`${flag}: cannot read "${file}": ${(error as NodeJS.ErrnoException).code ?? String(error)}`)
  }
}
