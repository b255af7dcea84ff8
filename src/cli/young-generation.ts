/**
 * Keeps V8's young generation at the size it has when a run's rows start to flow, for the rest of
 * the process: a streamed run (`quarry run`, rows from a database or API to a file) allocates fast
 * and keeps little, and V8 grows the young generation under that allocation rate to 64 MB and more,
 * most of a large run's peak RSS (bench/RESULTS.md, SQL section; issue 18's 150 and 200 MB).
 * `--max-semi-space-size` would cap it too, but only on Node's command line; the growth factor is
 * read each time the young generation grows, so setting it mid-run takes effect. The smaller young
 * generation costs no CPU: it saved some in the same bench, measured side by side.
 *
 * Only once `threshold` rows have come: loading node:v8 costs a start several ms, which a cached or
 * small run (issue 18's first line) should not pay for a memory gain it does not need.
 *
 * @example const onRows = youngGenerationKept(); onRows(2000) // called with each slice's row count
 */
export function youngGenerationKept(threshold = 1000): (rows: number) => void {
  let seen = 0
  return (rows) => {
    if (seen >= threshold) return
    seen += rows
    // Loaded here, not imported: the bundle would load node:v8 with the module, on every start.
    if (seen >= threshold)
      process.getBuiltinModule('node:v8').setFlagsFromString('--semi-space-growth-factor=1')
  }
}
