import { useEffect, useRef, useState, type ReactNode } from 'react'
import { Link, useLocation, useNavigate } from 'react-router'
import { isApiError } from '../api/index.ts'
import { useSession } from '../auth/session.ts'
import { useConnectionStatus } from '../live/LiveContext.ts'
import { Bell } from '../notifications/Bell.tsx'

function Brand() {
  return (
    <Link to="/" className="brand">
      <span className="brand-mark" aria-hidden="true">
        IAP
      </span>
      <span className="brand-name">IAP Studio</span>
    </Link>
  )
}

/** Says so when the live connection is down; silent otherwise. */
function OfflineIndicator() {
  const status = useConnectionStatus()
  return (
    <span className="offline" role="status">
      {status === 'offline' && (
        <>
          <span className="offline-dot" aria-hidden="true" /> Offline: reconnecting…
        </>
      )}
    </span>
  )
}

function UserMenu({ name }: { name: string }) {
  const { signOut } = useSession()
  const navigate = useNavigate()
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | null>(null)

  const onSignOut = async () => {
    setBusy(true)
    setError(null)
    try {
      await signOut()
      await navigate('/', { replace: true })
    } catch (e) {
      setError(isApiError(e) ? e.title : 'Could not sign out')
      setBusy(false)
    }
  }

  return (
    <div className="user-menu">
      <OfflineIndicator />
      <Bell />
      <Link to="/settings" className="user-name">
        <span className="visually-hidden">Signed in as </span>
        {name}
        <span className="visually-hidden"> (settings)</span>
      </Link>
      <button type="button" className="button button-quiet" onClick={onSignOut} disabled={busy}>
        {busy ? 'Signing out…' : 'Sign out'}
      </button>
      {error && (
        <span role="alert" className="header-error">
          {error}
        </span>
      )}
    </div>
  )
}

/**
 * The frame of every page: skip link, header (with the user's name and Sign out when signed in)
 * and the main region, which takes focus after each navigation so screen readers start there.
 */
export function Layout({ children }: { children: ReactNode }) {
  const { state } = useSession()
  const location = useLocation()
  const mainRef = useRef<HTMLElement>(null)
  const shownPath = useRef(location.pathname)

  useEffect(() => {
    if (shownPath.current === location.pathname) return
    shownPath.current = location.pathname
    mainRef.current?.focus()
  }, [location.pathname])

  return (
    <>
      <a className="skip-link" href="#main">
        Skip to main content
      </a>
      <header className="site-header">
        <div className="container header-inner">
          <Brand />
          {state.status === 'signed-in' && <UserMenu name={state.me.name} />}
        </div>
      </header>
      <main id="main" ref={mainRef} tabIndex={-1} className="container site-main">
        {children}
      </main>
      <footer className="site-footer">
        <div className="container">Integrated Action Plans for URBACT networks</div>
      </footer>
    </>
  )
}
