import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import type { ServerContext } from '../../src/server/context.js'
import { ServerMetrics } from '../../src/server/metrics.js'

/**
 * Issue 19: docs/operator/metrics.md lists every series /metrics has, with its type and labels. The
 * list is written by hand (each series is explained there), so this test holds it to the server's
 * registry: a series added, renamed, retyped or relabelled in src/server/metrics.ts fails it.
 */
const page = readFileSync(new URL('../../docs/operator/metrics.md', import.meta.url), 'utf8')

/** `name type label,label` for each row of the table between the page's metrics markers. */
function documented(): string[] {
  const start = page.indexOf('<!-- metrics:start -->')
  const end = page.indexOf('<!-- metrics:end -->')
  if (start < 0 || end < start) throw new Error('docs/operator/metrics.md has no metrics:start/end markers')
  return page
    .slice(start, end)
    .split('\n')
    .flatMap((line) => {
      const cells = line.split('|').map((cell) => cell.trim())
      const name = /^`(quarry_\w+)`$/.exec(cells[1] ?? '')?.[1]
      if (name === undefined) return []
      const labels = [...(cells[3] ?? '').matchAll(/`(\w+)`/g)].map((match) => match[1])
      return [`${name} ${cells[2]} ${labels.join(',')}`]
    })
}

/** The same, from the registry a server scrapes. */
async function registered(): Promise<string[]> {
  // The gauge reads the pool's queue depth only when scraped; the table needs no pool.
  const metrics = new ServerMetrics({ converters: { queueDepth: 0 } } as unknown as ServerContext)
  const series = await metrics.registry.getMetricsAsJSON()
  return series.map(({ name, type }) => {
    // prom-client keeps a metric's label names on it, though its typings leave them out.
    const { labelNames } = metrics.registry.getSingleMetric(name) as unknown as {
      labelNames: readonly string[]
    }
    return `${name} ${type} ${labelNames.join(',')}`
  })
}

describe('docs/operator/metrics.md', () => {
  it('lists every series of /metrics with its type and labels, and no other', async () => {
    expect(documented().sort()).toEqual((await registered()).sort())
  })
})
