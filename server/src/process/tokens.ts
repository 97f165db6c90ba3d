/**
 * Insert tokens the engine burnt. ClickHouse's non-replicated MergeTree writes a block's dedup id to
 * its deduplication log before it renames the new part into place, and does not take the id back when
 * that commit fails (a read-only or full disk, EIO, an unwritable table directory: chdb 3.4.0 and
 * ClickHouse master alike). The failed insert stored nothing, yet a retry under the same token is then
 * "a duplicate": it resolves, stores nothing, the batch is acked and its entries are lost (the fault
 * test store-failure lost a whole batch so, when `chattr +i` fell between a part's write and its rename).
 *
 * So an insert the engine refused is retried under a fresh alias of its token, remembered for as long
 * as this process lives: every later insert under that token (a retry, a redelivery re-formed by
 * recovery) uses the alias, so a second copy is still dropped. Only an engine error counts (it
 * answered: nothing was committed); after a network error or a timeout the insert may have landed, and
 * the same token is kept. process/ keeps deriving tokens (parts, halves) from the logical token only.
 *
 * Not covered: a process that dies between a refused commit and its retry's landing; the redelivery
 * goes in under the recorded token, which the engine drops (the alias was in memory). And an insert
 * spanning several day partitions whose commit failed after some days were committed stores those
 * days again under the alias (a duplicate rather than a loss).
 */
import { createHash, randomUUID } from 'node:crypto'
import type { Logger } from 'pino'
import type { Entry } from '../model/index.js'
import type { EncodedRows, NewDeadLetter } from '../store/index.js'
import type { IsolationSink } from './deadletter.js'
import { engineCode } from '../store/index.js'

/** Aliases kept (oldest forgotten first); each is one refused insert, so this is ample. */
const MAX_ALIASES = 100_000
/** UNKNOWN_STATUS_OF_INSERT: the engine itself does not know whether the insert landed. */
const UNKNOWN_STATUS = 319

export class TokenGuard implements IsolationSink {
  private readonly aliases = new Map<string, string>()

  constructor(
    private readonly sink: IsolationSink,
    private readonly log?: Logger,
  ) {}

  insert(entries: Entry[], token: string, rows?: EncodedRows): Promise<void> {
    return this.guarded(token, (t) => this.sink.insert(entries, t, rows))
  }

  deadLetter(letters: NewDeadLetter[], token: string): Promise<void> {
    return this.guarded(token, (t) => this.sink.deadLetter(letters, t))
  }

  /** The token the engine gets for `token` now. */
  physical(token: string): string {
    return this.aliases.get(token) ?? token
  }

  private async guarded(token: string, write: (physical: string) => Promise<void>): Promise<void> {
    const physical = this.physical(token)
    try {
      await write(physical)
    } catch (err) {
      const code = engineCode(err)
      if (code !== undefined && code !== UNKNOWN_STATUS) {
        const alias = createHash('sha256').update(`${token}#${randomUUID()}`).digest('hex').slice(0, 32)
        this.aliases.delete(token)
        this.aliases.set(token, alias)
        if (this.aliases.size > MAX_ALIASES) this.aliases.delete(this.aliases.keys().next().value as string)
        this.log?.info({ token, refused: physical, alias, code }, 'insert refused by the engine; its retry goes under a fresh token')
      }
      throw err
    }
  }
}
