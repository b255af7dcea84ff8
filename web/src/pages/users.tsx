export function UsersPage(_props: { name?: string | null }) {
  return <p>TODO</p>
}
