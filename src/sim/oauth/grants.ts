import { createHash, randomBytes } from 'node:crypto'
import { DAY, MINUTE, type SimClock } from '../clock.js'
import { Random, hashString } from '../random.js'
import type { SimStats } from '../stats.js'

/**
 * The state of Atlassian's authorization server: codes, grants, refresh-token
 * chains and access tokens, with Atlassian's rules (docs/atlassian.md, "OAuth 2.0 (3LO)"):
 * - codes are single use, live 10 minutes and are bound to client and redirect URI;
 * - one grant per (app, user); consenting to another site adds it to the grant;
 * - rotating refresh tokens: each refresh returns a new one and supersedes the old,
 *   which stays usable for the grace period; reuse after that revokes every token
 *   of the grant;
 * - a refresh token dies after 90 days unused and 365 days after consent.
 */

export interface OAuthPolicy {
  readonly accessTtlMs: number
  readonly refreshGraceMs: number
  readonly codeTtlMs: number
  readonly inactivityMs: number
  readonly absoluteMs: number
}

export const DEFAULT_POLICY: OAuthPolicy = {
  accessTtlMs: 3600 * 1000,
  refreshGraceMs: 10 * MINUTE,
  codeTtlMs: 10 * MINUTE,
  inactivityMs: 90 * DAY,
  absoluteMs: 365 * DAY,
}

export interface Grant {
  readonly id: string
  readonly clientId: string
  readonly userIndex: number
  readonly siteIndexes: Set<number>
  readonly createdAt: number
  revokedAt: number | null
  revokedReason: string | null
}

interface AuthCode {
  readonly clientId: string
  readonly redirectUri: string
  readonly userIndex: number
  /** Sites consented to; the consent page picks one, `--auto-consent alice@*` all. */
  readonly siteIndexes: readonly number[]
  readonly scopes: ReadonlySet<string>
  readonly expiresAt: number
  used: boolean
}

/** One consent's line of refresh tokens: each refresh adds a link. */
interface Chain {
  readonly id: number
  readonly grant: Grant
  readonly scopes: ReadonlySet<string>
  readonly consentedAt: number
  current: string
}

interface RefreshRecord {
  readonly chain: Chain
  readonly issuedAt: number
  supersededAt: number | null
}

export interface AccessRecord {
  readonly grant: Grant
  readonly scopes: ReadonlySet<string>
  readonly expiresAt: number
}

export interface TokenSet {
  readonly access_token: string
  readonly token_type: 'Bearer'
  readonly expires_in: number
  readonly scope: string
  readonly refresh_token?: string
}

/** Why a token request failed, as the token endpoint answers it (RFC 6749 §5.2). */
export interface TokenFailure {
  readonly status: number
  readonly error: string
  readonly description: string
}

export type TokenOutcome =
  { readonly ok: true; readonly tokens: TokenSet } | ({ readonly ok: false } & TokenFailure)

export type AccessCheck =
  | { readonly ok: true; readonly access: AccessRecord }
  | { readonly ok: false; readonly reason: 'unknown' | 'expired' | 'revoked' }

const INVALID_REFRESH: TokenFailure = {
  status: 403,
  error: 'invalid_grant',
  description: 'Unknown or invalid refresh token.',
}
const INVALID_CODE: TokenFailure = {
  status: 403,
  error: 'invalid_grant',
  description: 'Invalid authorization code',
}

export class AuthorizationServer {
  readonly #clock: SimClock
  readonly #stats: SimStats
  readonly #policy: OAuthPolicy
  readonly #seed: number
  #random: Random
  #nonce = randomBytes(16)
  #chainIds = 0
  readonly #codes = new Map<string, AuthCode>()
  /** Live or revoked grants by id; `#grantByUser` points at each (client, user)'s latest. */
  readonly #grants = new Map<string, Grant>()
  readonly #grantByUser = new Map<string, Grant>()
  readonly #chains = new Map<number, Chain>()
  readonly #refresh = new Map<string, RefreshRecord>()
  readonly #access = new Map<string, AccessRecord>()

  constructor(clock: SimClock, stats: SimStats, policy: OAuthPolicy, seed: number) {
    this.#clock = clock
    this.#stats = stats
    this.#policy = policy
    this.#seed = seed
    this.#random = new Random(hashString(`oauth:${seed}`))
  }

  get policy(): OAuthPolicy {
    return this.#policy
  }

  /** Forgets every code, grant and token (`POST /_sim/reset`). */
  reset(): void {
    this.#codes.clear()
    this.#grants.clear()
    this.#grantByUser.clear()
    this.#chains.clear()
    this.#refresh.clear()
    this.#access.clear()
    this.#chainIds = 0
    this.#random = new Random(hashString(`oauth:${this.#seed}`))
    this.#nonce = randomBytes(16)
  }

  /** Records a consent and returns the code to send back to the app. */
  issueCode(input: Omit<AuthCode, 'expiresAt' | 'used'>): string {
    const code = this.#token('code', 24)
    this.#codes.set(code, { ...input, expiresAt: this.#clock.now() + this.#policy.codeTtlMs, used: false })
    this.#stats.codesIssued++
    return code
  }

  exchangeCode(clientId: string, code: string, redirectUri: string): TokenOutcome {
    const record = this.#codes.get(code)
    const now = this.#clock.now()
    if (!record || record.clientId !== clientId || record.used || now > record.expiresAt)
      return this.#fail(INVALID_CODE)

    if (record.redirectUri !== redirectUri) {
      return this.#fail({
        status: 403,
        error: 'invalid_grant',
        description: 'redirect_uri does not match the one used in the authorization request',
      })
    }
    record.used = true
    const grant = this.#grantFor(record.clientId, record.userIndex)
    for (const site of record.siteIndexes) grant.siteIndexes.add(site)
    this.#stats.codeExchanges++
    const chain: Chain = {
      id: ++this.#chainIds,
      grant,
      scopes: record.scopes,
      consentedAt: now,
      current: '',
    }
    this.#chains.set(chain.id, chain)
    return { ok: true, tokens: this.#issue(chain) }
  }

  refresh(clientId: string, refreshToken: string): TokenOutcome {
    const record = this.#refresh.get(refreshToken)
    const now = this.#clock.now()
    if (!record || record.chain.grant.clientId !== clientId || record.chain.grant.revokedAt !== null)
      return this.#fail(INVALID_REFRESH)

    const { chain } = record
    if (now > chain.consentedAt + this.#policy.absoluteMs) return this.#fail(INVALID_REFRESH)
    if (record.supersededAt !== null) {
      if (now > record.supersededAt + this.#policy.refreshGraceMs) {
        // A rotated token came back after its grace period: Atlassian treats it
        // as stolen and revokes the whole grant; the user must consent again.
        this.revokeGrant(chain.grant.id, 'a superseded refresh token was reused after the grace period')
        return this.#fail(INVALID_REFRESH)
      }
      this.#stats.graceRefreshes++
    } else if (now > record.issuedAt + this.#policy.inactivityMs) {
      return this.#fail(INVALID_REFRESH)
    }
    this.#stats.refreshes++
    return { ok: true, tokens: this.#issue(chain) }
  }

  /** Checks a Bearer token. */
  checkAccess(token: string): AccessCheck {
    const access = this.#access.get(token)
    if (!access) return { ok: false, reason: 'unknown' }
    if (access.grant.revokedAt !== null) return { ok: false, reason: 'revoked' }
    if (this.#clock.now() >= access.expiresAt) return { ok: false, reason: 'expired' }
    return { ok: true, access }
  }

  /** Revokes every token of a grant. Returns false when there is no such live grant. */
  revokeGrant(grantId: string, reason: string): boolean {
    const grant = this.#grants.get(grantId)
    if (!grant || grant.revokedAt !== null) return false
    grant.revokedAt = this.#clock.now()
    grant.revokedReason = reason
    this.#stats.revokedGrants++
    return true
  }

  grants(): readonly Grant[] {
    return [...this.#grants.values()]
  }

  #grantFor(clientId: string, userIndex: number): Grant {
    const key = `${clientId}\u0000${userIndex}`
    const existing = this.#grantByUser.get(key)
    // A revoked grant stays revoked; consenting again starts a new one.
    if (existing && existing.revokedAt === null) return existing
    const grant: Grant = {
      id: `grant-${this.#random.hex(6)}`,
      clientId,
      userIndex,
      siteIndexes: new Set(),
      createdAt: this.#clock.now(),
      revokedAt: null,
      revokedReason: null,
    }
    this.#grantByUser.set(key, grant)
    this.#grants.set(grant.id, grant)
    return grant
  }

  #issue(chain: Chain): TokenSet {
    const now = this.#clock.now()
    const accessToken = this.#token('at', 32)
    this.#access.set(accessToken, {
      grant: chain.grant,
      scopes: chain.scopes,
      expiresAt: now + this.#policy.accessTtlMs,
    })
    this.#stats.tokensIssued++
    this.#sweep(now)
    const tokens: TokenSet = {
      access_token: accessToken,
      token_type: 'Bearer',
      expires_in: Math.round(this.#policy.accessTtlMs / 1000),
      scope: [...chain.scopes].join(' '),
    }
    if (!chain.scopes.has('offline_access')) return tokens
    const previous = this.#refresh.get(chain.current)
    if (previous && previous.supersededAt === null) previous.supersededAt = now
    const refreshToken = this.#token('rt', 32)
    this.#refresh.set(refreshToken, { chain, issuedAt: now, supersededAt: null })
    chain.current = refreshToken
    return { ...tokens, refresh_token: refreshToken }
  }

  #fail(failure: TokenFailure): TokenOutcome {
    if (failure.error === 'invalid_grant') this.#stats.invalidGrants++
    else this.#stats.tokenErrors++
    return { ok: false, ...failure }
  }

  /**
   * Opaque tokens, unique to this process and this reset generation: a token
   * from an earlier run or before a reset must never become valid again (a
   * client that failed to save a rotated token would go unnoticed). Everything
   * else stays seeded.
   */
  #token(prefix: string, bytes: number): string {
    const unique = Buffer.concat([this.#nonce, Buffer.from(this.#random.hex(bytes), 'hex')])
    return `${prefix}-${createHash('sha256')
      .update(unique)
      .digest('base64url')
      .slice(0, Math.ceil((bytes * 4) / 3))}`
  }

  #sweeps = 0
  /**
   * Drops access tokens 30 days past expiry, so long stress runs keep a flat
   * heap; until then an expired token is still recognised (and answered with
   * the --expired-status quirk rather than as unknown).
   */
  #sweep(now: number): void {
    if (++this.#sweeps % 1024 !== 0) return
    for (const [token, access] of this.#access)
      if (access.expiresAt + 30 * DAY < now) this.#access.delete(token)
  }
}
