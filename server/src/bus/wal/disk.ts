/**
 * Free space on the data directory, checked every second: under MIN_FREE_DISK ingest is refused
 * (503) before the engine can run out of room mid-part, and taken again when space returns.
 */
import { statfs } from 'node:fs/promises'
import type { Logger } from 'pino'

export class DiskGuard {
  /** Why ingest is refused now, or undefined when there is room. */
  low: string | undefined
  private timer: NodeJS.Timeout | undefined

  constructor(
    private readonly dir: string,
    private readonly minFreeBytes: number,
    private readonly log: Logger,
  ) {}

  async start(everyMs: number): Promise<void> {
    await this.check()
    this.timer = setInterval(() => void this.check(), everyMs).unref()
  }

  async check(): Promise<void> {
    try {
      const s = await statfs(this.dir)
      const free = s.bavail * s.bsize
      const was = this.low
      this.low =
        free < this.minFreeBytes
          ? `free space on DATA_DIR is ${mib(free)} MiB, under MIN_FREE_DISK (${mib(this.minFreeBytes)} MiB)`
          : undefined
      if (this.low && !was)
        this.log.error({ free, min: this.minFreeBytes }, 'write-ahead log: disk nearly full; ingest answers 503 until space returns')
      if (!this.low && was) this.log.info({ free }, 'write-ahead log: disk space back; ingest resumes')
    } catch (err) {
      this.log.warn({ err: String(err) }, 'write-ahead log: free space unknown')
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer)
  }
}

function mib(n: number): number {
  return Math.round(n / 1024 / 1024)
}
