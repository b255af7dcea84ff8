import { apiKeyAuth } from './api-key-auth.js'
import type { AnyAuthKind, AuthField, AuthInputOf, AuthKind, AuthOf } from './auth-kind.js'
import { flagKey } from './auth-kind.js'
import { basicAuth } from './basic-auth.js'
import { bearerAuth } from './bearer-auth.js'
import { noneAuth } from './none-auth.js'
import { oauth2AuthorizationCodeAuth } from './oauth2-authorization-code-auth.js'
import { oauth2ClientCredentialsAuth } from './oauth2-client-credentials-auth.js'

export type * from './auth-kind.js'
export { defineAuthKind, flagKey } from './auth-kind.js'

/**
 * The auth kinds: one file each. Adding a kind is a new `*-auth.ts` and one line here; its schema
 * (auth-schema.ts), strategy (src/auth/index.ts), CLI flags (cli/datasource-input.ts) and admin UI
 * fields (web/src/components/auth-fields.tsx) follow from its description, and a description that
 * lacks any of them does not compile (test/domain/auth-kinds.types.test.ts).
 */
export const AUTH_KIND_LIST = [
  noneAuth,
  basicAuth,
  apiKeyAuth,
  bearerAuth,
  oauth2ClientCredentialsAuth,
  oauth2AuthorizationCodeAuth,
] as const

/** Kinds by their `type`. */
export type AuthRegistry<List extends readonly { readonly type: string }[]> = {
  readonly [K in List[number] as K['type']]: K
}

/**
 * A registry keyed by type from a list of kinds (a test builds one with a dummy kind added).
 *
 * @example authRegistry([noneAuth, bearerAuth]).bearer.label // 'Bearer token'
 */
export function authRegistry<const List extends readonly { readonly type: string }[]>(
  kinds: List,
): AuthRegistry<List> {
  return Object.fromEntries(kinds.map((kind) => [kind.type, kind])) as AuthRegistry<List>
}

export const AUTH_KINDS = authRegistry(AUTH_KIND_LIST)

type Kinds = (typeof AUTH_KIND_LIST)[number]
/** One auth, parsed: a discriminated union by `type`, one member per kind. */
export type Auth = Kinds extends infer K
  ? K extends AuthKind<infer Type, infer Fs>
    ? AuthOf<Type, Fs>
    : never
  : never
/** What may be given for an auth (fields with defaults may be left out). */
export type AuthInput = Kinds extends infer K
  ? K extends AuthKind<infer Type, infer Fs>
    ? AuthInputOf<Type, Fs>
    : never
  : never
export type AuthType = Kinds['type']
export const AUTH_TYPES: readonly AuthType[] = AUTH_KIND_LIST.map((kind) => kind.type)

/** Auth fields that hold secrets, in every kind that has them: encrypted at rest, masked when shown. */
export const SECRET_AUTH_FIELDS: readonly string[] = [
  ...new Set(
    AUTH_KIND_LIST.flatMap((kind) =>
      Object.entries(kind.fields)
        .filter(([, field]) => field.input === 'secret')
        .map(([name]) => name),
    ),
  ),
]

/** The kind of an auth, for code that handles every kind alike. */
export function authKindOf(type: AuthType): AnyAuthKind {
  return AUTH_KINDS[type]
}

/** A CLI option of the auth kinds. */
export interface AuthFlag {
  /** As commander declares it: `--client-id <id>`. */
  readonly flag: string
  readonly help: string
  /** Given once per value (`--authorize-param a=1 --authorize-param b=2`). */
  readonly repeatable?: true
}

/**
 * Every CLI option the kinds declare, each once, in the order the kinds first use it.
 *
 * @example authFlags(AUTH_KIND_LIST)[0] // { flag: '--username <user>', help: 'basic: user name' }
 */
export function authFlags(kinds: readonly AnyAuthKind[]): AuthFlag[] {
  const flags = new Map<string, AuthFlag>()
  for (const kind of kinds) {
    for (const field of Object.values(kind.fields)) {
      if (field.input === 'metadata' || flags.has(field.flag)) continue
      flags.set(field.flag, {
        flag: field.flag,
        help: field.help,
        ...(field.input === 'params' ? { repeatable: true as const } : {}),
      })
    }
  }
  return [...flags.values()]
}

/**
 * An auth of `kind` from CLI flags (commander's camelCase keys), on top of `previous` — the current auth
 * when it is of the same kind. Unset fields stay absent, so the schema says what is missing.
 *
 * @example authFromFlags(AUTH_KINDS.bearer, { token: 't' }) // { type: 'bearer', token: 't' }
 */
export function authFromFlags(
  kind: AnyAuthKind,
  flags: Readonly<Record<string, unknown>>,
  previous: Readonly<Record<string, unknown>> = {},
): { readonly type: string } & Readonly<Record<string, unknown>> {
  const auth: Record<string, unknown> = { type: kind.type }
  for (const [name, field] of Object.entries(kind.fields)) {
    const given = field.input === 'metadata' ? undefined : flags[flagKey(field.flag)]
    const value =
      field.input === 'params'
        ? withParams(previous[name] ?? field.default, given)
        : (given ?? previous[name] ?? initialValue(field))
    if (value !== undefined) auth[name] = value
  }
  return auth as { readonly type: string } & Readonly<Record<string, unknown>>
}

function initialValue(field: AuthField): unknown {
  return field.input === 'choice' ? field.initial : undefined
}

/**
 * Named parameters with `name=value` items applied in order: a value sets (or replaces) one, an empty
 * value (`prompt=`) removes it. An item without `=` is kept under its own text for the schema to refuse.
 *
 * @example withParams({ prompt: 'consent' }, ['prompt=', 'access_type=offline']) // { access_type: 'offline' }
 */
export function withParams(previous: unknown, items: unknown): Readonly<Record<string, string>> {
  const params: Record<string, string> = { ...(previous as Record<string, string> | undefined) }
  for (const item of Array.isArray(items) ? (items as unknown[]) : items === undefined ? [] : [items]) {
    const text = String(item)
    const eq = text.indexOf('=')
    const name = eq < 0 ? text : text.slice(0, eq)
    const value = eq < 0 ? '' : text.slice(eq + 1)
    if (eq > 0 && value === '') delete params[name]
    else params[eq < 0 ? `${name} (no "=")` : name] = value
  }
  return params
}

/**
 * Named parameters as the admin UI's text shows them, one `name=value` per line, and back.
 *
 * @example paramsText({ prompt: 'consent' }) // 'prompt=consent'
 */
export function paramsText(params: unknown): string {
  return Object.entries((params as Record<string, string> | undefined) ?? {})
    .map(([name, value]) => `${name}=${value}`)
    .join('\n')
}

/** The inverse of paramsText; blank lines are skipped. */
export function paramsOfText(text: string): Readonly<Record<string, string>> {
  return withParams(
    {},
    text
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line !== ''),
  )
}

/**
 * A new auth of `kind` as the admin UI starts it: empty inputs, the schema's defaults, what carries
 * over from `previous` (client id and secret, token URL), optional fields left out.
 *
 * @example freshAuth(AUTH_KINDS.bearer, { type: 'none' }, 'https://q') // { type: 'bearer', token: '' }
 */
export function freshAuth(
  kind: AnyAuthKind,
  previous: Readonly<Record<string, unknown>>,
  origin: string,
): { readonly type: string } & Readonly<Record<string, unknown>> {
  const auth: Record<string, unknown> = { type: kind.type }
  for (const [name, field] of Object.entries(kind.fields)) {
    const kept =
      'carries' in field && field.carries && typeof previous[name] === 'string' ? previous[name] : undefined
    switch (field.input) {
      case 'checkbox':
        auth[name] = field.default
        break
      case 'choice':
        auth[name] = field.default ?? field.initial ?? field.choices[0]?.value
        break
      case 'params':
        auth[name] = { ...field.default }
        break
      case 'metadata':
        break
      default:
        if (!field.optional) auth[name] = kept ?? field.initial?.(origin) ?? ''
    }
  }
  return auth as { readonly type: string } & Readonly<Record<string, unknown>>
}

type Camel<S extends string> = S extends `${infer Head}-${infer Tail}`
  ? `${Head}${Capitalize<Camel<Tail>>}`
  : S
/** The commander key of a flag, as a type: `--key-name <name>` → `keyName`. */
export type FlagKey<Flag extends string> = Flag extends `--${infer Long} ${string}`
  ? Camel<Long>
  : Flag extends `--${infer Long}`
    ? Camel<Long>
    : never
type FieldsOf<Kind> = Kind extends { readonly fields: infer Fs } ? Fs[keyof Fs] : never
type AnyField = Exclude<FieldsOf<Kinds>, { input: 'metadata' }>

/** What commander hands over for the kinds' flags: a string per option, a boolean for a checkbox's, a list for a repeatable one. */
export type AuthFlagValues = {
  readonly [Field in AnyField as FlagKey<Field['flag']>]?: Field extends { input: 'checkbox' }
    ? boolean
    : Field extends { input: 'params' }
      ? string[]
      : string
}
