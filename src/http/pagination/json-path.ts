/**
 * Reads a dotted path (`data.items`, `paging.next.cursor`, `values.0.id`) from a
 * parsed JSON value. Missing steps give undefined.
 *
 * @example readPath({ a: { b: [1, 2] } }, 'a.b.1') // 2
 */
export function readPath(value: unknown, path: string): unknown {
  let current = value
  for (const step of path.split('.')) {
    if (current === null || typeof current !== 'object') return undefined
    current = (current as Record<string, unknown>)[step]
  }
  return current
}

/** The number of items at `path`, or undefined when there is no array there. */
export function countItems(value: unknown, path: string | undefined): number | undefined {
  const items = path === undefined ? value : readPath(value, path)
  return Array.isArray(items) ? items.length : undefined
}
