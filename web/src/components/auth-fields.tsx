import type { RestDatasource as Datasource } from '../api.js'
import { CheckboxField, Field, SelectField } from './field.js'

type Auth = Datasource['auth']
type AuthType = Auth['type']

export const AUTH_LABELS: Record<AuthType, string> = {
  none: 'None',
  basic: 'Basic (user and password)',
  'api-key': 'API key',
  bearer: 'Bearer token',
  'oauth2-client-credentials': 'OAuth 2.0 client credentials',
  'oauth2-authorization-code': 'OAuth 2.0 (3LO) authorization code',
}

/** A fresh auth of `type`, keeping what carries over (client id and secret, token URL). */
export function authOfType(type: AuthType, previous: Auth): Auth {
  const old = previous as Partial<Record<string, unknown>>
  const text = (key: string) => (typeof old[key] === 'string' ? (old[key] as string) : '')
  switch (type) {
    case 'none':
      return { type }
    case 'basic':
      return { type, username: '', password: '' }
    case 'api-key':
      return { type, in: 'header', name: '', value: '' }
    case 'bearer':
      return { type, token: '' }
    case 'oauth2-client-credentials':
      return {
        type,
        tokenUrl: text('tokenUrl'),
        clientId: text('clientId'),
        clientSecret: text('clientSecret'),
        clientAuth: 'basic',
      }
    case 'oauth2-authorization-code':
      return {
        type,
        authorizeUrl: '',
        tokenUrl: text('tokenUrl'),
        clientId: text('clientId'),
        clientSecret: text('clientSecret'),
        scopes: '',
        redirectUri: `${window.location.origin}/api/oauth/callback`,
        pkce: false,
        clientAuth: 'body',
      }
  }
}

/** The fields of one auth kind ("custom headers" is auth none plus secret headers). */
export function AuthFields({ auth, onChange }: { auth: Auth; onChange: (auth: Auth) => void }) {
  const set = <K extends string>(key: K, value: string | boolean | undefined) =>
    onChange({ ...auth, [key]: value } as Auth)
  const optional = (value: string) => (value === '' ? undefined : value)
  switch (auth.type) {
    case 'none':
      return <p className="muted">No authentication, or custom headers (mark them secret) below.</p>
    case 'basic':
      return (
        <>
          <Field label="User" value={auth.username} onChange={(v) => set('username', v)} autoComplete="off" />
          <Field
            label="Password"
            type="password"
            value={auth.password}
            onChange={(v) => set('password', v)}
            autoComplete="new-password"
          />
        </>
      )
    case 'api-key':
      return (
        <>
          <SelectField
            label="Send key in"
            value={auth.in}
            options={[
              { value: 'header', label: 'a header' },
              { value: 'query', label: 'a query parameter' },
            ]}
            onChange={(v) => set('in', v)}
          />
          <Field
            label={auth.in === 'header' ? 'Header' : 'Query parameter'}
            value={auth.name}
            onChange={(v) => set('name', v)}
            placeholder={auth.in === 'header' ? 'X-Api-Key' : 'api_key'}
          />
          <Field
            label="Key value"
            type="password"
            value={auth.value}
            onChange={(v) => set('value', v)}
            autoComplete="new-password"
          />
        </>
      )
    case 'bearer':
      return (
        <Field
          label="Token"
          type="password"
          value={auth.token}
          onChange={(v) => set('token', v)}
          autoComplete="new-password"
        />
      )
    case 'oauth2-client-credentials':
      return (
        <>
          <Field label="Token URL" type="url" value={auth.tokenUrl} onChange={(v) => set('tokenUrl', v)} />
          <ClientFields auth={auth} set={set} />
          <Field label="Scope" value={auth.scope ?? ''} onChange={(v) => set('scope', optional(v))} />
          <Field
            label="Audience"
            value={auth.audience ?? ''}
            onChange={(v) => set('audience', optional(v))}
          />
          <ClientAuthField value={auth.clientAuth} onChange={(v) => set('clientAuth', v)} />
        </>
      )
    case 'oauth2-authorization-code':
      return (
        <>
          <Field
            label="Authorize URL"
            type="url"
            value={auth.authorizeUrl}
            onChange={(v) => set('authorizeUrl', v)}
          />
          <Field label="Token URL" type="url" value={auth.tokenUrl} onChange={(v) => set('tokenUrl', v)} />
          <ClientFields auth={auth} set={set} />
          <Field
            label="Scopes"
            value={auth.scopes}
            onChange={(v) => set('scopes', v)}
            hint="Space-separated; offline_access for a refresh token."
          />
          <Field
            label="Redirect URI"
            type="url"
            value={auth.redirectUri}
            onChange={(v) => set('redirectUri', v)}
            hint="Register exactly this URL as the app's callback URL."
          />
          <Field
            label="Audience"
            value={auth.audience ?? ''}
            onChange={(v) => set('audience', optional(v))}
          />
          <CheckboxField label="PKCE" checked={auth.pkce} onChange={(v) => set('pkce', v)} />
          <ClientAuthField value={auth.clientAuth} onChange={(v) => set('clientAuth', v)} />
        </>
      )
  }
}

function ClientFields({
  auth,
  set,
}: {
  auth: { clientId: string; clientSecret: string }
  set: (key: string, value: string) => void
}) {
  return (
    <>
      <Field
        label="Client ID"
        value={auth.clientId}
        onChange={(v) => set('clientId', v)}
        autoComplete="off"
      />
      <Field
        label="Client secret"
        type="password"
        value={auth.clientSecret}
        onChange={(v) => set('clientSecret', v)}
        autoComplete="new-password"
      />
    </>
  )
}

function ClientAuthField({
  value,
  onChange,
}: {
  value: 'basic' | 'body'
  onChange: (v: 'basic' | 'body') => void
}) {
  return (
    <SelectField
      label="Client authentication"
      value={value}
      options={[
        { value: 'basic', label: 'HTTP Basic' },
        { value: 'body', label: 'In the request body' },
      ]}
      onChange={onChange}
    />
  )
}
