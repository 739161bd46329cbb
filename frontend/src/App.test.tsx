import { screen, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { describe, expect, it } from 'vitest'
import { fakeApi, json, problem } from './test/fakeApi.ts'
import { renderApp } from './test/renderApp.tsx'
import { leadCoordinator, network, NETWORK_ID } from './test/fixtures.ts'


/** A server with one user whose password is `right-password`. */
function serverWithLeadCoordinator() {
  let signedIn = false
  return fakeApi({
    'GET /me': () => (signedIn ? json(leadCoordinator) : problem(401, 'Unauthorized')),
    'POST /auth/login': (init) => {
      const { password } = JSON.parse(String(init.body)) as { password: string }
      if (password !== 'right-password') return problem(401, 'Unauthorized')
      signedIn = true
      return json({ user: leadCoordinator })
    },
    'POST /auth/logout': () => {
      signedIn = false
      return new Response(null, { status: 204 })
    },
    'GET /networks': () => json([network]),
    [`GET /networks/${NETWORK_ID}`]: () => json(network),
  })
}

describe('signing in', () => {
  it('names the empty fields and focuses the first one', async () => {
    serverWithLeadCoordinator()
    const user = userEvent.setup()
    renderApp()

    await user.click(await screen.findByRole('button', { name: 'Sign in' }))

    const email = screen.getByLabelText('Email address')
    expect(email).toHaveProperty('ariaInvalid', 'true')
    expect(email).toBe(document.activeElement)
    expect(screen.getByText('Enter your email address.').id).toBe(email.getAttribute('aria-describedby'))
    expect(screen.getByText('Enter your password.')).toBeTruthy()
  })

  it('announces a wrong password and lets the user try again', async () => {
    serverWithLeadCoordinator()
    const user = userEvent.setup()
    renderApp()

    await user.type(await screen.findByLabelText('Email address'), 'lead@obidos.example.org')
    await user.type(screen.getByLabelText('Password'), 'wrong')
    await user.click(screen.getByRole('button', { name: 'Sign in' }))

    expect(await screen.findByText(/email address or password is not right/)).toBeTruthy()
    expect(screen.getByRole('alert').textContent).toMatch(/not right/)
    expect(screen.getByLabelText('Password')).toBe(document.activeElement)
  })

  it('shows the user’s networks, cities and roles, then signs out', async () => {
    serverWithLeadCoordinator()
    const user = userEvent.setup()
    renderApp()

    await user.type(await screen.findByLabelText('Email address'), 'lead@obidos.example.org')
    await user.type(screen.getByLabelText('Password'), 'right-password')
    await user.keyboard('{Enter}')

    expect(await screen.findByRole('heading', { level: 1, name: 'My networks and cities' })).toBeTruthy()
    const card = await screen.findByRole('region', { name: network.name })
    expect(within(card).getByRole('link', { name: /Óbidos/ }).getAttribute('href')).toMatch(/^\/cities\//)
    expect(within(card).getByText('Lead partner')).toBeTruthy()
    expect(within(card).getByText('Lead coordinator')).toBeTruthy()
    expect(within(card).getByText('ULG coordinator')).toBeTruthy()
    expect(screen.getByText('Ana Lead')).toBeTruthy()

    await user.click(screen.getByRole('button', { name: 'Sign out' }))

    expect(await screen.findByRole('heading', { level: 1, name: 'Sign in' })).toBeTruthy()
  })

  it('brings a signed-out visitor back to the page they asked for', async () => {
    serverWithLeadCoordinator()
    const user = userEvent.setup()
    renderApp(`/networks/${NETWORK_ID}`)

    await user.type(await screen.findByLabelText('Email address'), 'lead@obidos.example.org')
    await user.type(screen.getByLabelText('Password'), 'right-password')
    await user.click(screen.getByRole('button', { name: 'Sign in' }))

    expect(await screen.findByRole('heading', { level: 1, name: network.name })).toBeTruthy()
    expect(screen.getByRole('heading', { name: 'Partner cities' })).toBeTruthy()
  })
})
