import {
  AUTH_KIND_LIST,
  authKindOf,
  freshAuth,
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
  onChange: (value: string | boolean | undefined) => void
}) {
  const label = textOf(field.label, auth) ?? ''
  switch (field.input) {
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
