import { useId, useState } from 'react'
import { MASKED, type SqlDatasource } from '../api.js'
import { CheckboxField, Field, SelectField } from './field.js'

type ServerDatasource = Extract<SqlDatasource, { type: 'postgres' | 'mysql' }>
type TlsMode = ServerDatasource['tls']['mode']

const TLS_LABELS: Record<TlsMode, string> = {
  disable: 'Off',
  require: 'On, certificate not checked',
  verify: 'On, certificate verified',
}

/** A number input's text as a number, or `fallback` while it is empty. */
function numberOr(text: string, fallback: number): number {
  return text === '' ? fallback : Number(text)
}

/** The fields of a database datasource: where it is, how to sign in, TLS, and its limits. */
export function SqlDatasourceFields({
  datasource,
  onChange,
}: {
  datasource: SqlDatasource
  onChange: (datasource: SqlDatasource) => void
}) {
  return (
    <>
      {datasource.type === 'sqlite' ? (
        <div className="panel">
          <Field
            label="Database file"
            value={datasource.path}
            onChange={(path) => onChange({ ...datasource, path })}
            required
            size={60}
            hint="A path on the Quarry server, e.g. /var/lib/quarry/reports.db."
          />
        </div>
      ) : (
        <ServerFields datasource={datasource} onChange={onChange} />
      )}
      <SqlLimitsFields datasource={datasource} onChange={onChange} />
    </>
  )
}

/** PostgreSQL, MySQL / MariaDB: a URL or host/port/database/user, the password, TLS and the pool. */
function ServerFields({
  datasource,
  onChange,
}: {
  datasource: ServerDatasource
  onChange: (datasource: ServerDatasource) => void
}) {
  const [by, setBy] = useState<'url' | 'host'>(datasource.host !== undefined ? 'host' : 'url')
  const set = (patch: Partial<ServerDatasource>) => onChange({ ...datasource, ...patch })
  const optional = (text: string) => (text === '' ? undefined : text)
  const scheme = datasource.type === 'postgres' ? 'postgres' : 'mysql'
  const choose = (choice: 'url' | 'host') => {
    setBy(choice)
    const { url: _url, host: _host, port: _port, database: _database, user: _user, ...rest } = datasource
    onChange(choice === 'url' ? { ...rest, url: '' } : { ...rest, host: '' })
  }
  return (
    <div className="panel">
      <SelectField
        label="Connect with"
        value={by}
        options={[
          { value: 'url', label: 'a connection URL' },
          { value: 'host', label: 'host, port, database and user' },
        ]}
        onChange={choose}
      />
      {by === 'url' ? (
        <Field
          label="Connection URL"
          value={datasource.url ?? ''}
          onChange={(url) => set({ url })}
          required
          size={80}
          placeholder={`${scheme}://user@db.example.com:${scheme === 'postgres' ? 5432 : 3306}/reports`}
          hint="Without the password (give it below); options such as ?options=-c search_path=… stay in it."
        />
      ) : (
        <>
          <div className="row">
            <Field label="Host" value={datasource.host ?? ''} onChange={(host) => set({ host })} required />
            <Field
              label="Port"
              type="number"
              min={1}
              max={65535}
              value={datasource.port === undefined ? '' : String(datasource.port)}
              onChange={(v) => set({ port: v === '' ? undefined : Number(v) })}
              placeholder={scheme === 'postgres' ? '5432' : '3306'}
            />
          </div>
          <div className="row">
            <Field
              label="Database"
              value={datasource.database ?? ''}
              onChange={(v) => set({ database: optional(v) })}
            />
            <Field
              label="User"
              value={datasource.user ?? ''}
              onChange={(v) => set({ user: optional(v) })}
              autoComplete="off"
            />
          </div>
        </>
      )}
      <Field
        label="Password"
        type="password"
        value={datasource.password ?? ''}
        onChange={(password) => set({ password })}
        autoComplete="new-password"
        hint={
          datasource.password === MASKED
            ? 'Stored encrypted; leave it as is to keep the saved password.'
            : 'Stored encrypted; empty when the server needs none.'
        }
      />
      <TlsFields tls={datasource.tls} onChange={(tls) => set({ tls })} />
      <Field
        label="Pool size"
        type="number"
        min={1}
        max={100}
        value={String(datasource.poolSize)}
        onChange={(v) => set({ poolSize: numberOr(v, 4) })}
        hint="Connections kept open to the database at most."
      />
    </div>
  )
}

function TlsFields({
  tls,
  onChange,
}: {
  tls: ServerDatasource['tls']
  onChange: (tls: ServerDatasource['tls']) => void
}) {
  const id = useId()
  return (
    <>
      <SelectField<TlsMode>
        label="TLS"
        value={tls.mode}
        options={(Object.keys(TLS_LABELS) as TlsMode[]).map((mode) => ({
          value: mode,
          label: TLS_LABELS[mode],
        }))}
        onChange={(mode) => onChange({ ...tls, mode })}
      />
      {tls.mode === 'verify' && (
        <div className="field">
          <label htmlFor={id}>CA certificate (PEM)</label>
          <textarea
            id={id}
            className="code"
            value={tls.ca ?? ''}
            onChange={(event) => onChange({ ...tls, ca: event.target.value })}
            placeholder="-----BEGIN CERTIFICATE-----"
            spellCheck={false}
            aria-describedby={`${id}-hint`}
          />
          <small className="hint" id={`${id}-hint`}>
            Only for a private CA; empty = the system&apos;s trusted CAs.
          </small>
        </div>
      )}
    </>
  )
}

/** What every database datasource has: the statement timeout, the row limit and the read-only rule. */
function SqlLimitsFields({
  datasource,
  onChange,
}: {
  datasource: SqlDatasource
  onChange: (datasource: SqlDatasource) => void
}) {
  const set = (patch: Partial<SqlDatasource>) => onChange({ ...datasource, ...patch } as SqlDatasource)
  return (
    <fieldset>
      <legend>Limits and writes</legend>
      <div className="row">
        <Field
          label="Statement timeout (ms)"
          type="number"
          min={100}
          max={3600000}
          value={String(datasource.statementTimeoutMs)}
          onChange={(v) => set({ statementTimeoutMs: numberOr(v, 30_000) })}
          hint="Enforced by the database server."
        />
        <Field
          label="Row limit"
          type="number"
          min={1}
          value={String(datasource.maxRows)}
          onChange={(v) => set({ maxRows: numberOr(v, 1_000_000) })}
          hint="A run stops after this many rows and says so."
        />
      </div>
      <CheckboxField
        label="Read-only"
        checked={datasource.readOnly}
        onChange={(readOnly) => set({ readOnly })}
      />
      <p className={datasource.readOnly ? 'muted' : 'notice'}>
        {datasource.readOnly
          ? datasource.type === 'sqlite'
            ? 'The file is opened read-only: a query that tries to write fails.'
            : 'Queries run in read-only transactions: a statement that tries to write fails.'
          : 'Writes allowed: every query on this datasource can change or delete data with the rights of its database user, and anyone who may run such a query (or pass it parameters) can do so. Give it a user that may only read.'}
      </p>
    </fieldset>
  )
}
