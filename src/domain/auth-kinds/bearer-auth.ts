import { defineAuthKind } from './auth-kind.js'

/** A bearer token (RFC 6750 §2.1) configured once. */
export const bearerAuth = defineAuthKind({
  type: 'bearer',
  label: 'Bearer token',
  fields: {
    token: { input: 'secret', label: 'Token', flag: '--token <token>', help: 'bearer: the token (secret)' },
  },
  strategy: { sends: (auth) => ({ headers: { authorization: `Bearer ${auth.token}` }, query: {} }) },
})
