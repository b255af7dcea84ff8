import { defineAuthKind } from './auth-kind.js'

/** No credentials (or custom headers, marked secret, on the datasource). */
export const noneAuth = defineAuthKind({
  type: 'none',
  label: 'None',
  note: 'No authentication, or custom headers (mark them secret) below.',
  fields: {},
  strategy: { sends: () => ({ headers: {}, query: {} }) },
})
