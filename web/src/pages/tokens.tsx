export function TokensPage(_props: { name?: string | null }) {
  return <p>TODO</p>
}
