import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { DEMO, newPage, openLeadCity, reopenStage, screenshot, seriousA11yViolations, serverAndBrowser, signIn, socketExists } from './harness.mjs'


/** The dashboard's row for a city. @param {import('playwright-core').Page} page @param {string} city */
const dashboardRow = (page, city) => page.locator(`tr[data-city="${city}"]`)

describe('stages and the lead partner dashboard', () => {
  const env = serverAndBrowser('stages-dashboard')

  it('a ULG member submits a stage, the coordinator approves it and the dashboard moves', async (t) => {
    const live = await socketExists(env.server, '/api/v1/events')
    if (!live) t.diagnostic('no events socket on this server yet: the dashboard is reloaded instead of updating live')

    const lead = await newPage(env.browser, env.server, { width: 1366, height: 900 })
    await signIn(lead, DEMO.users.leadCoordinator)
    await lead.getByRole('heading', { level: 1, name: 'My networks and cities' }).waitFor()
    await lead.getByRole('link', { name: DEMO.network }).first().click()
    await lead.getByRole('heading', { level: 1, name: DEMO.network }).waitFor()
    const row = dashboardRow(lead, DEMO.leadCity)
    // The demo has Óbidos' first two stages approved; it is now at the third.
    await row.getByText('Activation: vision and objectives').waitFor()
    assert.deepEqual(await seriousA11yViolations(lead), [])
    await screenshot(lead, 'dashboard-before')

    // The coordinator reopens the second stage (with a note) so the ULG can change its sections.
    const coordinator = await newPage(env.browser, env.server)
    await openLeadCity(coordinator, DEMO.users.coordinator)
    const byCoordinator = coordinator.getByRole('listitem').filter({ has: coordinator.getByRole('heading', { name: /Activation: context and problems/ }) })
    await byCoordinator.getByRole('button', { name: 'Reopen' }).click()
    await byCoordinator.getByLabel(/Note/).fill('The 2025 baseline figures are out: update them.')
    await byCoordinator.getByRole('button', { name: 'Reopen' }).click()
    await byCoordinator.getByRole('button', { name: 'Reopen' }).waitFor({ state: 'detached' })

    const member = await newPage(env.browser, env.server)
    await openLeadCity(member, DEMO.users.ulgMember)
    const stage = member.getByRole('listitem').filter({ has: member.getByRole('heading', { name: /Activation: context and problems/ }) })
    await stage.getByRole('button', { name: 'Submit for approval' }).click()
    await stage.getByLabel(/Note/).fill('Baseline updated with the 2025 figures.')
    await stage.getByRole('button', { name: 'Submit for approval' }).click()
    await stage.getByText('Submitted for approval').waitFor()
    await screenshot(member, 'stage-submitted')

    // Four eyes: the submitter cannot approve their own submission.
    assert.equal(await stage.getByRole('button', { name: 'Approve' }).count(), 0)

    if (!live) await lead.reload()
    await row.getByText('Activation: context and problems').waitFor()

    await coordinator.reload()
    await byCoordinator.getByRole('button', { name: 'Approve' }).click()
    await byCoordinator.getByRole('button', { name: 'Approve' }).click()
    await byCoordinator.getByText('Approved', { exact: true }).waitFor()
    await coordinator.getByText(/Now at Activation: vision and objectives/).waitFor()
    const activity = coordinator.getByRole('region', { name: 'Recent activity' })
    await activity.getByText(`${DEMO.names.coordinator} approved “Activation: context and problems”`).first().waitFor()
    await activity.getByText(new RegExp(`^${DEMO.names.ulgMember} submitted “Activation: context and problems”`)).first().waitFor()
    await screenshot(coordinator, 'stage-approved')

    if (!live) await lead.reload()
    await row.getByText('Activation: vision and objectives').waitFor()
    await screenshot(lead, 'dashboard-after')

    // The approved stage locks its sections: the editor says so.
    await coordinator.goto(coordinator.url() + '/sections/context')
    await coordinator.getByRole('heading', { level: 1, name: 'Context and baseline' }).waitFor()
    await coordinator.getByText(/part of “Activation: context and problems”, which is approved/).waitFor()
    await screenshot(coordinator, 'editor-locked-section')

    for (const p of [lead, member, coordinator]) await p.context().close()
  })

  it('asks for a note before returning a stage', async () => {
    await reopenStage(env.browser, env.server, 'Activation: context and problems')
    const member = await newPage(env.browser, env.server)
    await openLeadCity(member, DEMO.users.ulgMember)
    const understand = member.getByRole('listitem').filter({ has: member.getByRole('heading', { name: /Activation: context and problems/ }) })
    await understand.getByRole('button', { name: 'Submit for approval' }).click()
    await understand.getByRole('button', { name: 'Submit for approval' }).click()
    await understand.getByText('Submitted for approval').waitFor()

    const coordinator = await newPage(env.browser, env.server)
    await openLeadCity(coordinator, DEMO.users.coordinator)
    const stage = coordinator.getByRole('listitem').filter({ has: coordinator.getByRole('heading', { name: /Activation: context and problems/ }) })
    await stage.getByRole('button', { name: 'Return for changes' }).click()
    const send = stage.getByRole('button', { name: 'Return for changes' })
    assert.equal(await send.isDisabled(), true)
    await stage.getByLabel(/Note/).fill('Please add the baseline figures for 2025.')
    await send.click()
    await stage.getByText('Returned for changes').first().waitFor()
    await stage.getByText('History').click()
    await stage.getByText('Please add the baseline figures for 2025.').waitFor()
    await stage.getByText(`${DEMO.names.coordinator}: Submitted for approval → Returned for changes`).waitFor()
    await screenshot(coordinator, 'stage-returned-history')
    for (const p of [member, coordinator]) await p.context().close()
  })
})
