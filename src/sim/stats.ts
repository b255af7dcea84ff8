/**
 * Counters read through `GET /_sim/stats`. Tests of the token invariant assert
 * on them (zero `invalidGrants`, zero `revokedGrants`, a bounded `refreshes`),
 * so every token-endpoint outcome is counted here and nowhere else.
 */
export class SimStats {
  codesIssued = 0
  codeExchanges = 0
  refreshes = 0
  /** Refreshes that used a superseded refresh token inside the grace period. */
  graceRefreshes = 0
  tokensIssued = 0
  invalidGrants = 0
  revokedGrants = 0
  tokenErrors = 0
  rateLimited = 0
  faultsInjected = 0
  unauthorized = 0
  readonly requests = new Map<string, number>()

  /** Zeroes every counter (`POST /_sim/reset`). */
  reset(): void {
    Object.assign(this, new SimStats())
    this.requests.clear()
  }

  countRequest(endpoint: string): void {
    this.requests.set(endpoint, (this.requests.get(endpoint) ?? 0) + 1)
  }

  toJSON(): Record<string, unknown> {
    return {
      codesIssued: this.codesIssued,
      codeExchanges: this.codeExchanges,
      refreshes: this.refreshes,
      graceRefreshes: this.graceRefreshes,
      tokensIssued: this.tokensIssued,
      invalidGrants: this.invalidGrants,
      revokedGrants: this.revokedGrants,
      tokenErrors: this.tokenErrors,
      rateLimited: this.rateLimited,
      faultsInjected: this.faultsInjected,
      unauthorized: this.unauthorized,
      requests: Object.fromEntries([...this.requests].sort(([a], [b]) => a.localeCompare(b))),
    }
  }
}
