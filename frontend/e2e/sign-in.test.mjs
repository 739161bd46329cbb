import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { DEMO, newPage, screenshot, seriousA11yViolations, serverAndBrowser, signIn } from './harness.mjs'

describe('signing in', () => {
  const env = serverAndBrowser('sign-in')

  it('shows the lead coordinator their network and its lead partner city', async () => {
    const page = await newPage(env.browser, env.server)
    await page.goto('/')
    await page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor()
    assert.deepEqual(await seriousA11yViolations(page), [])

    await signIn(page, DEMO.users.leadCoordinator)

    await page.getByRole('heading', { level: 1, name: 'My networks and cities' }).waitFor()
    const network = page.getByRole('region', { name: DEMO.network })
    await network.waitFor()
    await network.getByRole('link', { name: new RegExp(DEMO.leadCity) }).waitFor()
    assert.equal(await page.getByRole('button', { name: 'Sign out' }).isVisible(), true)
    assert.deepEqual(await seriousA11yViolations(page), [])
    await screenshot(page, 'my-networks')

    await network.getByRole('link', { name: new RegExp(DEMO.leadCity) }).click()
    await page.getByRole('heading', { level: 1, name: DEMO.leadCity }).waitFor()
    await screenshot(page, 'city')

    await page.getByRole('button', { name: 'Sign out' }).click()
    await page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor()
    await page.context().close()
  })

  it('tells the user when the password is wrong', async () => {
    const page = await newPage(env.browser, env.server, { width: 820, height: 1180 })

    await signIn(page, DEMO.users.leadCoordinator, 'not-the-password')

    const alert = page.getByRole('alert').filter({ hasText: 'not right' })
    await alert.waitFor()
    assert.match((await alert.textContent()) ?? '', /email address or password is not right/)
    assert.equal(await page.getByRole('heading', { name: 'My networks and cities' }).count(), 0)
    await screenshot(page, 'sign-in-wrong-password')
    await page.context().close()
  })
})
