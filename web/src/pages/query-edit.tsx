export function QueryEditPage(_props: { name?: string | null }) {
  return <p>TODO</p>
}
