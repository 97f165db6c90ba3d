/**
 * A test-only fault point (issue 20): the worker-kill fault test must kill a worker exactly between a
 * batch's insert and its ack, the window that deduplication exists for (a few ms of every batch).
 * With OGLS_FAULT_STOP_AFTER_INSERT=N in the environment, the process reports its N-th insert on
 * stdout (synchronously, with the batch token) and then stops itself with SIGSTOP before acking it;
 * the test sees the line and SIGKILLs the stopped process. Unset (always, outside the fault tests),
 * it costs one integer comparison per batch. Not a setting: it is not in config/settings.ts on purpose.
 */
import { writeSync } from 'node:fs'

const stopAfter = Number(process.env.OGLS_FAULT_STOP_AFTER_INSERT ?? 0)
let inserts = 0

/** The line the fault test waits for. */
export const FAULT_POINT_MSG = 'fault point: batch inserted, not acked; stopping (OGLS_FAULT_STOP_AFTER_INSERT)'

export function afterInsertBeforeAck(token: string, entries: number): void {
  if (!(stopAfter > 0) || ++inserts !== stopAfter) return
  writeSync(1, JSON.stringify({ level: 50, time: Date.now(), msg: FAULT_POINT_MSG, token, entries, inserts }) + '\n')
  process.kill(process.pid, 'SIGSTOP')
}
