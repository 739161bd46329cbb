import { useCallback, useEffect, useMemo, useState, type ReactNode } from 'react'
import { api, ApiError, isApiError } from '../api/index.ts'
import { SessionContext, type Session, type SessionState } from './session.ts'

async function loadSession(signal?: AbortSignal): Promise<SessionState> {
  try {
    return { status: 'signed-in', me: await api.me(signal) }
  } catch (e) {
    if (isApiError(e) && e.status === 401) return { status: 'signed-out', expired: false }
    if (isApiError(e)) return { status: 'error', error: e }
    throw e
  }
}

export function SessionProvider({ children }: { children: ReactNode }) {
  const [state, setState] = useState<SessionState>({ status: 'loading' })

  useEffect(() => {
    const controller = new AbortController()
    loadSession(controller.signal).then(setState, (e: unknown) => {
      if (!controller.signal.aborted) {
        setState({ status: 'error', error: new ApiError({ status: 0, title: String(e) }) })
      }
    })
    return () => controller.abort()
  }, [])

  const refresh = useCallback(async () => {
    setState(await loadSession())
  }, [])

  const signIn = useCallback(async (email: string, password: string) => {
    await api.login({ email, password })
    const next = await loadSession()
    setState(next)
    if (next.status === 'error') throw next.error
  }, [])

  const signOut = useCallback(async () => {
    try {
      await api.logout()
    } catch (e) {
      // Already signed out on the server is fine; anything else is worth telling.
      if (!(isApiError(e) && e.status === 401)) throw e
    }
    setState({ status: 'signed-out', expired: false })
  }, [])

  const expire = useCallback(() => setState({ status: 'signed-out', expired: true }), [])

  const session = useMemo<Session>(
    () => ({ state, signIn, signOut, refresh, expire }),
    [state, signIn, signOut, refresh, expire],
  )
  return <SessionContext value={session}>{children}</SessionContext>
}
