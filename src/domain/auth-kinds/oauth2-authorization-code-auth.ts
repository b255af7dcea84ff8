import { defineAuthKind } from './auth-kind.js'
import {
  audienceField,
  clientAuthField,
  clientIdField,
  clientSecretField,
  scopesField,
  tokenUrlField,
} from './oauth2-fields.js'

/**
 * OAuth 2.0 authorization code (3LO, RFC 6749 §4.1): a person consents once (`quarry connect` or the
 * admin UI's Connect), then the refresh token keeps the access token alive.
 */
export const oauth2AuthorizationCodeAuth = defineAuthKind({
  type: 'oauth2-authorization-code',
  label: 'OAuth 2.0 (3LO) authorization code',
  fields: {
    authorizeUrl: {
      input: 'url',
      label: 'Authorize URL',
      flag: '--authorize-url <url>',
      help: 'oauth2-authorization-code: authorize endpoint',
    },
    tokenUrl: tokenUrlField,
    clientId: clientIdField,
    clientSecret: clientSecretField,
    scopes: scopesField,
    redirectUri: {
      input: 'url',
      label: 'Redirect URI',
      hint: "Register exactly this URL as the app's callback URL.",
      flag: '--redirect-uri <uri>',
      help: 'oauth2-authorization-code: the callback URL registered with the provider',
      // The server's callback (src/server/context.ts CALLBACK_PATH).
      initial: (origin: string) => `${origin}/api/oauth/callback`,
    },
    audience: audienceField,
    /** PKCE (RFC 7636) where the provider supports it; Atlassian does not. */
    pkce: {
      input: 'checkbox',
      default: false,
      label: 'PKCE',
      flag: '--pkce',
      help: 'oauth2-authorization-code: use PKCE (not for Atlassian)',
    },
    clientAuth: clientAuthField('body'),
  },
  strategy: { oauth2: () => ({ kind: 'refresh' }) },
})
