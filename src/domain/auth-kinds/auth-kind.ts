/**
 * The shape every auth kind file (`*-auth.ts` beside this one) fills in: ONE description per kind from
 * which the zod schema (auth-schema.ts), the strategy (src/auth/index.ts), the CLI flags
 * (cli/datasource-input.ts) and the admin UI's fields (web/src/components/auth-fields.tsx) are derived.
 * No zod here, so the admin UI can import the descriptions without bundling it.
 */

/** What a request carries to authenticate. */
export interface Credentials {
  readonly headers: Readonly<Record<string, string>>
  /** Query parameters (an API key sent in the URL). */
  readonly query: Readonly<Record<string, string>>
}

/** How an OAuth 2.0 kind obtains its access tokens from the token endpoint. */
export type OAuthGrant =
  | { readonly kind: 'refresh' }
  | { readonly kind: 'client-credentials'; readonly parameters: Record<string, string> }

/**
 * How the client proves itself at the token endpoint (RFC 6749 §2.3.1, OpenID Connect Core §9): HTTP
 * Basic (`client_secret_basic`), the request body (`client_secret_post`), nothing but PKCE for a public
 * client (`none`), or a JWT signed with the client's private key (`private_key_jwt`, RFC 7523).
 */
export type ClientAuthMethod = 'basic' | 'body' | 'none' | 'private-key-jwt'

/**
 * What discovery (OpenID Connect Discovery, RFC 8414) found about an authorization server, kept with the
 * datasource so runs need no discovery: its issuer, endpoints, and what it supports.
 */
export type ServerMetadata = { readonly issuer: string } & Readonly<Record<string, unknown>>

/** What the token endpoint needs of an OAuth 2.0 kind's fields. */
export interface TokenEndpointFields {
  readonly tokenUrl: string
  readonly clientId: string
  /** Absent for a public client (`none`) and for `private-key-jwt`. */
  readonly clientSecret?: string | undefined
  readonly clientAuth: ClientAuthMethod
  /** `private-key-jwt`: the client's private key, a JWK (JSON) or PKCS #8 PEM. */
  readonly clientKey?: string | undefined
  /** The authorization server's issuer identifier, when known: ID tokens and callbacks are checked against it. */
  readonly issuer?: string | undefined
  readonly server?: ServerMetadata | undefined
}

/** A text that may depend on the other fields of the auth being edited (an API key's "Header" or "Query parameter"). */
export type FieldText = string | ((auth: Readonly<Record<string, unknown>>) => string)

interface FieldCommon {
  /** The admin UI's label: how people (and browser tests) find the input. */
  readonly label: FieldText
  readonly hint?: string
  readonly placeholder?: FieldText
  /** The CLI option, as commander declares it: `--client-id <id>`, or `--pkce` for a checkbox. */
  readonly flag: `--${string}`
  /** The option's help text. Kinds that share a flag share its field description (oauth2-fields.ts). */
  readonly help: string
  /** Kept when the admin UI switches to another kind that has the same field (client id and secret, token URL). */
  readonly carries?: boolean
}

/** A string: `text` is shown, `secret` is encrypted at rest and masked when shown, `url` an absolute http(s) URL. */
export interface StringField extends FieldCommon {
  readonly input: 'text' | 'secret' | 'url'
  /** May be absent (an empty UI input leaves it out). */
  readonly optional?: boolean
  /** May be the empty string (a Basic password). */
  readonly allowEmpty?: boolean
  /** What a new auth of this kind starts with in the admin UI, from the page's origin. */
  readonly initial?: (origin: string) => string
}

/** One of fixed values. */
export interface ChoiceField<Value extends string = string> extends FieldCommon {
  readonly input: 'choice'
  readonly choices: readonly { readonly value: Value; readonly label: string }[]
  /** The schema's default: the field may be left out. */
  readonly default?: Value
  /** Not a schema default, but what the CLI and the UI fill in when nothing was said (an API key goes in a header). */
  readonly initial?: Value
  /** Other names accepted for a value (the RFC's names: `client_secret_basic` for `basic`). */
  readonly aliases?: Readonly<Record<string, Value>>
}

/** On or off; the schema defaults it. */
export interface CheckboxField extends FieldCommon {
  readonly input: 'checkbox'
  readonly default: boolean
}

/**
 * Named parameters (`prompt=consent`): `name=value` per CLI flag (repeatable; `name=` removes one), one
 * per line in the admin UI. The schema defaults it and refuses the `reserved` names.
 */
export interface ParamsField extends FieldCommon {
  readonly input: 'params'
  readonly default: Readonly<Record<string, string>>
  /** Names Quarry sets itself, each with what to use instead. */
  readonly reserved: Readonly<Record<string, string>>
}

/**
 * What Quarry finds out itself and keeps (an authorization server's discovered metadata): no CLI flag,
 * no input; the admin UI shows it read-only.
 */
export interface MetadataField {
  readonly input: 'metadata'
  readonly label: string
  readonly hint?: string
  readonly optional: true
}

export type AuthField = StringField | ChoiceField | CheckboxField | ParamsField | MetadataField
export type AuthFields = Readonly<Record<string, AuthField>>

type ValueOf<F> = F extends CheckboxField
  ? boolean
  : F extends ChoiceField<infer V>
    ? V
    : F extends ParamsField
      ? Readonly<Record<string, string>>
      : F extends MetadataField
        ? ServerMetadata
        : string
type Simplify<T> = { [K in keyof T]: T[K] } & {}
type OptionalKeys<Fs, Absent> = { [K in keyof Fs]: Fs[K] extends Absent ? K : never }[keyof Fs]

/** The parsed auth a description stands for: `{ type, …fields }`, optional fields possibly absent. */
export type AuthOf<Type extends string, Fs extends AuthFields> = Simplify<
  { type: Type } & { [K in Exclude<keyof Fs, OptionalKeys<Fs, { optional: true }>>]: ValueOf<Fs[K]> } & {
    [K in OptionalKeys<Fs, { optional: true }>]?: ValueOf<Fs[K]> | undefined
  }
>

/** What may be given for it: fields with a default may be left out too. */
export type AuthInputOf<Type extends string, Fs extends AuthFields> = Simplify<
  { type: Type } & {
    [K in Exclude<keyof Fs, OptionalKeys<Fs, { optional: true } | { default: unknown }>>]: ValueOf<Fs[K]>
  } & {
    [K in OptionalKeys<Fs, { optional: true } | { default: unknown }>]?: ValueOf<Fs[K]> | undefined
  }
>

/**
 * How requests of this kind authenticate: fixed credentials made from the fields, or OAuth 2.0 access
 * tokens from the token endpoint (kept and renewed by src/auth/oauth/token-manager.ts).
 */
export type AuthStrategySpec<A> =
  | { readonly sends: (auth: A) => Credentials }
  | (A extends TokenEndpointFields ? { readonly oauth2: (auth: A) => OAuthGrant } : never)

export interface AuthKind<Type extends string = string, Fs extends AuthFields = AuthFields> {
  readonly type: Type
  /** What the admin UI's kind picker says. */
  readonly label: string
  /** Shown under the picker when the kind has no fields of its own. */
  readonly note?: string
  /** In the order the admin UI shows them. */
  readonly fields: Fs
  readonly strategy: AuthStrategySpec<AuthOf<Type, Fs>>
}

/** Any kind, whatever its fields: what code handling every kind alike (and the derivations) takes. */
export interface AnyAuthKind {
  readonly type: string
  readonly label: string
  readonly note?: string
  readonly fields: AuthFields
  readonly strategy:
    { readonly sends: (auth: never) => Credentials } | { readonly oauth2: (auth: never) => OAuthGrant }
}

/**
 * Declares an auth kind, checking its strategy against its fields.
 *
 * @example export const bearerAuth = defineAuthKind({ type: 'bearer', label: 'Bearer token', fields: { token: {…} }, strategy: { sends: (auth) => … } })
 */
export function defineAuthKind<const Type extends string, const Fs extends AuthFields>(
  kind: AuthKind<Type, Fs>,
): AuthKind<Type, Fs> {
  return kind
}

/** The commander option key of a flag: `--key-name <name>` → `keyName`. */
export function flagKey(flag: string): string {
  const long = /^--([a-z0-9-]+)/.exec(flag)?.[1] ?? flag
  return long.replace(/-([a-z0-9])/g, (_, letter: string) => letter.toUpperCase())
}

/** UTF-8 text in base64 (HTTP Basic, RFC 7617 §2.1), without Node's Buffer so the UI can import the kinds. */
export function base64Utf8(text: string): string {
  let binary = ''
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte)
  return btoa(binary)
}
