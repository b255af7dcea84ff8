import { connect as tcp } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunningSimulator } from '../../src/sim/server.js'
import { Random } from '../../src/sim/random.js'
import { connect, startTestSim } from '../helpers/sim.js'

let sim: RunningSimulator
let token: string
beforeAll(async () => {
  sim = await startTestSim()
  token = (await connect(sim)).access_token
})
afterAll(async () => {
  await sim.close()
})

/** Sends raw bytes and returns whatever comes back before the socket closes. */
function raw(bytes: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = tcp(sim.port, '127.0.0.1')
    let answer = ''
    socket.setTimeout(2000, () => socket.destroy())
    socket.on('data', (chunk) => {
      answer += chunk.toString()
      if (answer.includes('\r\n\r\n')) socket.end()
    })
    socket.on('close', () => resolve(answer))
    socket.on('error', () => resolve(answer))
    socket.write(bytes)
  })
}

async function stillAlive(): Promise<void> {
  expect((await fetch(`${sim.url}/_sim/stats`)).status).toBe(200)
}

describe('the simulator under malformed requests', () => {
  it('answers garbage on the socket with 400 and keeps serving', async () => {
    expect(await raw('\u0000\u0001 not http at all\r\n\r\n')).toMatch(/^HTTP\/1\.1 400/)
    await stillAlive()
  })

  it('answers odd paths with an Atlassian-shaped error', async () => {
    const cloudId = sim.context.world.sites[0]?.cloudId ?? ''
    for (const path of [
      '/%',
      '//ex/jira',
      '/ex/jira/',
      '/ex/jira/x/rest/api/9/myself',
      '/oauth/token/%zz',
      `/ex/jira/${cloudId}/rest/api/3/issue/%E0%A4%A`,
      '/_sim/advance?seconds=1e300',
    ]) {
      const answer = await raw(`GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`)
      expect(answer).toMatch(/^HTTP\/1\.1 (400|401|404|405)/)
    }
    await stillAlive()
  })

  it('answers undecodable Basic client credentials with invalid client, not a crash', async () => {
    const response = await fetch(`${sim.url}/oauth/token`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from('a%zz:b').toString('base64')}`,
        'content-type': 'application/json',
      },
      body: '{"grant_type":"refresh_token","refresh_token":"x"}',
    })
    expect(response.status).toBe(401)
    await stillAlive()
  })

  it('refuses a body larger than its limit with 413', async () => {
    const response = await fetch(`${sim.url}/oauth/token`, {
      method: 'POST',
      body: 'x'.repeat(2 * 1024 * 1024),
    })
    expect(response.status).toBe(413)
    await stillAlive()
  })

  it('survives seeded random requests against every endpoint', async () => {
    const random = new Random(99)
    const cloudId = sim.context.world.sites[0]?.cloudId ?? ''
    const paths = [
      '/authorize',
      '/authorize/consent',
      '/oauth/token',
      '/oauth/token/accessible-resources',
      '/me',
      `/ex/jira/${cloudId}/rest/api/3/search/jql`,
      `/ex/jira/${cloudId}/rest/api/2/search/approximate-count`,
      `/ex/jira/${cloudId}/rest/api/3/issue/DEMO-1`,
      `/ex/jira/${cloudId}/rest/api/3/issue/%E0%A4%A`,
      `/ex/jira/${cloudId}/rest/api/3/project/search`,
      '/_sim/advance',
    ]
    const junk = [
      '',
      '{',
      '[]',
      'null',
      '{"jql":5}',
      '{"fields":"x"}',
      'a=b&c',
      '{"maxResults":-1}',
      '\u0000\uffff',
    ]
    const queries = [
      '',
      '?jql=',
      '?jql=((',
      '?maxResults=abc',
      '?fields=*all&expand=x',
      '?nextPageToken=zzz',
      '?seconds=-5',
    ]
    for (let i = 0; i < 300; i++) {
      const method = random.pick(['GET', 'POST', 'PUT', 'DELETE'])
      const response = await fetch(`${sim.url}${random.pick(paths)}${random.pick(queries)}`, {
        method,
        headers: {
          authorization: random.chance(0.5) ? `Bearer ${token}` : random.pick(['Bearer', 'Basic !!', 'x']),
          'content-type': random.pick([
            'application/json',
            'application/x-www-form-urlencoded',
            'text/plain',
          ]),
        },
        ...(method === 'GET' ? {} : { body: random.pick(junk) }),
        redirect: 'manual',
      })
      expect(response.status, `${method} ${response.url}`).toBeLessThan(500)
      await response.arrayBuffer()
    }
    await stillAlive()
  })
})
