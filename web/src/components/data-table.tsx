/** Rows as a plain table; objects in cells are shown as JSON. */
export function DataTable({
  rows,
  columns,
  caption,
}: {
  rows: Record<string, unknown>[]
  columns?: string[]
  caption?: string
}) {
  const names = columns ?? [...new Set(rows.flatMap((row) => Object.keys(row)))]
  if (rows.length === 0) return <p className="muted">No rows.</p>
  return (
    // A scrolling box must take keyboard focus, or its hidden columns cannot be reached without a mouse
    // (WCAG 2.1.1; axe's scrollable-region-focusable).
    <div className="table-scroll" tabIndex={0} role="region" aria-label={caption ?? 'Rows'}>
      <table className="data">
        {caption && <caption>{caption}</caption>}
        <thead>
          <tr>
            {names.map((name) => (
              <th key={name} scope="col">
                {name}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row, index) => (
            <tr key={index}>
              {names.map((name) => (
                <td key={name}>{cellText(row[name])}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}

function cellText(value: unknown): string {
  if (value === null || value === undefined) return ''
  if (typeof value === 'object') return JSON.stringify(value)
  return String(value)
}
