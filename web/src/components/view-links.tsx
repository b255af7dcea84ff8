import { EMBEDDING_PATH } from '../pages/embedding.js'
import { Link } from '../router.js'
import { canUse, useSession } from '../session.js'
import { CopyButton } from './copy-button.js'

/** The embed snippet for a query's view on this server. */
export function embedSnippet(name: string, origin = window.location.origin): string {
  return `<script src="${origin}/embed.js"></script><div data-quarry-view="${name}"></div>`
}

/** "Open view" (/v/NAME) and the embed snippet with a copy button. */
export function ViewLinks({ name }: { name: string }) {
  const snippet = embedSnippet(name)
  const admin = canUse.embedding(useSession().session.user.role)
  return (
    <div className="panel">
      <div className="actions">
        <a href={`/v/${encodeURIComponent(name)}`} target="_blank" rel="noopener">
          Open view
        </a>
      </div>
      <label htmlFor="embed-snippet">Embed snippet</label>
      <div className="actions">
        <input
          id="embed-snippet"
          readOnly
          value={snippet}
          size={80}
          aria-describedby="embed-snippet-hint"
          onFocus={(event) => event.target.select()}
        />
        <CopyButton text={snippet} label="Copy snippet" />
      </div>
      <p className="hint" id="embed-snippet-hint">
        The view shows only on sites that are allowed: the origin of the site you paste this into (such as
        https://wiki.example.com) must be listed under{' '}
        {admin ? <Link to={EMBEDDING_PATH}>Embedding</Link> : 'Embedding, by an admin'}.
      </p>
    </div>
  )
}
