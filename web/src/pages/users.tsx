import { useState, type FormEvent } from 'react'
import { api, messageOf, ROLES, type Role, type UserRecord } from '../api.js'
import { formatTime } from '../components/connection-state.js'
import { ErrorMessage } from '../components/error-message.js'
import { Field, SelectField } from '../components/field.js'
import { splitList } from '../lists.js'
import { useSession } from '../session.js'
import { useLoad } from '../use-load.js'

/** The roles, widest first, as the select lists them. */
const ROLES_WIDEST_FIRST: readonly Role[] = [...ROLES].reverse()

/** Users (admin): list, add, change role/groups/password, remove. */
export function UsersPage() {
  const { data, error, reload } = useLoad(api.users)
  const [editing, setEditing] = useState<UserRecord | null>(null)
  const [actionError, setActionError] = useState<string | null>(null)
  const me = useSession().session.user.name

  const remove = async (name: string) => {
    if (!window.confirm(`Remove the user ${name}?`)) return
    setActionError(null)
    try {
      await api.deleteUser(name)
      reload()
    } catch (failure) {
      setActionError(messageOf(failure))
    }
  }

  return (
    <section>
      <h1>Users</h1>
      <ErrorMessage message={actionError ?? error} />
      {data && (
        <table className="list">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Role</th>
              <th scope="col">Groups</th>
              <th scope="col">Email</th>
              <th scope="col">Created</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {data.map((user) => (
              <tr key={user.name}>
                <td>{user.name}</td>
                <td>{user.role}</td>
                <td>{user.groups.join(', ')}</td>
                <td>{user.email ?? ''}</td>
                <td>{formatTime(user.createdAt)}</td>
                <td className="actions">
                  <button type="button" onClick={() => setEditing(user)} aria-label={`Edit ${user.name}`}>
                    Edit
                  </button>
                  {user.name !== me && (
                    <button
                      type="button"
                      className="danger"
                      onClick={() => remove(user.name)}
                      aria-label={`Remove ${user.name}`}
                    >
                      Remove
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {editing ? (
        <EditUserForm
          key={editing.name}
          user={editing}
          onDone={() => {
            setEditing(null)
            reload()
          }}
          onCancel={() => setEditing(null)}
        />
      ) : (
        <AddUserForm onAdded={reload} />
      )}
    </section>
  )
}

function AddUserForm({ onAdded }: { onAdded: () => void }) {
  const [name, setName] = useState('')
  const [password, setPassword] = useState('')
  const [role, setRole] = useState<Role>('viewer')
  const [groups, setGroups] = useState('')
  const [email, setEmail] = useState('')
  const [error, setError] = useState<string | null>(null)

  const submit = async (event: FormEvent) => {
    event.preventDefault()
    setError(null)
    try {
      await api.createUser({ name, password, role, groups: splitList(groups), email: email.trim() || null })
      setName('')
      setPassword('')
      setGroups('')
      setEmail('')
      onAdded()
    } catch (failure) {
      setError(messageOf(failure))
    }
  }

  return (
    <form className="panel" onSubmit={submit} aria-label="Add user">
      <h2>Add user</h2>
      <Field label="Name" value={name} onChange={setName} required autoComplete="off" />
      <Field
        label="Password"
        type="password"
        value={password}
        onChange={setPassword}
        required
        autoComplete="new-password"
      />
      <SelectField label="Role" value={role} options={ROLES_WIDEST_FIRST} onChange={setRole} />
      <Field label="Groups" value={groups} onChange={setGroups} hint="Comma-separated." />
      <Field
        label="Email"
        type="email"
        value={email}
        onChange={setEmail}
        autoComplete="off"
        hint="Optional. Queries read it as :@user.email."
      />
      <ErrorMessage message={error} />
      <button type="submit" className="primary">
        Add user
      </button>
    </form>
  )
}

function EditUserForm({
  user,
  onDone,
  onCancel,
}: {
  user: UserRecord
  onDone: () => void
  onCancel: () => void
}) {
  const [role, setRole] = useState<Role>(user.role)
  const [groups, setGroups] = useState(user.groups.join(', '))
  const [email, setEmail] = useState(user.email ?? '')
  const [password, setPassword] = useState('')
  const [error, setError] = useState<string | null>(null)

  const submit = async (event: FormEvent) => {
    event.preventDefault()
    setError(null)
    try {
      await api.updateUser(user.name, {
        role,
        groups: splitList(groups),
        email: email.trim() || null,
        ...(password === '' ? {} : { password }),
      })
      onDone()
    } catch (failure) {
      setError(messageOf(failure))
    }
  }

  return (
    <form className="panel" onSubmit={submit} aria-label={`Edit ${user.name}`}>
      <h2>Edit {user.name}</h2>
      <SelectField label="Role" value={role} options={ROLES_WIDEST_FIRST} onChange={setRole} />
      <Field label="Groups" value={groups} onChange={setGroups} hint="Comma-separated." />
      <Field
        label="Email"
        type="email"
        value={email}
        onChange={setEmail}
        autoComplete="off"
        hint="Optional. Queries read it as :@user.email."
      />
      <Field
        label="New password"
        type="password"
        value={password}
        onChange={setPassword}
        autoComplete="new-password"
        hint="Leave empty to keep the current password."
      />
      <ErrorMessage message={error} />
      <div className="actions">
        <button type="submit" className="primary">
          Save
        </button>
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  )
}
