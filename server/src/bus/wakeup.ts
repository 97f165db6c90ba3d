/**
 * The wait of a work queue's `fetch`: it ends after a timeout, or at once when the transport has news
 * (new work, a force flush, a stop). One mechanism for every transport.
 */
export class Wakeup {
  private waiters: (() => void)[] = []
  /** Wake-ups so far: a caller that read before waiting can tell whether one came in between. */
  count = 0

  /** Resolves after `ms`, or at the next `wake`, whichever is first. */
  wait(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer)
        resolve()
      }
      const timer = setTimeout(done, ms)
      this.waiters.push(done)
    })
  }

  wake(): void {
    this.count++
    const w = this.waiters
    this.waiters = []
    w.forEach((f) => f())
  }
}
