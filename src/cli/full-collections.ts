/**
 * Full garbage collections at a steady pace in `quarry run` only, so that what a long run leaves
 * dead is freed before V8 would get to it. A server (`quarry serve`) is left to V8: its requests
 * overlap, and a collection there would pause every one of them.
 *
 * `collect` is V8's `gc()` (see fullCollection); a test gives its own.
 */

/** Every 8 MB: peak RSS fell most between 32 and 8 MB in both measurements below; 4 MB cost CPU. */
const EVERY = 8 * 1024 * 1024

/**
 * A collection each time `threshold` characters of response pages have come since the last one. A
 * REST run's response bodies arrive as socket chunks outside V8's heap, which outlive a scavenge or
 * two while their body is read and then wait for a full (mark-compact) collection, and V8 starts
 * one by the old generation's size, which the chunks hardly touch: 100,000 Jira issues (122 MB of
 * pages) piled up 40–50 MB of dead chunks between two, and malloc kept the memory they had held,
 * 60 MB at the end (bench/RESULTS.md, memory section; issue 18's 150 MB). Every 8 MB of pages: peak
 * RSS ~175 → ~133 MB for no CPU time the noise showed (~14 collections of 10–20 ms); every 16 MB:
 * 147 MB; 32 and 64 MB hardly lower it.
 *
 * @example const onPage = fullCollectionsByDownload(); onPage(1, 120_000) // with each page's text length
 */
export function fullCollectionsByDownload(
  threshold = EVERY,
  collect: () => void = fullCollection,
): (pages: number, chars?: number) => void {
  const count = countedCollections(threshold, collect)
  return (_pages, chars = 0) => count(chars)
}

/**
 * A collection each time `threshold` bytes (or characters) of output have been written since the
 * last one. A SQL run's rows are small objects that live until their batch is written: those still
 * waiting when a scavenge comes are promoted, and die in the old generation, which V8 lets grow to
 * ~100 MB before it collects it. 1,000,000 rows to CSV (60 MB): peak RSS MariaDB 184–197 → 135–141
 * MB, PostgreSQL 140–154 → 122–127 MB every 8 MB (4 MB: 117 / 103 MB for ~5% more CPU; 16 MB:
 * 171–182 / 127–134 MB), CPU within the noise.
 *
 * @example const written = fullCollectionsByOutput(); written(chunk.length) // with each chunk written
 */
export function fullCollectionsByOutput(
  threshold = EVERY,
  collect: () => void = fullCollection,
): (written: number) => void {
  return countedCollections(threshold, collect)
}

/** Calls `collect` once `threshold` has been counted since the last call, counting again from 0. */
function countedCollections(threshold: number, collect: () => void): (amount: number) => void {
  let since = 0
  return (amount) => {
    since += amount
    if (since < threshold) return
    since = 0
    collect()
  }
}

let gc: (() => void) | undefined

/**
 * A full collection. Node gives `gc()` only with `--expose-gc` on its command line; set at run
 * time, the flag puts `gc` into contexts made after it, so it is read from a context of its own
 * and unset at once: no later context (a worker thread's, a vm's) sees it, nor does this one.
 * Converters run in processes of their own, which the flag never reaches.
 */
function fullCollection(): void {
  if (gc === undefined) {
    // Loaded here, not imported: the bundle would load them with the module, on every start.
    const v8 = process.getBuiltinModule('node:v8')
    v8.setFlagsFromString('--expose-gc')
    try {
      gc = process.getBuiltinModule('node:vm').runInNewContext('gc') as () => void
    } finally {
      v8.setFlagsFromString('--no-expose-gc')
    }
  }
  gc()
}
