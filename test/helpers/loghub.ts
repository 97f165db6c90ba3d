/**
 * Loghub-2k for pattern accuracy: the 16 systems' lines (../shared/data/loghub), their headers split
 * off as the Loghub benchmark's log_format strings do, each line's ground-truth event found by matching
 * the published templates (test/fixtures/loghub-templates/*_2k.log_templates.csv, from https://github.com/logpai/loghub)
 * against its content, and grouping accuracy as Zhu et al. define it ("Tools and Benchmarks for
 * Automated Log Parsing", ICSE-SEIP 2019): a line counts iff the set of lines in its mined group equals
 * the set of lines in its ground-truth group.
 */
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
/** Beside the clone (`../shared`), or beside the worktrees' parent when run from a worktree. */
export const LOGHUB_DIR =
  process.env.LOGHUB_DIR ??
  [join(here, '../../../shared/data/loghub'), join(here, '../../../../shared/data/loghub')].find((d) => existsSync(d)) ??
  join(here, '../../../shared/data/loghub')
const TEMPLATES_DIR = join(here, '../fixtures/loghub-templates')

/** The Loghub benchmark's log formats (benchmark/Drain_benchmark.py), the part after the header is Content. */
export const LOG_FORMATS: Record<string, string> = {
  HDFS: '<Date> <Time> <Pid> <Level> <Component>: <Content>',
  Hadoop: '<Date> <Time> <Level> \\[<Process>\\] <Component>: <Content>',
  Spark: '<Date> <Time> <Level> <Component>: <Content>',
  Zookeeper: '<Date> <Time> - <Level>  \\[<Node>:<Component>@<Id>\\] - <Content>',
  BGL: '<Label> <Timestamp> <Date> <Node> <Time> <NodeRepeat> <Type> <Component> <Level> <Content>',
  HPC: '<LogId> <Node> <Component> <State> <Time> <Flag> <Content>',
  Thunderbird: '<Label> <Timestamp> <Date> <User> <Month> <Day> <Time> <Location> <Component>(\\[<PID>\\])?: <Content>',
  Windows: '<Date> <Time>, <Level>                  <Component>    <Content>',
  Linux: '<Month> <Date> <Time> <Level> <Component>(\\[<PID>\\])?: <Content>',
  Android: '<Date> <Time>  <Pid>  <Tid> <Level> <Component>: <Content>',
  HealthApp: '<Time>\\|<Component>\\|<Pid>\\|<Content>',
  Apache: '\\[<Time>\\] \\[<Level>\\] <Content>',
  Proxifier: '\\[<Time>\\] <Program> - <Content>',
  OpenSSH: '<Date> <Day> <Time> <Component> sshd\\[<Pid>\\]: <Content>',
  OpenStack: '<Logrecord> <Date> <Time> <Pid> <Level> <Component> \\[<ADDR>\\] <Content>',
  Mac: '<Month>  <Date> <Time> <User> <Component>\\[<PID>\\]( \\(<Address>\\))?: <Content>',
}
export const SYSTEMS = Object.keys(LOG_FORMATS)

/** Drain's published per-dataset grouping accuracy (tuned per dataset), from the issue / Zhu et al. */
export const DRAIN_ACCURACY: Record<string, number> = {
  HDFS: 0.998, Hadoop: 0.948, Spark: 0.92, Zookeeper: 0.967, BGL: 0.963, HPC: 0.887, Thunderbird: 0.955,
  Windows: 0.997, Linux: 0.69, Android: 0.911, HealthApp: 0.78, Apache: 1.0, Proxifier: 0.527, OpenSSH: 0.788,
  OpenStack: 0.733, Mac: 0.787,
}

/** As the benchmark builds it: fields become lazy groups, spaces become \s+. */
function headerRegex(format: string): RegExp {
  let re = ''
  for (const part of format.split(/(<[^<>]+>)/)) {
    if (part.startsWith('<') && part.endsWith('>')) re += `(?<${part.slice(1, -1)}>.*?)`
    else re += part.replace(/ +/g, '\\s+')
  }
  return new RegExp(`^${re}$`)
}

export interface LoghubLine {
  content: string
  /** Ground-truth event id, or undefined when no template matches (reported, counted as wrong). */
  event: string | undefined
}

function parseCsv(text: string): string[][] {
  const rows: string[][] = []
  let row: string[] = []
  let field = ''
  let quoted = false
  for (let i = 0; i < text.length; i++) {
    const c = text[i]
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"'
        i++
      } else if (c === '"') quoted = false
      else field += c
    } else if (c === '"') quoted = true
    else if (c === ',') {
      row.push(field)
      field = ''
    } else if (c === '\n') {
      row.push(field)
      rows.push(row)
      row = []
      field = ''
    } else if (c !== '\r') field += c
  }
  if (field !== '' || row.length) {
    row.push(field)
    rows.push(row)
  }
  return rows
}

const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

/** The published templates of `system`, most specific (most literal characters) first. */
export function templates(system: string): { id: string; re: RegExp }[] {
  const rows = parseCsv(readFileSync(join(TEMPLATES_DIR, `${system}_2k.log_templates.csv`), 'utf8')).slice(1)
  return rows
    .filter((r) => r.length >= 2)
    .map(([id, tpl]) => {
      const t = (tpl as string).trim().replace(/<NUM>/g, '<*>')
      const literal = t.split('<*>').join('').replace(/\s+/g, '').length
      const body = t
        .split('<*>')
        .map((p) => escapeRe(p).replace(/(?:\\s|\s)+/g, '\\s*'))
        .join('.*?')
      return { id: id as string, re: new RegExp(`^\\s*${body}\\s*$`, 's'), literal }
    })
    .sort((a, b) => b.literal - a.literal)
}

/** The 2,000 lines of `system`: content and ground-truth event. */
export function loadSystem(system: string): LoghubLine[] {
  const format = LOG_FORMATS[system]
  if (!format) throw new Error(`unknown system ${system}`)
  const header = headerRegex(format)
  const tpls = templates(system)
  const text = readFileSync(join(LOGHUB_DIR, `${system}_2k.log`), 'utf8')
  const out: LoghubLine[] = []
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\r$/, '')
    if (line.trim() === '') continue
    const m = header.exec(line.trim())
    const content = (m?.groups?.Content ?? line).trim()
    const event = tpls.find((t) => t.re.test(content))?.id
    out.push({ content, event })
  }
  return out
}

/** Grouping accuracy (Zhu et al. 2019): lines whose mined group is exactly their ground-truth group. */
export function groupingAccuracy(truth: readonly (string | undefined)[], mined: readonly string[]): number {
  const byMined = new Map<string, number[]>()
  const truthSize = new Map<string, number>()
  truth.forEach((t, i) => {
    const key = t ?? `__unmatched_${i}`
    truthSize.set(key, (truthSize.get(key) ?? 0) + 1)
    const m = mined[i] as string
    let g = byMined.get(m)
    if (!g) byMined.set(m, (g = []))
    g.push(i)
  })
  let correct = 0
  for (const lines of byMined.values()) {
    const keys = new Set(lines.map((i) => truth[i] ?? `__unmatched_${i}`))
    if (keys.size !== 1) continue
    const [key] = keys
    if (truthSize.get(key as string) === lines.length) correct += lines.length
  }
  return correct / truth.length
}

/** `message` with other digits: the same length (`same`), or numbers one digit longer or shorter too. */
export function otherDigits(message: string, seed: number, same: boolean): string {
  let h = seed
  return message.replace(/\d+/g, (run) => {
    h = (Math.imul(h ^ run.length, 0x2c1b3c6d) + 0x9e3779b9) | 0
    const len = same || run.length < 2 ? run.length : run.length - 1 + ((h >>> 3) % 3)
    let out = ''
    for (let j = 0; j < len; j++) out += String((h >>> (j % 24)) & 7 ^ j % 10).slice(-1)
    return out
  })
}
