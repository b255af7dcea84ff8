import type { Subscription } from '../domain/subscription.js'
import { cellText, columnsOf, formatNamed, writeFormat, type Row } from '../render/index.js'
import { escapeHtml } from '../render/html-format.js'

/**
 * One subscription mail (issue 16): the first rows as an HTML table (with a plain-text twin), every
 * row attached, a link to the view and a link to unsubscribe, and the List-Unsubscribe headers of
 * RFC 2369 and RFC 8058 so mail programs offer a one-click "Unsubscribe" that POSTs to the same link.
 */
export interface SubscriptionMail {
  readonly from: string
  readonly to: string
  readonly subject: string
  readonly html: string
  readonly text: string
  readonly headers: Readonly<Record<string, string>>
  readonly attachments: readonly { filename: string; content: Buffer; contentType: string }[]
}

/** What a mail is about: the run's query, parameters, rows and time, and where its links point. */
export interface MailFacts {
  readonly query: string
  readonly params: Readonly<Record<string, string>>
  readonly rows: readonly Row[]
  readonly fetchedAt: Date
  readonly viewUrl: string
}

/**
 * The view of the run's query with its parameter values: `${publicUrl}/v/QUERY?params`.
 *
 * @example viewUrl('https://q.example.com', 'open-bugs', { project: 'DEMO' }) // 'https://q.example.com/v/open-bugs?project=DEMO'
 */
export function viewUrl(baseUrl: string, query: string, params: Readonly<Record<string, string>>): string {
  const url = new URL(`/v/${encodeURIComponent(query)}`, baseUrl)
  for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value)
  return url.toString()
}

/** All rows as the attachment's bytes, written by the same format as the views' downloads. */
export async function attachmentOf(
  subscription: Subscription,
  facts: MailFacts,
): Promise<SubscriptionMail['attachments']> {
  if (subscription.format === 'none') return []
  const format = formatNamed(subscription.format)
  const parts: Buffer[] = []
  for await (const chunk of writeFormat(subscription.format, facts.rows))
    parts.push(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.from(chunk))
  return [
    {
      filename: `${facts.query}.${format.extension}`,
      content: Buffer.concat(parts),
      contentType: format.mediaType,
    },
  ]
}

function subjectOf(subscription: Subscription, facts: MailFacts): string {
  return (
    subscription.subject ?? `${facts.query}: ${facts.rows.length} rows (${facts.fetchedAt.toISOString()})`
  )
}

function tableHtml(rows: readonly Row[]): string {
  const columns = columnsOf(rows)
  const head = columns.map((column) => `<th style="${CELL};background:#f3f3f3">${escapeHtml(column)}</th>`)
  const body = rows.map(
    (row) =>
      `<tr>${columns.map((column) => `<td style="${CELL}">${escapeHtml(cellText(row[column]))}</td>`).join('')}</tr>`,
  )
  return `<table style="border-collapse:collapse"><thead><tr>${head.join('')}</tr></thead><tbody>${body.join('')}</tbody></table>`
}

// Mail programs drop <style> blocks, so each cell carries its style.
const CELL = 'border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top'

/** The note under a table cut short: how many rows the body leaves out, and where they all are. */
function cutNote(shown: number, total: number, format: Subscription['format']): string | undefined {
  if (shown >= total) return undefined
  const where =
    format === 'none' ? 'the view has them all' : `the attached ${format.toUpperCase()} has them all`
  return `The first ${shown} of ${total} rows; ${where}.`
}

/**
 * The mail for one recipient; `unsubscribeUrl` is theirs alone (signed for their address).
 *
 * @example const mail = await composeMail(subscription, facts, 'ann@example.com', 'https://q.example.com/unsubscribe?token=…')
 */
export async function composeMail(
  subscription: Subscription,
  facts: MailFacts,
  address: string,
  unsubscribeUrl: string,
  attachments: SubscriptionMail['attachments'],
): Promise<SubscriptionMail> {
  const shown = facts.rows.slice(0, subscription.bodyRows)
  const note = cutNote(shown.length, facts.rows.length, subscription.format)
  const params = Object.entries(facts.params)
    .map(([name, value]) => `${name}=${value}`)
    .join(', ')
  const about = `${facts.query}${params === '' ? '' : ` (${params})`}: ${facts.rows.length} rows, fetched ${facts.fetchedAt.toISOString()}.`
  const html = [
    '<!doctype html><html><body style="font:14px/1.4 sans-serif;color:#222">',
    `<p>${escapeHtml(about)} <a href="${escapeHtml(facts.viewUrl)}">Open the view</a></p>`,
    shown.length === 0 ? '<p>No rows.</p>' : tableHtml(shown),
    note === undefined ? '' : `<p>${escapeHtml(note)}</p>`,
    `<p style="color:#666;font-size:12px">Sent by Quarry because ${escapeHtml(address)} subscribes to "${escapeHtml(subscription.name)}". <a href="${escapeHtml(unsubscribeUrl)}">Unsubscribe</a></p>`,
    '</body></html>',
  ].join('\n')
  const text = [
    about,
    `View: ${facts.viewUrl}`,
    ...(note === undefined ? [] : [note]),
    '',
    '-- ',
    `Sent by Quarry because ${address} subscribes to "${subscription.name}".`,
    `Unsubscribe: ${unsubscribeUrl}`,
    '',
  ].join('\n')
  return {
    from: subscription.server.from,
    to: address,
    subject: subjectOf(subscription, facts),
    html,
    text,
    headers: {
      'List-Unsubscribe': `<${unsubscribeUrl}>`,
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    },
    attachments,
  }
}
