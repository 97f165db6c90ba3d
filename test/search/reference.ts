/**
 * An independent statement of the search semantics for tests, written without the parser, the
 * compiler or the matcher: regular expressions over the message, per the README's definition.
 */
const TOKEN = 'A-Za-z0-9\\u0080-\\uffff'

/** ASCII-only lower case. */
export const low = (s: string) => s.replace(/[A-Z]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 32))

/** `w` (letters and digits only) is one of the message's tokens, ignoring ASCII case. */
export function word(message: string, w: string): boolean {
  return (low(message).match(new RegExp(`[${TOKEN}]+`, 'g')) ?? ([] as string[])).includes(low(w))
}

/** `text` occurs in the message ignoring ASCII case, not glued to a letter or digit on a side where it has one. */
export function phrase(message: string, text: string): boolean {
  const p = low(text)
  const isTok = (c: string | undefined) => c !== undefined && new RegExp(`[${TOKEN}]`).test(c)
  const body = p.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&')
  const re = new RegExp(`${isTok(p[0]) ? `(?<![${TOKEN}])` : ''}${body}${isTok(p[p.length - 1]) ? `(?![${TOKEN}])` : ''}`)
  return re.test(low(message))
}

/** The message's tokens, ASCII lower-cased. */
export function tokens(message: string): string[] {
  return low(message).match(new RegExp(`[${TOKEN}]+`, 'g')) ?? []
}
