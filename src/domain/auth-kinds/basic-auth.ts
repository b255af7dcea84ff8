import { base64Utf8, defineAuthKind } from './auth-kind.js'

/** HTTP Basic (RFC 7617): user and password in the authorization header. */
export const basicAuth = defineAuthKind({
  type: 'basic',
  label: 'Basic (user and password)',
  fields: {
    username: { input: 'text', label: 'User', flag: '--username <user>', help: 'basic: user name' },
    password: {
      input: 'secret',
      allowEmpty: true,
      label: 'Password',
      flag: '--password <password>',
      help: 'basic auth or SQL: password (secret, encrypted at rest)',
    },
  },
  strategy: {
    sends: (auth) => ({
      headers: { authorization: `Basic ${base64Utf8(`${auth.username}:${auth.password}`)}` },
      query: {},
    }),
  },
})
