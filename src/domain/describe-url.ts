/** What a URL looks like in messages: no query string (it may hold an API key), no credentials. */
export function describeUrl(url: string): string {
  const parsed = new URL(url)
  return `${parsed.origin}${parsed.pathname}`
}
