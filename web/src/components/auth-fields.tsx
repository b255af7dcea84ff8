import { useId, useState } from 'react'
import {
  AUTH_KIND_LIST,
  authKindOf,
  freshAuth,
  paramsOfText,
  paramsText,
  type AuthField,
  type AuthFields as AuthFieldSpecs,
  type FieldText,
} from '../../../src/domain/auth-kinds/index.js'
import type { RestDatasource as Datasource } from '../api.js'
import { CheckboxField, Field, SelectField } from './field.js'

type Auth = Datasource['auth']

/** The kind picker's options: every registered auth kind, by its label. */
export const AUTH_KIND_OPTIONS = AUTH_KIND_LIST.map((kind) => ({ value: kind.type, label: kind.label }))

/** A fresh auth of `type`, keeping what carries over (client id and secret, token URL). */
export function authOfType(type: Auth['type'], previous: Auth): Auth {
  return freshAuth(authKindOf(type), previous, window.location.origin) as Auth
}

/** The fields of one auth kind, from its description ("custom headers" is auth none plus secret headers). */
export function AuthFields({ auth, onChange }: { auth: Auth; onChange: (auth: Auth) => void }) {
  const kind = authKindOf(auth.type)
  const values = auth as Readonly<Record<string, unknown>>
  const entries = Object.entries(kind.fields as AuthFieldSpecs)
  if (entries.length === 0) return <p className="muted">{kind.note}</p>
  return (
    <>
      {entries.map(([name, field]) => (
        <AuthInput
          key={name}
          field={field}
          auth={values}
          value={values[name]}
          onChange={(value) => onChange({ ...auth, [name]: value } as Auth)}
        />
      ))}
    </>
  )
}

const textOf = (text: FieldText | undefined, auth: Readonly<Record<string, unknown>>) =>
  typeof text === 'function' ? text(auth) : text

/** One field of an auth kind: a text, password or URL input, a select, or a checkbox. */
function AuthInput({
  field,
  auth,
  value,
  onChange,
}: {
  field: AuthField
  auth: Readonly<Record<string, unknown>>
  value: unknown
  onChange: (value: string | boolean | Readonly<Record<string, string>> | undefined) => void
}) {
  const label = textOf(field.label, auth) ?? ''
  switch (field.input) {
    case 'params':
      return <ParamsInput label={label} hint={field.hint} value={value} onChange={onChange} />
    case 'metadata':
      return <DiscoveredNote label={label} value={value} />
    case 'checkbox':
      return <CheckboxField label={label} checked={value === true} onChange={onChange} />
    case 'choice':
      return (
        <SelectField
          label={label}
          value={typeof value === 'string' ? value : ''}
          options={field.choices}
          onChange={onChange}
        />
      )
    default: {
      const secret = field.input === 'secret'
      return (
        <Field
          label={label}
          value={typeof value === 'string' ? value : ''}
          // An optional field left empty is left out: the schema wants it absent, not "".
          onChange={(v) => onChange(field.optional && v === '' ? undefined : v)}
          {...(field.input === 'url' ? { type: 'url' } : {})}
          {...(field.input === 'text' ? { autoComplete: 'off' } : {})}
          {...(secret ? { type: 'password', autoComplete: 'new-password' } : {})}
          {...(field.hint ? { hint: field.hint } : {})}
          {...(field.placeholder ? { placeholder: textOf(field.placeholder, auth) } : {})}
        />
      )
    }
  }
}

/** Named parameters as text, one `name=value` per line; the text is kept as typed, the parsed record reported. */
function ParamsInput({
  label,
  hint,
  value,
  onChange,
}: {
  label: string
  hint: string | undefined
  value: unknown
  onChange: (value: Readonly<Record<string, string>>) => void
}) {
  const id = useId()
  const [text, setText] = useState(() => paramsText(value))
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <textarea
        id={id}
        rows={3}
        value={text}
        spellCheck={false}
        aria-describedby={hint ? `${id}-hint` : undefined}
        onChange={(event) => {
          setText(event.target.value)
          onChange(paramsOfText(event.target.value))
        }}
      />
      {hint && (
        <small className="hint" id={`${id}-hint`}>
          {hint}
        </small>
      )}
    </div>
  )
}

/** What discovery found, read-only: the issuer and its endpoints, or nothing before the first save. */
function DiscoveredNote({ label, value }: { label: string; value: unknown }) {
  const server = value as
    { issuer?: unknown; authorization_endpoint?: unknown; token_endpoint?: unknown } | undefined
  if (typeof server?.issuer !== 'string') return null
  return (
    <p className="muted">
      {label}: {server.issuer} — authorize {String(server.authorization_endpoint)}, token{' '}
      {String(server.token_endpoint)}. Saved with a new issuer, it is discovered again.
    </p>
  )
}
