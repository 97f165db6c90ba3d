/**
 * A streaming reader of the journal export format, what `systemd-journal-upload` sends
 * (https://systemd.io/JOURNAL_EXPORT_FORMATS/): entries separated by an empty line; a field is
 * `NAME=value\n`, or, when the value is binary or has a newline, `NAME\n` + a 64-bit little-endian
 * length + the bytes + `\n`.
 *
 * The body of one upload may be unbounded (`systemd-journal-upload --follow` keeps it open), so the
 * reader is pushed chunks as they come and keeps only what an entry needs: a field's value is kept
 * up to `maxValueBytes` (the rest is skipped and the field marked `truncated`), an entry up to
 * `maxEntryBytes` and `maxFields` fields (more are dropped and counted).
 */
import { EntryError } from '../../model/index.js'

export interface JournalField {
  name: string
  value: Buffer
  /** The value was longer than `maxValueBytes`: `value` is its beginning. */
  truncated: boolean
}

export interface JournalEntry {
  fields: JournalField[]
  /** Fields not kept because of `maxFields` or `maxEntryBytes`. */
  dropped: number
}

export interface ExportLimits {
  maxValueBytes: number
  maxFields: number
  maxEntryBytes: number
}

/** journald's rule for field names (sd-journal `journal_field_valid`), address fields (`__CURSOR`) included. */
const NAME = /^[A-Z0-9_]{1,64}$/
const MAX_NAME_BYTES = 64
const EMPTY = Buffer.alloc(0)

type State =
  | { kind: 'line' }
  /** Over a text field longer than the limit: discard up to the newline. */
  | { kind: 'skipLine' }
  | { kind: 'binLength'; name: string }
  | { kind: 'binData'; name: string; remaining: bigint; kept: Buffer[]; keptBytes: number; truncated: boolean }
  | { kind: 'binEnd'; field: JournalField }

export class ExportReader {
  private buf = EMPTY
  private state: State = { kind: 'line' }
  private entry: JournalEntry = { fields: [], dropped: 0 }
  private entryBytes = 0
  /** Bytes read so far, for error messages. */
  private offset = 0

  constructor(private readonly limits: ExportLimits) {}

  /** Reads `chunk`, calling `onEntry` for each entry it completes. Throws EntryError('malformed_request') on a body that is not the format. */
  push(chunk: Buffer, onEntry: (e: JournalEntry) => void): void {
    let buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk])
    for (;;) {
      const s = this.state
      if (s.kind === 'line' || s.kind === 'skipLine') {
        const nl = buf.indexOf(10)
        if (nl < 0) {
          if (s.kind === 'skipLine') {
            this.advance(buf.length)
            buf = EMPTY
          } else if (buf.length > MAX_NAME_BYTES + 1 + this.limits.maxValueBytes) {
            // A text field longer than the limit: keep its beginning, skip to its newline.
            const eq = buf.indexOf(61)
            if (eq < 0 || eq > MAX_NAME_BYTES) this.fail('a field name is longer than 64 bytes or the line is not NAME=value')
            this.addField(this.name(buf.subarray(0, eq)), Buffer.from(buf.subarray(eq + 1, eq + 1 + this.limits.maxValueBytes)), true)
            this.advance(buf.length)
            buf = EMPTY
            this.state = { kind: 'skipLine' }
          }
          break
        }
        const line = buf.subarray(0, nl)
        buf = buf.subarray(nl + 1)
        this.advance(nl + 1)
        if (s.kind === 'skipLine') {
          this.state = { kind: 'line' }
          continue
        }
        if (line.length === 0) {
          this.finishEntry(onEntry)
          continue
        }
        const eq = line.indexOf(61)
        if (eq >= 0) {
          const value = line.subarray(eq + 1)
          const truncated = value.length > this.limits.maxValueBytes
          // Copied: the chunk must not stay alive for the sake of one field.
          this.addField(
            this.name(line.subarray(0, eq)),
            Buffer.from(truncated ? value.subarray(0, this.limits.maxValueBytes) : value),
            truncated,
          )
        } else {
          this.state = { kind: 'binLength', name: this.name(line) }
        }
      } else if (s.kind === 'binLength') {
        if (buf.length < 8) break
        const remaining = buf.readBigUInt64LE(0)
        buf = buf.subarray(8)
        this.advance(8)
        this.state = { kind: 'binData', name: s.name, remaining, kept: [], keptBytes: 0, truncated: false }
      } else if (s.kind === 'binData') {
        if (s.remaining > 0n && buf.length === 0) break
        const take = s.remaining < BigInt(buf.length) ? Number(s.remaining) : buf.length
        const room = this.limits.maxValueBytes - s.keptBytes
        if (room > 0) {
          const part = buf.subarray(0, Math.min(take, room))
          s.kept.push(Buffer.from(part))
          s.keptBytes += part.length
        }
        if (take > room) s.truncated = true
        s.remaining -= BigInt(take)
        buf = buf.subarray(take)
        this.advance(take)
        if (s.remaining === 0n)
          this.state = { kind: 'binEnd', field: { name: s.name, value: Buffer.concat(s.kept, s.keptBytes), truncated: s.truncated } }
      } else {
        if (buf.length < 1) break
        if (buf[0] !== 10) this.fail(`binary field ${s.field.name} does not end with a newline`)
        buf = buf.subarray(1)
        this.advance(1)
        this.addField(s.field.name, s.field.value, s.field.truncated)
        this.state = { kind: 'line' }
      }
    }
    // What is left is part of a line (at most the limit) or of a length: copied so the chunk can go.
    this.buf = buf.length === 0 ? EMPTY : Buffer.from(buf)
  }

  /** The body ended: the last entry may lack its empty line. Throws when the body stopped inside a field. */
  end(onEntry: (e: JournalEntry) => void): void {
    if (this.state.kind !== 'line' || this.buf.length > 0) {
      if (this.state.kind === 'skipLine') this.state = { kind: 'line' }
      else if (this.state.kind === 'line' && this.buf.length > 0) this.push(Buffer.from('\n'), onEntry)
      else this.fail('the body ends inside a binary field')
    }
    this.finishEntry(onEntry)
  }

  private finishEntry(onEntry: (e: JournalEntry) => void): void {
    if (this.entry.fields.length > 0 || this.entry.dropped > 0) onEntry(this.entry)
    this.entry = { fields: [], dropped: 0 }
    this.entryBytes = 0
  }

  private addField(name: string, value: Buffer, truncated: boolean): void {
    const bytes = name.length + value.length
    if (this.entry.fields.length >= this.limits.maxFields || this.entryBytes + bytes > this.limits.maxEntryBytes) {
      this.entry.dropped++
      return
    }
    this.entryBytes += bytes
    this.entry.fields.push({ name, value, truncated })
  }

  private name(raw: Buffer): string {
    const name = raw.toString('latin1')
    if (!NAME.test(name)) this.fail(`'${name.slice(0, 64)}' is not a journal field name (A-Z, 0-9 and _, at most 64)`)
    return name
  }

  private advance(n: number): void {
    this.offset += n
  }

  private fail(why: string): never {
    throw new EntryError('malformed_request', `not the journal export format near byte ${this.offset}: ${why}`)
  }
}
