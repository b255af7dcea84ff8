import type { AuthField } from './auth-kind.js'

/**
 * The fields both OAuth 2.0 kinds have, described once so their flags and labels agree. Not a kind:
 * the kinds are oauth2-client-credentials-auth.ts and oauth2-authorization-code-auth.ts.
 */
export const tokenUrlField = {
  input: 'url',
  label: 'Token URL',
  flag: '--token-url <url>',
  help: 'oauth2: token endpoint',
  carries: true,
} as const satisfies AuthField

export const clientIdField = {
  input: 'text',
  label: 'Client ID',
  flag: '--client-id <id>',
  help: 'oauth2: client id',
  carries: true,
} as const satisfies AuthField

export const clientSecretField = {
  input: 'secret',
  label: 'Client secret',
  flag: '--client-secret <secret>',
  help: 'oauth2: client secret (secret)',
  carries: true,
} as const satisfies AuthField

/** private_key_jwt (RFC 7523): the key the client signs its assertion with, held as a secret. */
export const clientKeyField = {
  input: 'secret',
  optional: true,
  label: 'Client private key',
  hint: 'For private_key_jwt: a private JWK (JSON, with its kid) or a PKCS #8 PEM; register its public half with the provider.',
  flag: '--client-key <key>',
  help: 'oauth2 private-key-jwt: the private key, a JWK (JSON) or PKCS #8 PEM (secret; env:NAME reads it from that environment variable)',
} as const satisfies AuthField

export const audienceField = {
  input: 'text',
  optional: true,
  label: 'Audience',
  flag: '--audience <audience>',
  help: 'oauth2: audience parameter',
} as const satisfies AuthField

const scopeFlag = { flag: '--scope <scopes>', help: 'oauth2: scopes, space-separated' } as const
/** Client credentials: an optional scope. */
export const scopeField = {
  input: 'text',
  optional: true,
  label: 'Scope',
  ...scopeFlag,
} as const satisfies AuthField
/** Authorization code: the scopes consent asks for. */
export const scopesField = {
  input: 'text',
  label: 'Scopes',
  hint: 'Space-separated; offline_access for a refresh token.',
  ...scopeFlag,
} as const satisfies AuthField

const CLIENT_AUTH_CHOICES = {
  basic: { value: 'basic', label: 'HTTP Basic (client_secret_basic)' },
  body: { value: 'body', label: 'In the request body (client_secret_post)' },
  none: { value: 'none', label: 'None: a public client, with PKCE (none)' },
  'private-key-jwt': {
    value: 'private-key-jwt',
    label: "A JWT signed with the client's private key (private_key_jwt)",
  },
} as const
type ClientAuthChoice = keyof typeof CLIENT_AUTH_CHOICES

/** The names RFC 8414 metadata and OpenID Connect give the methods, accepted too. */
export const CLIENT_AUTH_ALIASES = {
  client_secret_basic: 'basic',
  client_secret_post: 'body',
  private_key_jwt: 'private-key-jwt',
} as const

/**
 * How the client authenticates at the token endpoint: `methods` are the ones a kind offers, the first
 * of them HTTP Basic or the body (RFC 6749 §2.3.1); each kind has its own default.
 */
export function clientAuthField<
  const Default extends Methods[number],
  const Methods extends readonly ClientAuthChoice[],
>(defaultTo: Default, methods: Methods) {
  return {
    input: 'choice',
    choices: methods.map((method) => CLIENT_AUTH_CHOICES[method]) as readonly {
      readonly value: Methods[number]
      readonly label: string
    }[],
    aliases: Object.fromEntries(
      Object.entries(CLIENT_AUTH_ALIASES).filter(([, method]) =>
        (methods as readonly string[]).includes(method),
      ),
    ) as Readonly<Record<string, Methods[number]>>,
    default: defaultTo,
    label: 'Client authentication',
    flag: '--client-auth <how>',
    help: 'oauth2: how the client authenticates at the token endpoint: basic (client_secret_basic), body (client_secret_post), none (public client, PKCE; authorization code only) or private-key-jwt (RFC 7523, with --client-key)',
  } as const satisfies AuthField
}
