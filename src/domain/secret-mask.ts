/**
 * How a secret looks wherever Quarry shows one: in `datasource show`, the API's datasource replies, the
 * admin UI's inputs (sending it back keeps the stored value) and error messages that echoed it.
 */
export const SECRET_MASK = '••••••'

/**
 * Secrets shorter than this are not masked in free text: they would mask ordinary words ("Basic", "id").
 * Auth scheme words are not secrets, so callers pass the credential after the scheme, not the scheme.
 */
export const MIN_MASKED_SECRET_LENGTH = 4

/**
 * The text with every secret (of at least MIN_MASKED_SECRET_LENGTH characters) replaced by SECRET_MASK:
 * an upstream API or a database driver that echoes a key, a token or a password must not put it on the
 * user's screen.
 *
 * @example maskSecrets('bad key s3cret-key', ['s3cret-key']) // 'bad key ••••••'
 */
export function maskSecrets(text: string, secrets: Iterable<string | undefined>): string {
  let masked = text
  for (const secret of secrets) {
    if (secret !== undefined && secret.length >= MIN_MASKED_SECRET_LENGTH)
      masked = masked.replaceAll(secret, SECRET_MASK)
  }
  return masked
}
