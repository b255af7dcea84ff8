/**
 * The first-run setup links (issue 19: two servers starting on an empty store each print one): every
 * link works until one creates the first admin; then all are spent, and of two racing setups with two
 * different links only one succeeds.
 */
import { describe, expect, test } from 'vitest'
import { DIALECTS, useStoreTarget } from './harness.js'

for (const dialect of DIALECTS) {
  describe(`setup tokens (${dialect})`, () => {
    const target = useStoreTarget(dialect)

    test("a second server's token does not replace the first's", async () => {
      const one = await target().open()
      const other = await target().open()
      await one.accounts.setSetupToken('first-token')
      await other.accounts.setSetupToken('second-token')
      expect(await other.accounts.takeSetupToken('first-token')).toBe(true)
    })

    test('taking one token spends every other', async () => {
      const store = await target().open()
      await store.accounts.setSetupToken('first-token')
      await store.accounts.setSetupToken('second-token')
      expect(await store.accounts.takeSetupToken('second-token')).toBe(true)
      expect(await store.accounts.takeSetupToken('first-token')).toBe(false)
      expect(await store.accounts.takeSetupToken('second-token')).toBe(false)
    })

    test('a wrong token takes nothing', async () => {
      const store = await target().open()
      await store.accounts.setSetupToken('first-token')
      expect(await store.accounts.takeSetupToken('guessed')).toBe(false)
      expect(await store.accounts.takeSetupToken('first-token')).toBe(true)
    })

    test('of two setups racing with different tokens, one wins', async () => {
      const one = await target().open()
      const other = await target().open()
      await one.accounts.setSetupToken('first-token')
      await other.accounts.setSetupToken('second-token')
      const taken = await Promise.all([
        one.accounts.takeSetupToken('first-token'),
        other.accounts.takeSetupToken('second-token'),
      ])
      expect(taken.filter(Boolean)).toHaveLength(1)
    })
  })
}
