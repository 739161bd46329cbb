import { useEffect, useState } from 'react'
import { Link, useLocation } from 'react-router'
import { api } from '../api/index.ts'
import { useLiveEvents } from '../live/LiveContext.ts'
import { formatDateTime } from '../lib/format.ts'
import { useApi } from '../lib/useApi.ts'

/**
 * The unread count in the header and, on opening, the latest notifications with links to what
 * they are about. Live: a `notification.created` event refetches.
 */
export function Bell() {
  const list = useApi('notifications', (signal) => api.notifications(20, signal))
  const location = useLocation()
  // The page the panel was opened on: following a link elsewhere closes it.
  const [openOn, setOpenOn] = useState<string | null>(null)
  const open = openOn === location.pathname
  const setOpen = (next: boolean) => setOpenOn(next ? location.pathname : null)
  useLiveEvents(
    (e) => e.type.startsWith('notification.'),
    () => list.reload(),
    () => list.reload(),
  )
  useEffect(() => {
    if (!open) return
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') setOpenOn(null)
    }
    document.addEventListener('keydown', onKey)
    return () => document.removeEventListener('keydown', onKey)
  }, [open])
  const unread = list.status === 'ok' ? list.data.unread : 0
  const items = list.status === 'ok' ? list.data.items : []

  return (
    <div className="bell">
      <button
        type="button"
        className="button button-quiet"
        aria-expanded={open}
        aria-controls="notifications-panel"
        onClick={() => setOpen(!open)}
      >
        Notifications
        {unread > 0 && (
          <span className="bell-count">
            {unread}
            <span className="visually-hidden"> unread</span>
          </span>
        )}
      </button>
      {open && (
        <div id="notifications-panel" className="bell-panel" role="region" aria-label="Notifications">
          <p>
            <button
              type="button"
              className="button button-secondary"
              disabled={unread === 0}
              onClick={() => void api.readAllNotifications().then(list.reload)}
            >
              Mark all as read
            </button>{' '}
            <Link to="/settings">Settings</Link>
          </p>
          {items.length === 0 && <p className="meta">Nothing yet.</p>}
          <ul>
            {items.map((n) => (
              <li key={n.id} className={n.read_at ? '' : 'is-unread'}>
                <Link
                  to={n.path}
                  onClick={() => {
                    if (!n.read_at) void api.readNotification(n.id).then(list.reload)
                  }}
                >
                  {n.title}
                </Link>
                {!n.read_at && <span className="visually-hidden"> (unread)</span>}
                <p className="meta">
                  {n.body} · {formatDateTime(n.created_at)}
                </p>
              </li>
            ))}
          </ul>
        </div>
      )}
    </div>
  )
}
