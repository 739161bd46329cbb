import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { DEMO, newPage, screenshot, seriousA11yViolations, serverAndBrowser, signIn } from './harness.mjs'

describe('the city workspace and invitations', () => {
  const env = serverAndBrowser('workspace')

  it('shows the coordinator the plan, the stages and the members, and lets them invite someone who then joins', async () => {
    const coordinator = await newPage(env.browser, env.server)
    await coordinator.context().grantPermissions(['clipboard-read', 'clipboard-write'])
    await signIn(coordinator, DEMO.users.coordinator)
    await coordinator.getByRole('heading', { level: 1, name: 'My networks and cities' }).waitFor()

    await coordinator.getByRole('link', { name: new RegExp(DEMO.leadCity) }).first().click()
    await coordinator.getByRole('heading', { level: 1, name: DEMO.leadCity }).waitFor()
    const sections = coordinator.getByRole('region', { name: 'Plan sections' })
    await sections.getByRole('link', { name: 'ULG and co-creation process' }).waitFor()
    assert.ok((await sections.getByText('Written', { exact: true }).count()) > 0, 'some demo sections are written')
    assert.ok((await sections.getByText('Empty', { exact: true }).count()) > 0, 'some demo sections are still empty')
    const stages = coordinator.getByRole('region', { name: 'Stages' })
    await stages.getByRole('heading', { name: /ULG set-up and roadmap/ }).waitFor()
    await stages.getByRole('button', { name: 'Submit for approval' }).first().waitFor()
    const exports = coordinator.getByRole('region', { name: 'Export the plan' })
    for (const name of ['Word (DOCX)', 'Print view (PDF)', 'Markdown', 'Actions (CSV)']) {
      const href = await exports.getByRole('link', { name: new RegExp(`^${name.replace(/[()]/g, '\\$&')}`) }).getAttribute('href')
      const response = await coordinator.request.get(href ?? '')
      assert.equal(response.status(), 200, `${name} export answers 200`)
    }
    assert.deepEqual(await seriousA11yViolations(coordinator), [])
    await screenshot(coordinator, 'workspace-coordinator')

    const members = coordinator.getByRole('region', { name: 'ULG members' })
    await members.getByRole('rowheader', { name: new RegExp(DEMO.names.ulgMember) }).waitFor()
    await members.getByLabel('Email address').fill('new.member@obidos.example.org')
    await members.getByLabel('Role', { exact: true }).selectOption('ulg_member')
    await members.getByRole('button', { name: 'Create invitation' }).click()
    const link = members.getByLabel(/Invitation link/)
    await link.waitFor()
    const acceptUrl = await link.inputValue()
    assert.match(acceptUrl, /\/invitations\/[^/]+$/)
    await members.getByRole('button', { name: 'Copy link' }).click()
    await members.getByText('Copied').waitFor()
    assert.equal(await coordinator.evaluate(() => navigator.clipboard.readText()), acceptUrl)
    await members.getByText('new.member@obidos.example.org').first().waitFor()
    await screenshot(coordinator, 'workspace-invitation-created')

    const newcomer = await newPage(env.browser, env.server, { width: 820, height: 1180 })
    await newcomer.goto(new URL(acceptUrl).pathname)
    await newcomer.getByRole('heading', { level: 1, name: new RegExp(`Join ${DEMO.leadCity}`) }).waitFor()
    assert.deepEqual(await seriousA11yViolations(newcomer), [])
    await newcomer.getByLabel('Your name').fill('Beatriz Nova')
    await newcomer.getByLabel('Choose a password').fill('a-long-enough-password')
    await screenshot(newcomer, 'accept-invitation')
    await newcomer.getByRole('button', { name: 'Accept invitation' }).click()
    await newcomer.getByRole('heading', { level: 1, name: DEMO.leadCity }).waitFor()
    await newcomer.getByText('Signed in as').waitFor({ state: 'attached' })
    assert.match((await newcomer.locator('.user-name').textContent()) ?? '', /Beatriz Nova/)
    await newcomer.context().close()

    await coordinator.reload()
    await coordinator.getByRole('region', { name: 'ULG members' }).getByRole('rowheader', { name: /Beatriz Nova/ }).waitFor()
    await coordinator.context().close()
  })

  it('says so when an invitation link is not valid', async () => {
    const page = await newPage(env.browser, env.server)
    await page.goto('/invitations/not-a-real-token')
    await page.getByText('This invitation is not valid').waitFor()
    await page.context().close()
  })

  it('opens a deep link to a workspace after signing in, and shows an observer a read-only workspace', async () => {
    const observer = await newPage(env.browser, env.server, { width: 820, height: 1180 })
    await signIn(observer, DEMO.users.observer)
    await observer.getByRole('link', { name: new RegExp(DEMO.leadCity) }).first().click()
    await observer.getByRole('heading', { level: 1, name: DEMO.leadCity }).waitFor()
    const url = observer.url()
    await observer.reload()
    await observer.getByRole('heading', { level: 1, name: DEMO.leadCity }).waitFor()
    assert.equal(observer.url(), url)
    await observer.getByText('Read only', { exact: true }).waitFor()
    assert.equal(await observer.getByRole('button', { name: 'Create invitation' }).count(), 0)
    assert.equal(await observer.getByRole('button', { name: 'Submit for approval' }).count(), 0)
    assert.deepEqual(await seriousA11yViolations(observer), [])
    await screenshot(observer, 'workspace-observer-tablet')
    await observer.context().close()
  })
})
