/**
 * The latest of a view's requests: starting one aborts the one before, so that a late answer never
 * overwrites a newer one. `loading`, `error` and `errorStatus` are those of the latest request; an
 * aborted request changes nothing.
 */
import { ref } from 'vue'
import { ApiError, errorMessage, isAbort } from '../lib/api.ts'

export interface RequestOptions<T> {
  /** Takes the answer; called only while this request is the latest. */
  done: (value: T) => void
  /** After a failure (not an abort), with `error` already set. */
  failed?: (err: unknown) => void
  /** Clear `error` when the request starts, not only when it succeeds. */
  clearError?: boolean
  /** Leave `loading` alone (a refresh in the background). */
  quiet?: boolean
}

export function useLatestRequest() {
  const loading = ref(false)
  const error = ref<string>()
  /** HTTP status of the error (0 for a network error); 400 means the query itself is wrong. */
  const errorStatus = ref(0)
  let ac: AbortController | undefined

  /** Aborts the request in flight, if any: nothing is loading any more. */
  function abort(): void {
    ac?.abort()
    ac = undefined
    loading.value = false
  }

  /** The signal of the latest request (a new one if none is in flight), for requests that share its life. */
  function signal(): AbortSignal {
    return (ac ??= new AbortController()).signal
  }

  async function request<T>(fetch: (signal: AbortSignal) => Promise<T>, o: RequestOptions<T>): Promise<void> {
    ac?.abort()
    const s = (ac = new AbortController()).signal
    if (!o.quiet) loading.value = true
    if (o.clearError) {
      error.value = undefined
      errorStatus.value = 0
    }
    try {
      const value = await fetch(s)
      if (s.aborted) return
      o.done(value)
      error.value = undefined
      errorStatus.value = 0
    } catch (err) {
      if (s.aborted || isAbort(err)) return
      error.value = errorMessage(err)
      errorStatus.value = err instanceof ApiError ? err.status : 0
      o.failed?.(err)
    } finally {
      if (!s.aborted) loading.value = false
    }
  }

  return { loading, error, errorStatus, request, abort, signal }
}
