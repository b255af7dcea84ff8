import type { ConnectionMode } from '../../../src/domain/datasource.js'
import type { RestDatasource } from '../api.js'
import { splitList } from '../lists.js'
import { AUTH_KIND_OPTIONS, AuthFields, authOfType } from './auth-fields.js'
import { Field, SelectField } from './field.js'
import { HeadersEditor } from './headers-editor.js'

/** Issue 15: one connection for everybody, or each person their own account. */
const CONNECTION_MODE_OPTIONS: readonly { value: ConnectionMode; label: string }[] = [
  { value: 'shared', label: 'Shared — one connection, made by an admin, for every viewer' },
  { value: 'per-user', label: 'Per-user — each person connects their own account' },
]

/** The fields of a REST API datasource: base URL, test path, limits, headers and auth. */
export function RestDatasourceFields({
  datasource,
  onChange,
}: {
  datasource: RestDatasource
  onChange: (datasource: RestDatasource) => void
}) {
  const change = (patch: Partial<RestDatasource>) => onChange({ ...datasource, ...patch })
  return (
    <>
      <div className="panel">
        <Field
          label="Base URL"
          type="url"
          value={datasource.baseUrl}
          onChange={(v) => change({ baseUrl: v })}
          required
        />
        <Field
          label="Test path"
          value={datasource.testPath}
          onChange={(v) => change({ testPath: v })}
          hint="Relative to the base URL; Test connection requests it."
        />
        <Field
          label="Timeout (ms)"
          type="number"
          min={100}
          max={600000}
          value={String(datasource.timeoutMs)}
          onChange={(v) => change({ timeoutMs: Number(v) })}
        />
        <Field
          label="Allowed hosts"
          value={datasource.allowedHosts.join(', ')}
          onChange={(v) => change({ allowedHosts: splitList(v) })}
          hint="Comma-separated; empty = only the base URL's host."
        />
      </div>
      <HeadersEditor headers={datasource.headers} onChange={(headers) => change({ headers })} />
      <fieldset>
        <legend>Authentication</legend>
        <SelectField
          label="Auth type"
          value={datasource.auth.type}
          options={AUTH_KIND_OPTIONS}
          onChange={(type) => change({ auth: authOfType(type, datasource.auth) })}
        />
        <AuthFields auth={datasource.auth} onChange={(auth) => change({ auth })} />
        {datasource.auth.type === 'oauth2-authorization-code' && (
          <SelectField<ConnectionMode>
            label="Connection mode"
            value={datasource.connectionMode}
            options={CONNECTION_MODE_OPTIONS}
            onChange={(connectionMode) => change({ connectionMode })}
          />
        )}
      </fieldset>
    </>
  )
}
