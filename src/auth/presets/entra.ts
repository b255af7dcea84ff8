import { z } from 'zod'
import { PresetBlockSchema } from '../../domain/datasource.js'
import type { QueryInput } from '../../domain/query.js'
import { nothingToComplete, oauthPresetDatasource, trimSlash } from './oauth-preset-datasource.js'
import { definePreset, type PresetForm } from './preset.js'

/**
 * The Microsoft Entra ID preset: Microsoft Graph over the Microsoft identity platform's authorization
 * code flow (https://learn.microsoft.com/entra/identity-platform/v2-oauth2-auth-code-flow):
 * - endpoints per tenant: login.microsoftonline.com/{tenant}/oauth2/v2.0/authorize and …/token, the
 *   tenant being the directory's GUID, one of its domains, `organizations` or `common`;
 * - the issuer is https://login.microsoftonline.com/{tenant GUID}/v2.0 — the GUID even when the user
 *   signed in through `common` or a domain, and the discovery document of `common` names a
 *   `{tenantid}` template. So Quarry sets the issuer only for a GUID tenant: discovery, the ID token
 *   (`openid` is in its scopes) and the callback are checked against it. For any other tenant there
 *   is nothing a string comparison could check, so the preset asks for no ID token (no `openid`);
 *   an admin who adds it is told, at the ID token step, which issuer to set instead;
 * - a refresh token only with the `offline_access` scope; every refresh answers with a new one. The
 *   old one is not revoked on use (refresh-tokens doc, "Token lifetime"), so a lost answer costs
 *   nothing as long as the old one is sent again (reuse-grace.ts);
 * - `prompt=select_account` by default, so a user with several accounts picks the right one;
 * - errors carry an AADSTS code in their description (`AADSTS70000: …`) and `error_codes`.
 * The host can point elsewhere (`--auth-url`, `--api-url`).
 */
export const ENTRA = {
  authUrl: 'https://login.microsoftonline.com',
  apiUrl: 'https://graph.microsoft.com/v1.0',
  /** Graph's delegated permissions for the ready-made queries, and offline_access for a refresh token. */
  scopes: 'offline_access User.Read Mail.Read Tasks.Read',
  testPath: '/me',
} as const

/** The loopback callback Quarry listens on: register it as a Web redirect URI of the app registration. */
export const ENTRA_REDIRECT_URI = 'http://localhost:8765/callback'

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** The block an Entra datasource stores: where Graph is, and the tenant. */
export const EntraBlockSchema = PresetBlockSchema.extend({
  name: z.literal('entra'),
  apiUrl: z.url({ protocol: /^https?$/ }),
  tenant: z.string(),
})
export type EntraBlock = z.infer<typeof EntraBlockSchema>

/** The fields the admin gives: the app registration's client ID and secret, and its tenant. */
const EntraInputSchema = z.object({
  clientId: z.string().min(1),
  clientSecret: z.string().min(1),
  tenant: z
    .string()
    .regex(
      /^[A-Za-z0-9][A-Za-z0-9.-]*$/,
      'must be the directory (tenant) ID, a domain such as contoso.onmicrosoft.com, organizations or common',
    ),
})

/**
 * The issuer of a tenant's tokens, when it is known before sign-in: only for a GUID.
 *
 * @example entraIssuer('https://login.microsoftonline.com', '9188040d-6c67-4c5b-b112-36a304b66dad') // '…/9188040d-…/v2.0'
 */
export function entraIssuer(authUrl: string, tenant: string): string | undefined {
  return GUID.test(tenant) ? `${trimSlash(authUrl)}/${tenant.toLowerCase()}/v2.0` : undefined
}

/** Converter for the ready-made profile query (GET /me). */
export const ENTRA_ME_CONVERTER = `function convert(json) {
  const me = JSON.parse(json);
  return [{ Name: me.displayName, Mail: me.mail || '', Login: me.userPrincipalName, Title: me.jobTitle || '' }];
}`

/** Converter for the ready-made messages query (GET /me/messages). */
export const ENTRA_MESSAGES_CONVERTER = `function convert(json) {
  return JSON.parse(json).value.map((m) => ({
    Received: formatDate(m.receivedDateTime, 'yyyy-MM-dd HH:mm'),
    From: m.from && m.from.emailAddress ? m.from.emailAddress.address : '',
    Subject: m.subject || '',
    Read: m.isRead ? 'yes' : 'no',
  }));
}`

/** Converter for the ready-made Planner tasks query (GET /me/planner/tasks). */
export const ENTRA_TASKS_CONVERTER = `function convert(json) {
  return JSON.parse(json).value.map((t) => ({
    Title: t.title,
    Done: t.percentComplete === 100 ? 'yes' : t.percentComplete + '%',
    Due: t.dueDateTime ? formatDate(t.dueDateTime, 'yyyy-MM-dd') : '',
  }));
}`

/** The queries an Entra datasource comes with; Graph's lists page by `@odata.nextLink` (the next-link rule). */
export function entraQueries(datasource: string): QueryInput[] {
  return [
    {
      name: `${datasource}-me`,
      datasource,
      path: '/me?$select=displayName,mail,userPrincipalName,jobTitle',
      converter: ENTRA_ME_CONVERTER,
    },
    {
      name: `${datasource}-messages`,
      datasource,
      path: '/me/messages?$select=subject,from,receivedDateTime,isRead&$orderby=receivedDateTime%20desc&$top=:top',
      params: [{ name: 'top', type: 'integer', default: '50' }],
      pagination: { type: 'next-link' },
      converter: ENTRA_MESSAGES_CONVERTER,
    },
    {
      name: `${datasource}-tasks`,
      datasource,
      path: '/me/planner/tasks',
      pagination: { type: 'next-link' },
      converter: ENTRA_TASKS_CONVERTER,
    },
  ]
}

const FORM: PresetForm = {
  title: 'Microsoft Entra ID (Graph)',
  intro:
    'In the Microsoft Entra admin center, register an application with a Web redirect URI, add a client secret, and grant the delegated Graph permissions User.Read, Mail.Read and Tasks.Read; paste its IDs and the secret’s value.',
  next: 'Then press Connect and sign in with the account whose data the queries read.',
  source: 'from your app registration in the Microsoft Entra admin center (Overview, Certificates & secrets)',
  defaultName: 'graph',
  fields: [
    {
      key: 'clientId',
      label: 'Application (client) ID',
      kind: 'text',
      required: true,
      hint: "the app registration's Application (client) ID",
    },
    {
      key: 'clientSecret',
      label: 'Client secret',
      kind: 'secret',
      required: true,
      hint: "the secret's Value (not its ID), stored encrypted",
    },
    {
      key: 'tenant',
      label: 'Tenant',
      kind: 'text',
      required: true,
      hint: 'the Directory (tenant) ID (its tokens are then checked against its issuer), a domain, organizations or common',
    },
  ],
}

/**
 * Microsoft's identity platform "doesn't revoke old refresh tokens when used to fetch new access
 * tokens" (learn.microsoft.com/entra/identity-platform/refresh-tokens, "Token lifetime"): the one sent
 * stays valid for its own lifetime. Counted as Atlassian's 10 minutes, which is all a resend needs.
 */
export const MICROSOFT_REUSE_GRACE_MS = 10 * 60_000

/** The Entra preset: the registry's member (index.ts). */
export const entra = definePreset({
  name: 'entra',
  provider: 'microsoft',
  reuseGraceMs: MICROSOFT_REUSE_GRACE_MS,
  form: FORM,
  input: EntraInputSchema,
  block: EntraBlockSchema,
  datasource: (name, input, place) => {
    const authUrl = trimSlash(place.authUrl ?? ENTRA.authUrl)
    const apiUrl = trimSlash(place.apiUrl ?? ENTRA.apiUrl)
    const issuer = entraIssuer(authUrl, input.tenant)
    const tenantUrl = `${authUrl}/${encodeURIComponent(input.tenant)}/oauth2/v2.0`
    return oauthPresetDatasource(name, {
      baseUrl: apiUrl,
      testPath: ENTRA.testPath,
      auth: {
        type: 'oauth2-authorization-code',
        ...(issuer ? { issuer } : {}),
        authorizeUrl: `${tenantUrl}/authorize`,
        tokenUrl: `${tenantUrl}/token`,
        clientId: input.clientId,
        clientSecret: input.clientSecret,
        // An ID token only where its issuer can be checked: a GUID tenant.
        scopes: place.scopes ?? (issuer ? `openid ${ENTRA.scopes}` : ENTRA.scopes),
        redirectUri: place.redirectUri ?? ENTRA_REDIRECT_URI,
        pkce: true,
        // offline_access brings the refresh token; no prompt=consent needed.
        authorizeParams: { prompt: 'select_account' },
        clientAuth: 'body',
      },
      preset: { name: 'entra', apiUrl, tenant: input.tenant },
    })
  },
  queries: entraQueries,
  completeConsent: (datasource) => nothingToComplete(datasource),
})
