import type { ReactNode } from 'react'
import { BrowserRouter, Navigate, Route, Routes, useLocation } from 'react-router'
import { useSession } from './auth/session.ts'
import { SessionProvider } from './auth/SessionProvider.tsx'
import { Layout } from './components/Layout.tsx'
import { LoadError, Loading } from './components/Status.tsx'
import { LiveProvider } from './live/LiveProvider.tsx'
import { ActionsPage } from './pages/ActionsPage.tsx'
import { AcceptInvitationPage } from './pages/AcceptInvitationPage.tsx'
import { CityPage } from './pages/CityPage.tsx'
import { MyNetworksPage } from './pages/MyNetworksPage.tsx'
import { NetworkPage } from './pages/NetworkPage.tsx'
import { NotFoundPage } from './pages/NotFoundPage.tsx'
import { SectionPage } from './pages/SectionPage.tsx'
import { VersionsPage } from './pages/VersionsPage.tsx'
import { SettingsPage } from './pages/SettingsPage.tsx'
import { SignInPage } from './pages/SignInPage.tsx'

/** Where a signed-out visitor was going; `/` brings them back there after signing in. */
interface ReturnState {
  from?: string
}

/**
 * Renders `children` for a signed-in user; otherwise the sign-in form (at `/`) or a redirect to
 * it that remembers the page asked for.
 */
function SignedIn({ children }: { children: ReactNode }) {
  const { state, refresh } = useSession()
  const location = useLocation()
  switch (state.status) {
    case 'loading':
      return <Loading />
    case 'error':
      return <LoadError error={state.error} onRetry={() => void refresh()} />
    case 'signed-out':
      if (location.pathname === '/') return <SignInPage expired={state.expired} />
      return <Navigate to="/" replace state={{ from: location.pathname + location.search } satisfies ReturnState} />
    case 'signed-in':
      return children
  }
}

/** `/`: the sign-in form, then "My networks and cities" (or the page asked for before). */
function Home() {
  const location = useLocation()
  const from = (location.state as ReturnState | null)?.from
  if (from && from !== '/') return <Navigate to={from} replace />
  return <MyNetworksPage />
}

export function AppRoutes() {
  return (
    <Layout>
      <Routes>
        <Route
          path="/"
          element={
            <SignedIn>
              <Home />
            </SignedIn>
          }
        />
        <Route
          path="/networks/:networkId"
          element={
            <SignedIn>
              <NetworkPage />
            </SignedIn>
          }
        />
        <Route
          path="/cities/:cityId"
          element={
            <SignedIn>
              <CityPage />
            </SignedIn>
          }
        />
        <Route
          path="/cities/:cityId/sections/:key"
          element={
            <SignedIn>
              <SectionPage />
            </SignedIn>
          }
        />
        <Route
          path="/cities/:cityId/actions"
          element={
            <SignedIn>
              <ActionsPage />
            </SignedIn>
          }
        />
        <Route
          path="/cities/:cityId/versions"
          element={
            <SignedIn>
              <VersionsPage />
            </SignedIn>
          }
        />
        <Route
          path="/settings"
          element={
            <SignedIn>
              <SettingsPage />
            </SignedIn>
          }
        />
        <Route path="/invitations/:token" element={<AcceptInvitationPage />} />
        <Route path="*" element={<NotFoundPage />} />
      </Routes>
    </Layout>
  )
}

/** One events socket per tab, open while someone is signed in. */
function Live({ children }: { children: ReactNode }) {
  const { state } = useSession()
  return <LiveProvider enabled={state.status === 'signed-in'}>{children}</LiveProvider>
}

export default function App() {
  return (
    <SessionProvider>
      <Live>
        <BrowserRouter>
          <AppRoutes />
        </BrowserRouter>
      </Live>
    </SessionProvider>
  )
}
