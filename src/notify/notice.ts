import type { AlertState } from '../domain/alert.js'

/**
 * What every channel says when an alert changes state (or is tested): the same facts, shaped per
 * channel (JSON for a webhook, text and blocks for Slack, a subject and a body for mail).
 */
export interface AlertNotice {
  readonly alert: string
  readonly query: string
  readonly params: Readonly<Record<string, string>>
  /** `firing` or `ok` after a change; `test` for `quarry alert test`. */
  readonly event: 'firing' | 'ok' | 'test'
  readonly previous: AlertState
  /** The condition in words, e.g. `Priority = "Blocker" exists`. */
  readonly condition: string
  /** What the rows said, e.g. `2 of 40 rows have Priority = "Blocker" (alert when exists)`. */
  readonly summary: string
  readonly rowCount: number
  readonly matched: number
  /** When the result was fetched (ISO-8601). */
  readonly at: string
  /** The query's view, when the server knows its own address. */
  readonly link?: string
}

/** The one-line headline every channel leads with. */
export function headline(notice: AlertNotice): string {
  switch (notice.event) {
    case 'firing':
      return `[Quarry] Alert "${notice.alert}" is firing`
    case 'ok':
      return `[Quarry] Alert "${notice.alert}" is back to ok`
    case 'test':
      return `[Quarry] Test of alert "${notice.alert}"`
  }
}

/** The notice as plain text lines (mail body, Slack text). */
export function noticeLines(notice: AlertNotice): string[] {
  const params = Object.entries(notice.params)
  return [
    headline(notice),
    `Query: ${notice.query}${params.length > 0 ? ` (${params.map(([k, v]) => `${k}=${v}`).join(', ')})` : ''}`,
    `Condition: ${notice.condition}`,
    `Result: ${notice.summary}`,
    `Checked: ${notice.at}`,
    ...(notice.link === undefined ? [] : [`View: ${notice.link}`]),
  ]
}
