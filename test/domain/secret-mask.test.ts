import { describe, expect, it } from 'vitest'
import { MIN_MASKED_SECRET_LENGTH, SECRET_MASK, maskSecrets } from '../../src/domain/secret-mask.js'

describe('maskSecrets', () => {
  it('replaces every occurrence of each secret with the one mask', () => {
    expect(maskSecrets('key s3cret given, s3cret refused', ['s3cret'])).toBe(
      `key ${SECRET_MASK} given, ${SECRET_MASK} refused`,
    )
  })

  it('masks secrets from the minimum length on, and leaves shorter ones (ordinary words) alone', () => {
    expect(MIN_MASKED_SECRET_LENGTH).toBe(4)
    expect(maskSecrets('login pass4 for abc failed', ['pass4', 'abc', undefined])).toBe(
      `login ${SECRET_MASK} for abc failed`,
    )
  })
})
