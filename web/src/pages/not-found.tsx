import { Link } from '../router.js'

export function NotFoundPage() {
  return (
    <section>
      <h1>Not found</h1>
      <p>
        This page does not exist or your role may not open it. <Link to="/">Home</Link>
      </p>
    </section>
  )
}
