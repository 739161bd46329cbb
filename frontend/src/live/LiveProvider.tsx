import { useEffect, useMemo, type ReactNode } from 'react'
import { EventsConnection, socketUrl } from './events.ts'
import { LiveContext } from './LiveContext.ts'

/** Opens the tab's one events socket while a user is signed in. */
export function LiveProvider({ enabled, children }: { enabled: boolean; children: ReactNode }) {
  const connection = useMemo(
    () => (enabled && typeof WebSocket !== 'undefined' ? new EventsConnection({ url: socketUrl('/events') }) : null),
    [enabled],
  )

  useEffect(() => {
    if (!connection) return
    connection.start()
    // The browser knows it is back online before the back-off timer does.
    const online = () => connection.retryNow()
    window.addEventListener('online', online)
    return () => {
      window.removeEventListener('online', online)
      connection.stop()
    }
  }, [connection])

  return <LiveContext value={connection}>{children}</LiveContext>
}
