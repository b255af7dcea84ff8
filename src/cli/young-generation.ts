import { setFlagsFromString } from 'node:v8'

/**
 * Keeps V8's young generation at its starting size for the rest of the process: a streamed run
 * (`quarry run`, rows from a database or API to a file) allocates fast and keeps little, and V8
 * grows the young generation under that allocation rate to 64 MB and more, most of a large run's
 * peak RSS (bench/RESULTS.md, SQL section: issue 18's ≤ 150 MB). `--max-semi-space-size` would cap it
 * too, but only on Node's command line; the growth factor is read each time the young generation
 * grows, so it takes effect when set here. Fewer MB to scavenge costs no CPU: it saves some (the
 * same SQL bench, 100,000 rows, measured side by side). Not for `quarry serve`, whose throughput
 * gains from a young generation sized to its load.
 *
 * @example keepYoungGenerationSmall() // before a run's rows start to flow
 */
export function keepYoungGenerationSmall(): void {
  setFlagsFromString('--semi-space-growth-factor=1')
}
