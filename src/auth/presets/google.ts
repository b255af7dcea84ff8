import { z } from 'zod'
import { PresetBlockSchema } from '../../domain/datasource.js'
import type { QueryInput } from '../../domain/query.js'
import { nothingToComplete, oauthPresetDatasource, trimSlash } from './oauth-preset-datasource.js'
import { definePreset, type PresetForm } from './preset.js'

/**
 * The Google preset: Google's APIs (Calendar, Drive) over OAuth 2.0 for web server applications, as
 * Google documents it (https://developers.google.com/identity/protocols/oauth2/web-server):
 * - the issuer is https://accounts.google.com (its discovery document names it so, and ID tokens carry
 *   it as `iss`); the authorize endpoint is on accounts.google.com, the token endpoint on
 *   oauth2.googleapis.com — the issuer is set, so `quarry connect` discovers and checks against it;
 * - a refresh token comes only with `access_type=offline`, and again on a later consent only with
 *   `prompt=consent` — both are the preset's authorize parameters (Google has no offline_access scope);
 * - PKCE (S256) and the client secret in the body (client_secret_post);
 * - refresh tokens do not rotate: a refresh answers with an access token and no refresh_token, and the
 *   one Quarry holds stays the one to use (token-manager.ts keeps it);
 * - an app whose consent screen is in "Testing" gets refresh tokens that expire after 7 days.
 * The host can point elsewhere (`--auth-url`: the issuer, with the same paths; `--api-url`).
 */
export const GOOGLE = {
  issuer: 'https://accounts.google.com',
  authorizeUrl: 'https://accounts.google.com/o/oauth2/v2/auth',
  tokenUrl: 'https://oauth2.googleapis.com/token',
  /** Calendar (/calendar/v3) and Drive (/drive/v3) both live here; userinfo is /oauth2/v3/userinfo. */
  apiUrl: 'https://www.googleapis.com',
  scopes:
    'openid email https://www.googleapis.com/auth/calendar.readonly https://www.googleapis.com/auth/drive.metadata.readonly',
  testPath: '/oauth2/v3/userinfo',
} as const

/** The loopback callback Quarry listens on: register it as an authorized redirect URI of the OAuth client. */
export const GOOGLE_REDIRECT_URI = 'http://localhost:8765/callback'

/** The block a Google datasource stores: where the APIs are. */
export const GoogleBlockSchema = PresetBlockSchema.extend({
  name: z.literal('google'),
  apiUrl: z.url({ protocol: /^https?$/ }),
})
export type GoogleBlock = z.infer<typeof GoogleBlockSchema>

/** The fields the admin gives: the OAuth client's ID and secret from the Google Cloud console. */
const GoogleInputSchema = z.object({ clientId: z.string().min(1), clientSecret: z.string().min(1) })

/** Converter for the ready-made events query (Calendar events.list). */
export const GOOGLE_EVENTS_CONVERTER = `function convert(json) {
  const when = (t) => (t ? t.dateTime || t.date || '' : '');
  return (JSON.parse(json).items || []).map((e) => ({
    Summary: e.summary || '',
    Start: when(e.start),
    End: when(e.end),
    Status: e.status || '',
    Organizer: e.organizer ? e.organizer.email || '' : '',
  }));
}`

/** Converter for the ready-made files query (Drive files.list). */
export const GOOGLE_FILES_CONVERTER = `function convert(json) {
  return (JSON.parse(json).files || []).map((f) => ({
    Name: f.name,
    Type: f.mimeType,
    Modified: f.modifiedTime ? formatDate(f.modifiedTime, 'yyyy-MM-dd HH:mm') : '',
  }));
}`

/** Google's list methods: `pageToken` in, `nextPageToken` out, absent on the last page. */
const googlePages = (itemsPath: string) =>
  ({ type: 'next-page-token', tokenParam: 'pageToken', tokenPath: 'nextPageToken', itemsPath }) as const

/** The queries a Google datasource comes with. */
export function googleQueries(datasource: string): QueryInput[] {
  return [
    {
      name: `${datasource}-events`,
      datasource,
      path: '/calendar/v3/calendars/:calendar/events?singleEvents=true&orderBy=startTime&maxResults=250',
      params: [{ name: 'calendar', type: 'string', default: 'primary' }],
      pagination: googlePages('items'),
      converter: GOOGLE_EVENTS_CONVERTER,
    },
    {
      name: `${datasource}-files`,
      datasource,
      path: '/drive/v3/files?q=:q&pageSize=100&orderBy=modifiedTime%20desc&fields=nextPageToken,files(id,name,mimeType,modifiedTime)',
      params: [{ name: 'q', type: 'string', default: 'trashed = false' }],
      pagination: googlePages('files'),
      converter: GOOGLE_FILES_CONVERTER,
    },
  ]
}

const FORM: PresetForm = {
  title: 'Google',
  intro:
    'In the Google Cloud console, enable the Calendar and Drive APIs, configure the OAuth consent screen, and create an OAuth client ID of type "Web application"; paste its client ID and secret.',
  next: 'Then press Connect and give consent (Google asks every time, so that it issues a refresh token).',
  source: 'from your OAuth client in the Google Cloud console (APIs & Services → Credentials)',
  defaultName: 'google',
  fields: [
    {
      key: 'clientId',
      label: 'Client ID',
      kind: 'text',
      required: true,
      hint: '…apps.googleusercontent.com',
    },
    {
      key: 'clientSecret',
      label: 'Client secret',
      kind: 'secret',
      required: true,
      hint: "the client's secret, stored encrypted",
    },
  ],
}

/** The Google preset: the registry's member (index.ts). */
export const google = definePreset({
  name: 'google',
  provider: 'google',
  form: FORM,
  input: GoogleInputSchema,
  block: GoogleBlockSchema,
  datasource: (name, input, place) => {
    const stand = place.authUrl === undefined ? undefined : trimSlash(place.authUrl)
    const apiUrl = trimSlash(place.apiUrl ?? GOOGLE.apiUrl)
    return oauthPresetDatasource(name, {
      baseUrl: apiUrl,
      testPath: GOOGLE.testPath,
      auth: {
        type: 'oauth2-authorization-code',
        issuer: stand ?? GOOGLE.issuer,
        // A stand-in serves Google's paths on one host: the token endpoint's path is /token on both.
        authorizeUrl: stand ? `${stand}/o/oauth2/v2/auth` : GOOGLE.authorizeUrl,
        tokenUrl: stand ? `${stand}/token` : GOOGLE.tokenUrl,
        clientId: input.clientId,
        clientSecret: input.clientSecret,
        scopes: place.scopes ?? GOOGLE.scopes,
        redirectUri: place.redirectUri ?? GOOGLE_REDIRECT_URI,
        pkce: true,
        // Without access_type=offline no refresh token; without prompt=consent none on a repeated consent.
        authorizeParams: { access_type: 'offline', prompt: 'consent' },
        clientAuth: 'body',
      },
      preset: { name: 'google', apiUrl },
    })
  },
  queries: googleQueries,
  completeConsent: (datasource) => nothingToComplete(datasource),
})
