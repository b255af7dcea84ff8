export function QueriesPage(_props: { name?: string | null }) {
  return <p>TODO</p>
}
