/**
 * A comma-separated list as typed into one input.
 *
 * @example splitList('a, b ,,c') // ['a', 'b', 'c']
 */
export function splitList(text: string): string[] {
  return text
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean)
}
