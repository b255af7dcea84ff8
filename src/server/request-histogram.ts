import { Histogram, type HistogramConfiguration } from 'prom-client'

type Label = 'method' | 'route'

/** One label set's observations: a count per bucket (not cumulative), their sum and number. */
interface Series {
  readonly labels: Readonly<Record<Label, string>>
  readonly counts: number[]
  sum: number
  count: number
}

/** A line of a scrape as prom-client's registry writes it (`metricName{labels,sharedLabels} value`). */
interface ScrapeValue {
  readonly metricName: string
  readonly value: number
  readonly labels: Record<string, string | number>
  readonly sharedLabels?: Readonly<Record<string, string>>
  readonly exemplar?: null
}

function refuse(): never {
  throw new TypeError(
    'RequestHistogram keeps its counts by hand: observe with observeAnswer(method, route, seconds)',
  )
}

/**
 * The duration histogram of HTTP answers, kept by hand. prom-client's `observe` checks the label
 * names, hashes the label set and walks the buckets at every call: on a cached view that was the
 * largest of Quarry's own costs (~1 µs of ~16 µs of server CPU a request, bench/RESULTS.md "Server:
 * views"). Here an answer is one Map lookup and one bucket increment; a scrape writes the counts out
 * exactly as prom-client's own Histogram would (test/server/request-histogram.test.ts holds the two
 * to the same text for the same observations).
 * Labels are the route's pattern and method, a fixed set: the map stays as small as the routes.
 */
export class RequestHistogram extends Histogram<Label> {
  readonly #bounds: readonly number[]
  readonly #series = new Map<string, Series>()
  readonly #about: { readonly name: string; readonly help: string; readonly aggregator: string }

  constructor(configuration: HistogramConfiguration<Label> & { readonly buckets: readonly number[] }) {
    if (configuration.collect !== undefined) throw new TypeError(`${configuration.name}: no collect here`)
    super(configuration)
    // In the order given, as prom-client writes them (and finds an answer's bucket: the first that holds it).
    this.#bounds = [...configuration.buckets]
    const { name, help, aggregator = 'sum' } = configuration
    this.#about = { name, help, aggregator }
    // prom-client's own ways in would fill a table this class never writes out: each refuses.
    this.observe = this.startTimer = refuse
  }

  /** prom-client's per-label-set writers: refused, like its observe (observeAnswer is the way in). */
  override labels(..._labels: unknown[]): never {
    return refuse()
  }

  override zero(..._labels: unknown[]): never {
    return refuse()
  }

  override remove(..._labels: unknown[]): never {
    return refuse()
  }

  /** One answer's duration, by its method and route pattern. */
  observeAnswer(method: string, route: string, seconds: number): void {
    if (!Number.isFinite(seconds)) throw new TypeError(`Value is not a valid number: ${seconds}`)
    const key = `${method} ${route}`
    let series = this.#series.get(key)
    if (series === undefined) {
      series = { labels: { method, route }, counts: this.#bounds.map(() => 0), sum: 0, count: 0 }
      this.#series.set(key, series)
    }
    const bounds = this.#bounds
    for (let at = 0; at < bounds.length; at++) {
      if (seconds <= (bounds[at] as number)) {
        series.counts[at] = (series.counts[at] as number) + 1
        break
      }
    }
    series.sum += seconds
    series.count++
  }

  /** What prom-client's registry reads to write a scrape (the label set as shared labels, `le` its own). */
  async getForPromString() {
    const values: ScrapeValue[] = []
    for (const { labels, counts, sum, count } of this.#series.values()) {
      let below = 0
      this.#bounds.forEach((bound, at) => {
        below += counts[at] as number
        values.push(this.#line('bucket', { le: bound }, below, labels, null))
      })
      values.push(this.#line('bucket', { le: '+Inf' }, count, labels, null))
      values.push(this.#line('sum', {}, sum, labels))
      values.push(this.#line('count', {}, count, labels))
    }
    const { name, help, aggregator } = this.#about
    return { name, help, type: 'histogram', values, aggregator }
  }

  /** The same for JSON (`registry.getMetricsAsJSON()`): each line's labels in one object. */
  override async get() {
    const data = await this.getForPromString()
    const values = data.values.map(({ sharedLabels, labels, ...line }) => ({
      ...line,
      labels: { ...labels, ...sharedLabels },
    }))
    return { ...data, values } as unknown as Awaited<ReturnType<Histogram<Label>['get']>>
  }

  override reset(): void {
    super.reset()
    // prom-client's constructor resets too, before this class's fields exist.
    if (#series in this) this.#series.clear()
  }

  #line(
    suffix: 'bucket' | 'sum' | 'count',
    labels: Record<string, string | number>,
    value: number,
    sharedLabels: Readonly<Record<string, string>>,
    exemplar?: null,
  ): ScrapeValue {
    return {
      labels,
      sharedLabels,
      value,
      metricName: `${this.#about.name}_${suffix}`,
      ...(exemplar === undefined ? {} : { exemplar }),
    }
  }
}
