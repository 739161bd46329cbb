import { createContext, useContext, useEffect, useRef, useSyncExternalStore } from 'react'
import type { ConnectionStatus, EventsConnection, LiveEvent } from './events.ts'

export const LiveContext = createContext<EventsConnection | null>(null)

const noop = () => () => {}

/** The connection's status; `online` when there is no connection (e.g. signed out, in tests). */
export function useConnectionStatus(): ConnectionStatus {
  const connection = useContext(LiveContext)
  return useSyncExternalStore(
    connection ? (cb) => connection.onStatus(cb) : noop,
    () => connection?.status ?? 'online',
  )
}

/**
 * Calls `handler` for each live event that `matches`, and `onReconnect` after the socket came
 * back (to refetch what may have been missed). Handlers may change between renders.
 */
export function useLiveEvents(
  matches: (event: LiveEvent) => boolean,
  handler: (event: LiveEvent) => void,
  onReconnect?: () => void,
): void {
  const connection = useContext(LiveContext)
  const latest = useRef({ matches, handler, onReconnect })
  useEffect(() => {
    latest.current = { matches, handler, onReconnect }
  })
  useEffect(() => {
    if (!connection) return
    const offEvent = connection.onEvent((e) => {
      if (latest.current.matches(e)) latest.current.handler(e)
    })
    const offReconnect = connection.onReconnect(() => latest.current.onReconnect?.())
    return () => {
      offEvent()
      offReconnect()
    }
  }, [connection])
}
