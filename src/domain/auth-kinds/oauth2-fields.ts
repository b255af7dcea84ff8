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

/** RFC 6749 §2.3.1: HTTP Basic (recommended) or the request body; each kind has its own default. */
export function clientAuthField<const Default extends 'basic' | 'body'>(defaultTo: Default) {
  return {
    input: 'choice',
    choices: [
      { value: 'basic', label: 'HTTP Basic' },
      { value: 'body', label: 'In the request body' },
    ],
    default: defaultTo,
    label: 'Client authentication',
    flag: '--client-auth <how>',
    help: 'oauth2: send client credentials by basic or body',
  } as const satisfies AuthField
}
