import { defineAuthKind } from './auth-kind.js'
import {
  audienceField,
  clientAuthField,
  clientIdField,
  clientKeyField,
  clientSecretField,
  scopeField,
  tokenUrlField,
} from './oauth2-fields.js'

/** OAuth 2.0 client credentials (RFC 6749 §4.4): a token per expiry for the client itself, no user. */
export const oauth2ClientCredentialsAuth = defineAuthKind({
  type: 'oauth2-client-credentials',
  label: 'OAuth 2.0 client credentials',
  fields: {
    tokenUrl: tokenUrlField,
    clientId: clientIdField,
    clientSecret: clientSecretField,
    scope: scopeField,
    audience: audienceField,
    clientAuth: clientAuthField('basic', ['basic', 'body', 'private-key-jwt']),
    clientKey: clientKeyField,
  },
  strategy: {
    oauth2: (auth) => ({
      kind: 'client-credentials',
      parameters: {
        ...(auth.scope ? { scope: auth.scope } : {}),
        ...(auth.audience ? { audience: auth.audience } : {}),
      },
    }),
  },
})
