import { describe, expect, it } from 'vitest'
import { NO_FAULTS } from '../../src/sim/faults.js'
import { connect, jira, startTestSim, stats } from '../helpers/sim.js'

describe('rate limits', () => {
  it('answer 429 with Retry-After and Jira’s rate-limit headers once the burst is spent', async () => {
    const sim = await startTestSim({ rateLimit: { rate: 1, burst: 3, retryAfterZero: false } })
    try {
      const { access_token } = await connect(sim)
      const statuses: number[] = []
      let limited: Response | undefined
      for (let i = 0; i < 4; i++) {
        const response = await jira(sim, access_token, 'myself')
        statuses.push(response.status)
        if (response.status === 429) limited = response
      }
      expect(statuses).toEqual([200, 200, 200, 429])
      expect(Number(limited?.headers.get('retry-after'))).toBeGreaterThanOrEqual(1)
      expect(limited?.headers.get('x-ratelimit-limit')).toBe('3')
      expect(limited?.headers.get('x-ratelimit-remaining')).toBe('0')
      expect(Date.parse(limited?.headers.get('x-ratelimit-reset') ?? '')).not.toBeNaN()
      expect(limited?.headers.get('ratelimit-reason')).toBe('jira-burst-based')
      expect((await stats(sim)).rateLimited).toBe(1)
    } finally {
      await sim.close()
    }
  })

  it('can send Retry-After: 0, which clients must still treat as a wait', async () => {
    const sim = await startTestSim({ rateLimit: { rate: 1, burst: 1, retryAfterZero: true } })
    try {
      const { access_token } = await connect(sim)
      await jira(sim, access_token, 'myself')
      const limited = await jira(sim, access_token, 'myself')
      expect(limited.status).toBe(429)
      expect(limited.headers.get('retry-after')).toBe('0')
    } finally {
      await sim.close()
    }
  })

  it('count per access token', async () => {
    const sim = await startTestSim({ rateLimit: { rate: 1, burst: 1, retryAfterZero: false } })
    try {
      const a = (await connect(sim)).access_token
      const b = (await connect(sim)).access_token
      expect((await jira(sim, a, 'myself')).status).toBe(200)
      expect((await jira(sim, b, 'myself')).status).toBe(200)
      expect((await jira(sim, a, 'myself')).status).toBe(429)
    } finally {
      await sim.close()
    }
  })
})

describe('faults', () => {
  async function statuses(seed: number): Promise<number[]> {
    const sim = await startTestSim({
      seed,
      faults: { ...NO_FAULTS, errorRate: 0.3 },
    })
    try {
      const { access_token } = await connect(sim)
      const seen: number[] = []
      for (let i = 0; i < 30; i++) seen.push((await jira(sim, access_token, 'myself')).status)
      return seen
    } finally {
      await sim.close()
    }
  }

  it('inject 5xx answers at --error-rate, the same ones for the same seed', async () => {
    const first = await statuses(7)
    expect(first.filter((s) => s >= 500).length).toBeGreaterThan(0)
    expect(first.filter((s) => s === 200).length).toBeGreaterThan(0)
    expect(await statuses(7)).toEqual(first)
  })

  it('send cut-off or invalid bodies at --malformed-rate', async () => {
    const sim = await startTestSim({
      faults: { ...NO_FAULTS, malformedRate: 1 },
    })
    try {
      const { access_token } = await connect(sim)
      let broken = 0
      for (let i = 0; i < 6; i++) {
        try {
          JSON.parse(await (await jira(sim, access_token, 'myself')).text())
        } catch {
          broken++
        }
      }
      expect(broken).toBe(6)
    } finally {
      await sim.close()
    }
  })

  it('deliver a complete body slowly with --slow-body', async () => {
    const sim = await startTestSim({
      faults: { ...NO_FAULTS, slowBodyMs: 5 },
    })
    try {
      const { access_token } = await connect(sim)
      const body = await (await jira(sim, access_token, 'myself')).json()
      expect(body).toMatchObject({ emailAddress: 'alice@example.com' })
    } finally {
      await sim.close()
    }
  })

  it('reach the token endpoint with --token-faults', async () => {
    const sim = await startTestSim({ faults: { ...NO_FAULTS, errorRate: 1 }, tokenFaults: true })
    try {
      const response = await fetch(`${sim.url}/oauth/token`, { method: 'POST', body: '{}' })
      expect(response.status).toBeGreaterThanOrEqual(500)
    } finally {
      await sim.close()
    }
  })

  it('leave the token endpoint alone unless --token-faults', async () => {
    const sim = await startTestSim({
      faults: { ...NO_FAULTS, errorRate: 1 },
    })
    try {
      const { access_token } = await connect(sim)
      expect((await jira(sim, access_token, 'myself')).status).toBeGreaterThanOrEqual(500)
    } finally {
      await sim.close()
    }
  })
})
