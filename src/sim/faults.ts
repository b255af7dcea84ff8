import { Random } from './random.js'
import { escapeHtml, gatewayError, html, type SimResponse } from './http/respond.js'

/**
 * Seeded faults: latency, 5xx answers, malformed bodies, slow bodies. Every
 * decision comes from one seeded generator, so a failing run replays with the
 * same `--seed` (given the same order of requests).
 */
export interface FaultPolicy {
  readonly latencyMs: number
  readonly latencyJitterMs: number
  /** Probability of answering 5xx instead of handling the request. */
  readonly errorRate: number
  /** Probability of a cut-off or invalid body on an otherwise good answer. */
  readonly malformedRate: number
  /** Pause between body chunks, in ms; 0 sends the body at once. */
  readonly slowBodyMs: number
}

export const NO_FAULTS: FaultPolicy = {
  latencyMs: 0,
  latencyJitterMs: 0,
  errorRate: 0,
  malformedRate: 0,
  slowBodyMs: 0,
}

/** How to damage a body: cut it short (and the connection with it), or send invalid JSON in full. */
export type Malformation = 'cut' | 'invalid'

export class FaultInjector {
  readonly policy: FaultPolicy
  readonly #random: Random

  constructor(policy: FaultPolicy, seed: number) {
    this.policy = policy
    this.#random = new Random(seed)
  }

  get active(): boolean {
    const p = this.policy
    return (
      p.latencyMs > 0 || p.latencyJitterMs > 0 || p.errorRate > 0 || p.malformedRate > 0 || p.slowBodyMs > 0
    )
  }

  latency(): number {
    const { latencyMs, latencyJitterMs } = this.policy
    if (latencyJitterMs === 0) return latencyMs
    return Math.max(0, latencyMs + (this.#random.next() * 2 - 1) * latencyJitterMs)
  }

  /** A 5xx answer to send instead of the real one, or undefined. */
  serverError(): SimResponse | undefined {
    if (this.policy.errorRate <= 0 || this.#random.next() >= this.policy.errorRate) return undefined
    switch (this.#random.int(0, 3)) {
      case 0:
        return { ...gatewayError(500, 'Internal Server Error') }
      case 1:
        // The gateway answers 502/504 with an HTML page, not JSON: clients must cope.
        return html(
          502,
          `<html><head><title>502 Bad Gateway</title></head><body><h1>${escapeHtml('502 Bad Gateway')}</h1></body></html>`,
        )
      case 2:
        // Atlassian sends some 503s with Retry-After, as for 429.
        return gatewayError(503, 'Service Unavailable', { 'retry-after': '1' })
      default:
        return html(
          504,
          '<html><head><title>504 Gateway Time-out</title></head><body><h1>504 Gateway Time-out</h1></body></html>',
        )
    }
  }

  malformation(): Malformation | undefined {
    if (this.policy.malformedRate <= 0 || this.#random.next() >= this.policy.malformedRate) return undefined
    return this.#random.chance(0.5) ? 'cut' : 'invalid'
  }
}

/**
 * Parses `--latency MS[±JITTER]` (also `MS+-JITTER`).
 *
 * @example parseLatency('50±20') // { latencyMs: 50, latencyJitterMs: 20 }
 */
export function parseLatency(text: string): { latencyMs: number; latencyJitterMs: number } {
  const match = /^(\d+(?:\.\d+)?)(?:(?:±|\+-|\+\/-)(\d+(?:\.\d+)?))?$/.exec(text.trim())
  if (!match) throw new RangeError(`--latency "${text}" must be MS or MS±JITTER, e.g. 50 or 50±20`)
  return { latencyMs: Number(match[1]), latencyJitterMs: Number(match[2] ?? 0) }
}
