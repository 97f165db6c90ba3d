/**
 * Syslog over TCP framing (RFC 6587), detected per message: octet counting (`MSG-LEN SP MSG`,
 * RFC 5425 style, what `logger --octet-count` and rsyslog's `TCP_Framing="octet-counted"` send) when
 * a frame starts with a non-zero digit followed by digits and a space; otherwise non-transparent
 * framing, one message per line (LF, a trailing CR is dropped by the parser).
 *
 * Frames larger than the limit are skipped (counted, the connection goes on): an octet-counted
 * one by its announced length, a line up to its LF. Memory per connection stays under the limit.
 */

export type Frame = { ok: true; data: Buffer } | { ok: false; reason: 'frame_too_large' | 'malformed_frame'; error: string }

/** 64 KiB: RFC 5425 asks receivers for at least 2 KiB, rsyslog's default maximum is 8 KiB. */
export const DEFAULT_MAX_FRAME_BYTES = 64 * 1024
const MAX_LEN_DIGITS = 10
const EMPTY = Buffer.alloc(0)

export class FrameDecoder {
  private buf: Buffer = EMPTY
  /** Bytes of an oversized octet-counted frame still to discard. */
  private skip = 0
  /** Discarding an oversized line up to its LF. */
  private discardingLine = false

  constructor(readonly maxFrameBytes = DEFAULT_MAX_FRAME_BYTES) {}

  /** Feeds received bytes; returns the frames they complete. */
  push(chunk: Buffer): Frame[] {
    const out: Frame[] = []
    if (this.skip > 0) {
      const n = Math.min(this.skip, chunk.length)
      this.skip -= n
      chunk = chunk.subarray(n)
      if (chunk.length === 0) return out
    }
    const buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk])
    let pos = 0
    while (pos < buf.length) {
      if (this.discardingLine) {
        const lf = buf.indexOf(10, pos)
        if (lf === -1) {
          pos = buf.length
          break
        }
        this.discardingLine = false
        pos = lf + 1
        continue
      }
      const c = buf[pos] as number
      if (c === 10 || c === 13 || c === 0 || c === 32) {
        pos++ // stray separators between frames
        continue
      }
      if (c >= 0x31 && c <= 0x39) {
        let j = pos + 1
        while (j < buf.length && j - pos <= MAX_LEN_DIGITS && (buf[j] as number) >= 0x30 && (buf[j] as number) <= 0x39) j++
        if (j === buf.length && j - pos <= MAX_LEN_DIGITS) break // the length is not complete yet
        if (buf[j] === 32 && j - pos <= MAX_LEN_DIGITS) {
          const len = Number(buf.toString('latin1', pos, j))
          const start = j + 1
          if (len > this.maxFrameBytes) {
            out.push({
              ok: false,
              reason: 'frame_too_large',
              error: `octet-counted frame of ${len} bytes is over the limit of ${this.maxFrameBytes}`,
            })
            const avail = buf.length - start
            if (avail >= len) {
              pos = start + len
              continue
            }
            this.skip = len - avail
            pos = buf.length
            break
          }
          if (buf.length - start < len) break // wait for the rest of the frame
          out.push({ ok: true, data: buf.subarray(start, start + len) })
          pos = start + len
          continue
        }
        // digits not followed by a space: a line that starts with a number
      }
      const lf = buf.indexOf(10, pos)
      if (lf === -1) {
        if (buf.length - pos > this.maxFrameBytes) {
          out.push({ ok: false, reason: 'frame_too_large', error: `line is longer than the limit of ${this.maxFrameBytes} bytes` })
          this.discardingLine = true
          pos = buf.length
        }
        break
      }
      if (lf - pos > this.maxFrameBytes) {
        out.push({
          ok: false,
          reason: 'frame_too_large',
          error: `line of ${lf - pos} bytes is longer than the limit of ${this.maxFrameBytes}`,
        })
      } else out.push({ ok: true, data: buf.subarray(pos, lf) })
      pos = lf + 1
    }
    // Keep only the unfinished tail, copied so the frames handed out do not pin a large chunk.
    this.buf = pos >= buf.length ? EMPTY : Buffer.from(buf.subarray(pos))
    return out
  }

  /** The connection ended: a last line without LF is a frame; a cut octet-counted frame is not. */
  end(): Frame[] {
    const rest = this.buf
    this.buf = EMPTY
    if (rest.length === 0 || this.discardingLine) return []
    if (this.skip > 0) return []
    const m = /^[1-9]\d{0,9} /.exec(rest.toString('latin1', 0, Math.min(rest.length, 12)))
    if (m) return [{ ok: false, reason: 'malformed_frame', error: 'the connection closed inside an octet-counted frame' }]
    return [{ ok: true, data: rest }]
  }
}
