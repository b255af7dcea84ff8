import { defineAuthKind } from './auth-kind.js'
import {
  audienceField,
  clientAuthField,
  clientIdField,
  clientKeyField,
  clientSecretField,
  scopesField,
  tokenUrlField,
} from './oauth2-fields.js'

/**
 * OAuth 2.0 authorization code (3LO, RFC 6749 §4.1): a person consents once (`quarry connect` or the
 * admin UI's Connect), then the refresh token keeps the access token alive. With an issuer, discovery
 * (src/auth/oauth/discovery.ts) fills the endpoints, the client authentication and PKCE when the
 * datasource is saved or connected, and keeps what it found in `server`.
 */
export const oauth2AuthorizationCodeAuth = defineAuthKind({
  type: 'oauth2-authorization-code',
  label: 'OAuth 2.0 (3LO) authorization code',
  fields: {
    issuer: {
      input: 'url',
      optional: true,
      label: 'Issuer',
      hint: 'Fills the endpoints, client authentication and PKCE from the provider’s discovery document; the callback and ID token are checked against it.',
      placeholder: 'https://login.example.com/realms/demo',
      flag: '--issuer <url>',
      help: 'oauth2-authorization-code: the issuer; discovery (ISSUER/.well-known/openid-configuration or RFC 8414 oauth-authorization-server) fills the endpoints, client authentication and PKCE',
    },
    authorizeUrl: {
      input: 'url',
      label: 'Authorize URL',
      flag: '--authorize-url <url>',
      help: 'oauth2-authorization-code: authorize endpoint',
    },
    tokenUrl: tokenUrlField,
    clientId: clientIdField,
    clientSecret: { ...clientSecretField, optional: true },
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
      help: 'oauth2-authorization-code: use PKCE (not for Atlassian; discovery turns it on where supported)',
    },
    /** Google wants access_type=offline, Entra prompt=select_account; prompt=consent makes most providers issue a refresh token. */
    authorizeParams: {
      input: 'params',
      default: { prompt: 'consent' },
      reserved: {
        client_id: 'use --client-id',
        redirect_uri: 'use --redirect-uri',
        scope: 'use --scope',
        state: 'Quarry makes a fresh one per attempt',
        response_type: 'always code',
        code_challenge: 'use --pkce',
        code_challenge_method: 'use --pkce',
        audience: 'use --audience',
      },
      label: 'Authorize parameters',
      hint: 'One name=value per line, added to the authorize URL (prompt=consent by default; access_type=offline for Google).',
      flag: '--authorize-param <name=value>',
      help: 'oauth2-authorization-code: a parameter of the authorize URL (repeatable; default prompt=consent; name= removes one)',
    },
    clientAuth: clientAuthField('body', ['basic', 'body', 'none', 'private-key-jwt']),
    clientKey: clientKeyField,
    server: {
      input: 'metadata',
      optional: true,
      label: 'Discovered',
      hint: 'What discovery found at the issuer, kept so runs need no discovery.',
    },
  },
  strategy: { oauth2: () => ({ kind: 'refresh' }) },
})
