import { useCallback, useEffect, useRef, useState } from 'react'
import { ApiError, isApiError } from '../api/index.ts'
import { useSession } from '../auth/session.ts'

export type Loaded<T> =
  | { status: 'loading' }
  | { status: 'ok'; data: T }
  | { status: 'error'; error: ApiError }

const LOADING = { status: 'loading' } as const

/**
 * Loads data for a page. `key` names what is loaded (e.g. the route's id): the request is
 * repeated when it changes, the previous one is aborted, and its answer is never shown for the
 * new key. `reload()` fetches again while still showing the last answer for the same key (so live
 * updates do not flash "Loading"). A 401 ends the session.
 */
export function useApi<T>(key: string, load: (signal: AbortSignal) => Promise<T>): Loaded<T> & { reload: () => void } {
  const { expire } = useSession()
  const [attempt, setAttempt] = useState(0)
  const [result, setResult] = useState<{ key: string; request: string; value: Loaded<T> } | null>(null)
  const request = `${key}#${attempt}`
  const loadRef = useRef(load)
  useEffect(() => {
    loadRef.current = load
  })

  useEffect(() => {
    const controller = new AbortController()
    loadRef.current(controller.signal).then(
      (data) => {
        if (!controller.signal.aborted) setResult({ key, request, value: { status: 'ok', data } })
      },
      (e: unknown) => {
        if (controller.signal.aborted) return
        if (isApiError(e) && e.status === 401) {
          expire()
          return
        }
        const error = isApiError(e) ? e : new ApiError({ status: 0, title: 'Something went wrong', detail: String(e) })
        setResult({ key, request, value: { status: 'error', error } })
      },
    )
    return () => controller.abort()
    // `key` is part of `request`.
    // oxlint-disable-next-line react/exhaustive-deps
  }, [request, expire])

  const reload = useCallback(() => setAttempt((n) => n + 1), [])
  const state: Loaded<T> = result?.key === key ? result.value : LOADING
  return { ...state, reload }
}
