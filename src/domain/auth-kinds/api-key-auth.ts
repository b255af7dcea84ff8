import { defineAuthKind } from './auth-kind.js'

/** An API key in a header or a query parameter of every request. */
export const apiKeyAuth = defineAuthKind({
  type: 'api-key',
  label: 'API key',
  fields: {
    /** Where the key goes: a header, or a query parameter. */
    in: {
      input: 'choice',
      choices: [
        { value: 'header', label: 'a header' },
        { value: 'query', label: 'a query parameter' },
      ],
      initial: 'header',
      label: 'Send key in',
      flag: '--key-in <where>',
      help: 'api-key: header (default) or query',
    },
    name: {
      input: 'text',
      label: (auth: Readonly<Record<string, unknown>>) =>
        auth.in === 'query' ? 'Query parameter' : 'Header',
      placeholder: (auth: Readonly<Record<string, unknown>>) =>
        auth.in === 'query' ? 'api_key' : 'X-Api-Key',
      flag: '--key-name <name>',
      help: 'api-key: header or query parameter name',
    },
    value: { input: 'secret', label: 'Key value', flag: '--key <value>', help: 'api-key: the key (secret)' },
  },
  strategy: {
    sends: (auth) =>
      auth.in === 'header'
        ? { headers: { [auth.name.toLowerCase()]: auth.value }, query: {} }
        : { headers: {}, query: { [auth.name]: auth.value } },
  },
})
