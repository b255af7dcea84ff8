import { z } from 'zod'
import type { ExpiredTokenStatus } from './context.js'
import { parseLatency } from './faults.js'
import { ClientSpecError, parseClientSpec } from './oauth/clients.js'
import { DEFAULT_SIM_OPTIONS, type SimOptions } from './server.js'

/** `quarry sim` flags as commander hands them over: strings, repeatable lists, booleans. */
export interface RawSimFlags {
  readonly host?: string
  readonly port?: string
  readonly seed?: string
  readonly issues?: string
  readonly now?: string
  readonly accessTtl?: string
  readonly refreshGrace?: string
  readonly client?: readonly string[]
  readonly autoConsent?: string
  readonly expiredStatus?: string
  readonly rate?: string
  readonly burst?: string
  readonly retryAfterZero?: boolean
  readonly latency?: string
  readonly errorRate?: string
  readonly malformedRate?: string
  readonly slowBody?: string
  readonly tokenFaults?: boolean
}

export class SimFlagError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'SimFlagError'
  }
}

const int = (flag: string, min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, `${flag} must be a whole number`)
    .transform(Number)
    .pipe(z.number().min(min, `${flag} must be at least ${min}`).max(max, `${flag} must be at most ${max}`))

const probability = (flag: string) =>
  z
    .string()
    .regex(/^(0(\.\d+)?|1(\.0+)?)$/, `${flag} must be a probability between 0 and 1, e.g. 0.05`)
    .transform(Number)

const flagsSchema = z.object({
  host: z.string().min(1).optional(),
  port: int('--port', 0, 65535).optional(),
  seed: int('--seed', 0, 2 ** 32 - 1).optional(),
  issues: int('--issues', 0, 1_000_000).optional(),
  now: z
    .string()
    .refine((s) => !Number.isNaN(Date.parse(s)), '--now must be an ISO date, e.g. 2026-11-28T12:00:00Z')
    .transform((s) => Date.parse(s))
    .optional(),
  accessTtl: int('--access-ttl', 1, 365 * 24 * 3600).optional(),
  refreshGrace: int('--refresh-grace', 0, 365 * 24 * 3600).optional(),
  expiredStatus: z
    .enum(['401', '403', '404', 'mixed'], { error: '--expired-status must be 401, 403, 404 or mixed' })
    .optional(),
  rate: z
    .string()
    .regex(/^\d+(\.\d+)?(\/s)?$/, '--rate must be requests per second, e.g. 10/s')
    .transform((s) => Number(s.replace('/s', '')))
    .pipe(z.number().positive('--rate must be more than 0'))
    .optional(),
  burst: int('--burst', 1, 1_000_000).optional(),
  errorRate: probability('--error-rate').optional(),
  malformedRate: probability('--malformed-rate').optional(),
  slowBody: int('--slow-body', 0, 60_000).optional(),
})

/**
 * Turns `quarry sim` flags into SimOptions, or throws SimFlagError naming the
 * flag that is wrong and what it should look like.
 *
 * @example parseSimFlags({ port: '9000', client: ['app:secret:http://localhost:8765/callback'] })
 */
export function parseSimFlags(raw: RawSimFlags): SimOptions {
  const parsed = flagsSchema.safeParse(raw)
  if (!parsed.success) throw new SimFlagError(parsed.error.issues.map((issue) => issue.message).join('; '))
  const flags = parsed.data
  let clients
  try {
    clients = (raw.client ?? []).map(parseClientSpec)
  } catch (error) {
    if (error instanceof ClientSpecError) throw new SimFlagError(error.message)
    throw error
  }
  let latency = { latencyMs: 0, latencyJitterMs: 0 }
  if (raw.latency !== undefined) {
    try {
      latency = parseLatency(raw.latency)
    } catch (error) {
      throw new SimFlagError((error as Error).message)
    }
  }
  if (flags.burst !== undefined && flags.rate === undefined) throw new SimFlagError('--burst needs --rate')
  const expired = flags.expiredStatus
  return {
    ...DEFAULT_SIM_OPTIONS,
    host: flags.host ?? DEFAULT_SIM_OPTIONS.host,
    port: flags.port ?? DEFAULT_SIM_OPTIONS.port,
    seed: flags.seed ?? DEFAULT_SIM_OPTIONS.seed,
    issues: flags.issues ?? DEFAULT_SIM_OPTIONS.issues,
    ...(flags.now === undefined ? {} : { now: flags.now }),
    accessTtlSeconds: flags.accessTtl ?? DEFAULT_SIM_OPTIONS.accessTtlSeconds,
    refreshGraceSeconds: flags.refreshGrace ?? DEFAULT_SIM_OPTIONS.refreshGraceSeconds,
    clients,
    autoConsent: raw.autoConsent === undefined ? undefined : parseAutoConsent(raw.autoConsent),
    expiredStatus: (expired === undefined
      ? 401
      : expired === 'mixed'
        ? 'mixed'
        : Number(expired)) as ExpiredTokenStatus,
    ...(flags.rate === undefined
      ? {}
      : {
          rateLimit: {
            rate: flags.rate,
            burst: flags.burst ?? Math.max(1, Math.ceil(flags.rate)),
            retryAfterZero: raw.retryAfterZero ?? false,
          },
        }),
    faults: {
      ...latency,
      errorRate: flags.errorRate ?? 0,
      malformedRate: flags.malformedRate ?? 0,
      slowBodyMs: flags.slowBody ?? 0,
    },
    tokenFaults: raw.tokenFaults ?? false,
  }
}

/** `alice` (her first site), `alice@globex,acme` (those sites) or `alice@*` (all of hers). */
export function parseAutoConsent(text: string): NonNullable<SimOptions['autoConsent']> {
  const [login, sites] = text.split('@', 2) as [string, string | undefined]
  if (login === '') throw new SimFlagError('--auto-consent must name a user, e.g. alice or alice@globex')
  if (sites === undefined) return { login, sites: undefined }
  if (sites === '*') return { login, sites: '*' }
  return { login, sites: sites.split(',').filter((s) => s !== '') }
}
