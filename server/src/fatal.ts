/**
 * Dying is better than hanging (issue 11). The embedded engine (chdb) installs its own handlers for
 * the fatal signals on its first query; in a library they never finish: after V8 runs out of memory
 * and calls abort(), the SIGABRT handler sleeps for ever with the port bound and SIGTERM unheard, so
 * no supervisor restarts the process. A WebAssembly bounds trap (SIGSEGV) hangs the same way.
 *
 * Node has no API to set SIG_DFL, but libuv does it for us: when the last listener of a signal is
 * removed, `uv_signal_stop` re-installs SIG_DFL (it does not restore the previous handler). So adding
 * and removing a no-op listener hands each signal back to the kernel's default action: core dump and
 * exit. Call it once the engine has run its first query (the handlers are installed lazily then);
 * later queries do not re-install them (checked in /proc/self/status SigCgt).
 */
export const FATAL_SIGNALS = ['SIGABRT', 'SIGSEGV', 'SIGBUS', 'SIGILL', 'SIGFPE', 'SIGTRAP', 'SIGSYS'] as const

export function restoreDefaultFatalSignals(): void {
  const noop = (): void => {}
  for (const signal of FATAL_SIGNALS) {
    process.on(signal, noop)
    process.off(signal, noop)
  }
}
