import { escapeHtml } from '../http/respond.js'
import type { SimSite, SimUser } from '../data/model.js'
import type { SimClient } from './clients.js'

/**
 * The pages a person sees at auth.atlassian.com: pick an account (the
 * simulator has no passwords), then the consent screen with a site picker and
 * Accept / Deny. The form carries the original authorize parameters back in
 * hidden fields, so the consent step re-validates them instead of trusting state
 * kept between the two requests.
 */

const STYLE = `body{font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;color:#172b4d}
h1{font-size:1.4rem}.scopes li{margin:.2rem 0}button{font-size:1rem;padding:.5rem 1.2rem;margin-right:.5rem}
.accept{background:#0052cc;color:#fff;border:0;border-radius:3px}.note{color:#6b778c;font-size:.85rem}
a.user{display:block;padding:.5rem 0}`

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head><body>${body}<p class="note">Atlassian Cloud simulator (quarry sim)</p></body></html>`
}

export function accountPickerPage(query: URLSearchParams, users: readonly SimUser[]): string {
  const links = users
    .map((user) => {
      const next = new URLSearchParams(query)
      next.set('login', user.login)
      return `<a class="user" href="/authorize?${escapeHtml(next.toString())}">${escapeHtml(user.displayName)} &lt;${escapeHtml(user.email)}&gt;</a>`
    })
    .join('')
  return page('Log in to continue', `<h1>Log in to continue</h1><p>Choose an account:</p>${links}`)
}

export function consentPage(
  query: URLSearchParams,
  client: SimClient,
  user: SimUser,
  sites: readonly SimSite[],
  scopes: readonly string[],
): string {
  const hidden = [...query]
    .map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`)
    .join('')
  const picker =
    sites.length === 1
      ? `<p>Site: <strong>${escapeHtml((sites[0] as SimSite).name)}</strong></p><input type="hidden" name="site" value="${escapeHtml((sites[0] as SimSite).cloudId)}">`
      : `<label>Use app on <select name="site">${sites
          .map(
            (site) =>
              `<option value="${escapeHtml(site.cloudId)}">${escapeHtml(site.name)} (${escapeHtml(site.url)})</option>`,
          )
          .join('')}</select></label>`
  const scopeList = scopes.map((scope) => `<li><code>${escapeHtml(scope)}</code></li>`).join('')
  return page(
    `${client.name} is requesting access to your Atlassian account`,
    `<h1>${escapeHtml(client.name)} is requesting access to your Atlassian account</h1>
<p>Signed in as ${escapeHtml(user.displayName)} &lt;${escapeHtml(user.email)}&gt;</p>
<form method="post" action="/authorize/consent">${hidden}${picker}
<p>It wants to:</p><ul class="scopes">${scopeList}</ul>
<button class="accept" type="submit" name="decision" value="accept">Accept</button>
<button type="submit" name="decision" value="deny">Deny</button></form>`,
  )
}

export function errorPage(message: string): string {
  return page('Something went wrong', `<h1>Something went wrong</h1><p>${escapeHtml(message)}</p>`)
}
