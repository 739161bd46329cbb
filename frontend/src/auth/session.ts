import { createContext, useContext } from 'react'
import type { ApiError, Me } from '../api/index.ts'

export type SessionState =
  | { status: 'loading' }
  | { status: 'signed-out'; expired: boolean }
  | { status: 'signed-in'; me: Me }
  /** `GET /me` failed for another reason than 401 (server down, 5xx). */
  | { status: 'error'; error: ApiError }

export interface Session {
  state: SessionState
  /** Signs in and loads `/me`; rejects with the login's {@link ApiError}. */
  signIn: (email: string, password: string) => Promise<void>
  signOut: () => Promise<void>
  /** Reloads `/me` (e.g. after a membership changed, or to retry after an error). */
  refresh: () => Promise<void>
  /** Called when any request answers 401: the session ended on the server. */
  expire: () => void
}

export const SessionContext = createContext<Session | null>(null)

export function useSession(): Session {
  const session = useContext(SessionContext)
  if (!session) throw new Error('useSession must be used inside <SessionProvider>')
  return session
}

/** The signed-in user; only for components rendered behind a signed-in check. */
export function useMe(): Me {
  const { state } = useSession()
  if (state.status !== 'signed-in') throw new Error('useMe needs a signed-in session')
  return state.me
}
