import { render } from '@testing-library/react'
import { MemoryRouter } from 'react-router'
import { AppRoutes } from '../App.tsx'
import { SessionProvider } from '../auth/SessionProvider.tsx'

/** Renders the app's routes at `path`, with a session, as the browser would after a reload. */
export function renderApp(path = '/') {
  return render(
    <SessionProvider>
      <MemoryRouter initialEntries={[path]}>
        <AppRoutes />
      </MemoryRouter>
    </SessionProvider>,
  )
}
