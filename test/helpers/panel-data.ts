import { join } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import type { Template } from '../../src/domain/query.js'
import type { TestEngine } from './engine.js'

/**
 * Issue 17's panels over one deterministic SQLite table: 30 issues with a key, a creation time, story
 * points, time spent (seconds), a status and its category, a link, and a summary that tries to be
 * markup. PANEL_TEMPLATES has one template per panel kind; addPanelQueries stores a query for each
 * (`panel-stat`, `panel-bar` …), all public, and the stat once more by a named template.
 */

export const HOSTILE = '<script>alert(1)</script>'
const STATUSES = [
  ['To Do', 'new'],
  ['In Progress', 'indeterminate'],
  ['In Review', 'indeterminate'],
  ['Done', 'done'],
] as const

/** Writes the issues table into `dir/panels.db` and returns the file's path. */
export function writePanelData(dir: string): string {
  const path = join(dir, 'panels.db')
  const data = new DatabaseSync(path)
  data.exec(`CREATE TABLE issues (key text, created text, points integer, spent integer, status text,
    category text, link text, summary text, team text)`)
  const insert = data.prepare('INSERT INTO issues VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
  for (let i = 1; i <= 30; i++) {
    const [status, category] = STATUSES[i % STATUSES.length] ?? STATUSES[0]
    insert.run(
      `QA-${i}`,
      `2026-01-${String(i).padStart(2, '0')}T${String(i % 24).padStart(2, '0')}:30:00.000+0000`,
      (i * 7) % 13,
      i * 1800 + 7,
      status,
      category,
      i % 5 === 0 ? 'javascript:alert(1)' : `https://tracker.example.com/items/${i}`,
      i === 1 ? HOSTILE : `Issue number ${i}`,
      i % 3 === 0 ? 'Platform' : 'Apps',
    )
  }
  data.close()
  return path
}

export const PANEL_TEMPLATES = {
  stat: {
    type: 'stat',
    column: 'points',
    aggregate: 'sum',
    label: 'Story points',
    unit: 'short',
    color: 'green',
    thresholds: [
      { from: 100, color: 'amber' },
      { from: 500, color: 'red' },
    ],
  },
  bar: {
    type: 'chart',
    mark: 'bar',
    x: 'status',
    y: 'points',
    aggregate: 'sum',
    series: 'team',
    stacked: false,
    labels: true,
    sort: '-y',
    legend: 'bottom',
    title: 'Points by status',
  },
  line: {
    type: 'chart',
    mark: 'line',
    x: 'created',
    y: ['points', 'spent_hours'],
    title: 'Points and hours',
  },
  area: { type: 'chart', mark: 'area', x: 'created', y: 'points', series: 'team', stacked: true },
  pie: { type: 'chart', mark: 'arc', x: 'status', y: 'key', aggregate: 'count', sort: '-y', labels: true },
  donut: { type: 'chart', mark: 'donut', x: 'team', y: 'points', aggregate: 'sum', legend: 'right' },
  table: {
    type: 'table',
    pageSize: 10,
    columns: [
      { column: 'key', label: 'Issue', format: { type: 'jira-key', site: 'https://acme.atlassian.net' } },
      { column: 'status', label: 'Status', format: { type: 'status', categoryColumn: 'category' } },
      {
        column: 'created',
        label: 'Created',
        format: { type: 'date', pattern: 'dd MMM yyyy HH:mm', timeZone: 'Europe/Berlin' },
      },
      { column: 'points', label: 'Points', format: { type: 'number', decimals: 1 } },
      { column: 'spent', label: 'Time spent', format: { type: 'duration' } },
      { column: 'link', label: 'Tracker', format: { type: 'link', url: '{value}', text: 'Open {key}' } },
      { column: 'summary', label: 'Summary' },
      { column: 'category', hidden: true },
    ],
    onlyListed: true,
  },
} as const satisfies Record<string, Template>

export type PanelName = keyof typeof PANEL_TEMPLATES

/** The datasource `panels` and a public query `panel-NAME` per template; `panel-named-stat` uses the stat by its name. */
export async function addPanelQueries(engine: TestEngine, dir: string): Promise<void> {
  await engine.addDatasource({ name: 'panels', type: 'sqlite', path: writePanelData(dir) })
  const query = {
    datasource: 'panels',
    sql: 'SELECT key, created, points, spent, round(spent / 3600.0, 1) AS spent_hours, status, category, link, summary, team FROM issues ORDER BY rowid',
    visibility: { public: true },
  }
  for (const [name, template] of Object.entries(PANEL_TEMPLATES))
    await engine.addQuery({ ...query, name: `panel-${name}`, title: `Panel ${name}`, template })
  await engine.store.templates.create({ name: 'points-stat', content: JSON.stringify(PANEL_TEMPLATES.stat) })
  await engine.addQuery({ ...query, name: 'panel-named-stat', templateName: 'points-stat' })
}
