/**
 * The README's promises as units: every table row, bullet and sentence of the sections Guarantees,
 * Limits, Errors and Configuration. A unit is named by its section and its key: a table row by its
 * first cell, a bullet or sentence by its first words. test/docs/guarantees.test.ts maps each unit to
 * the tests that prove it.
 */
export const SECTIONS = ['Errors', 'Configuration', 'Guarantees', 'Limits'] as const
export type Section = (typeof SECTIONS)[number]

export interface Unit {
  section: Section
  /** `<section>: <key>`, the key the map uses. */
  id: string
  /** The README text of the unit (row, bullet or sentence). */
  text: string
  line: number
}

/** Words a sentence or bullet key keeps. */
const KEY_WORDS = 8

function plain(md: string): string {
  return md
    .replace(/\*\*/g, '')
    .replace(/`/g, '')
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/\s+/g, ' ')
    .trim()
}

function firstWords(text: string): string {
  return plain(text)
    .split(' ')
    .slice(0, KEY_WORDS)
    .join(' ')
    .replace(/[,.;:]+$/, '')
}

/** Splits a paragraph into sentences: a full stop (or a closing parenthesis after one) followed by a capital or a quote. */
export function sentences(paragraph: string): string[] {
  const out: string[] = []
  // Do not split inside inline code.
  let cur = ''
  let inCode = false
  for (let i = 0; i < paragraph.length; i++) {
    const ch = paragraph[i] as string
    cur += ch
    if (ch === '`') inCode = !inCode
    if (inCode) continue
    if (ch === '.' && /^\s+(\*\*)?[A-Z(`]/.test(paragraph.slice(i + 1))) {
      out.push(cur.trim())
      cur = ''
    }
  }
  if (cur.trim()) out.push(cur.trim())
  return out
}

function sectionOf(heading: string): Section | undefined {
  const h = heading.replace(/^##\s+/, '')
  return SECTIONS.find((s) => h === s || h.startsWith(`${s}:`) || h.startsWith(`${s} `))
}

export function readmeUnits(readme: string): Unit[] {
  const lines = readme.split('\n')
  const units: Unit[] = []
  let section: Section | undefined
  let inFence = false
  let para: { text: string; line: number } | undefined
  let bullet: { text: string; line: number } | undefined
  const seen = new Map<string, number>()
  const add = (key: string, text: string, line: number) => {
    if (!section) return
    let id = `${section}: ${key}`
    const n = (seen.get(id) ?? 0) + 1
    seen.set(id, n)
    if (n > 1) id = `${id} (${n})`
    units.push({ section, id, text: plain(text), line })
  }
  const flushPara = () => {
    // A lead-in (ending with ':') or a bold title alone is not a promise.
    if (para) for (const s of sentences(para.text)) if (!/:$/.test(s) && !/^\*\*[^*]+\*\*$/.test(s)) add(firstWords(s), s, para.line)
    para = undefined
  }
  const flushBullet = () => {
    if (bullet) add(firstWords(bullet.text), bullet.text, bullet.line)
    bullet = undefined
  }
  lines.forEach((raw, i) => {
    const line = raw.trimEnd()
    const n = i + 1
    if (/^```/.test(line)) {
      inFence = !inFence
      flushPara()
      flushBullet()
      return
    }
    if (inFence) return
    if (/^## /.test(line)) {
      flushPara()
      flushBullet()
      section = sectionOf(line)
      return
    }
    if (!section) return
    if (/^#{3,} /.test(line)) {
      flushPara()
      flushBullet()
      return
    }
    if (/^\|/.test(line)) {
      flushPara()
      flushBullet()
      const cells = line
        .split('|')
        .slice(1, -1)
        .map((c) => c.trim())
      const first = cells[0] ?? ''
      if (/^-+$/.test(first.replace(/:/g, '')) || cells.length < 2) return
      // The header row: the first row of a table.
      const prev = lines[i - 1] ?? ''
      if (!/^\|/.test(prev)) return
      add(plain(first), line, n)
      return
    }
    if (/^- /.test(line)) {
      flushPara()
      flushBullet()
      bullet = { text: line.slice(2), line: n }
      return
    }
    if (/^\s+\S/.test(line) && bullet) {
      bullet.text += ' ' + line.trim()
      return
    }
    if (line.trim() === '') {
      flushPara()
      flushBullet()
      return
    }
    flushBullet()
    if (para) para.text += ' ' + line.trim()
    else para = { text: line.trim(), line: n }
  })
  flushPara()
  flushBullet()
  return units
}
