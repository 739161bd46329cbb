import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { DEMO, newPage, openLeadCity, screenshot, seriousA11yViolations, serverAndBrowser, socketExists } from './harness.mjs'

/**
 * Opens one of Óbidos' plan pages from the workspace's plan links.
 * @param {import('playwright-core').Page} page
 * @param {string} email
 * @param {'Action table' | 'Versions and changes'} link
 */
async function openPlanPage(page, email, link) {
  await openLeadCity(page, email)
  await page.getByRole('navigation', { name: 'Plan' }).getByRole('link', { name: link }).click()
  await page.getByRole('heading', { level: 1, name: link }).waitFor()
}

describe('the plan tools: comments, actions, versions, notifications', () => {
  const env = serverAndBrowser('plan-tools')

  it('a comment mentioning the coordinator reaches their bell, live', async (t) => {
    const live = await socketExists(env.server, '/api/v1/events')
    if (!live) t.diagnostic('no events socket on this server yet: the bell is reloaded instead of updating live')
    // Inês has her workspace open before Rui writes.
    const ines = await newPage(env.browser, env.server)
    await openLeadCity(ines, DEMO.users.coordinator)
    const bell = ines.getByRole('button', { name: /Notifications/ })
    const unread = async () => Number(/(\d+)\s+unread/.exec(await bell.innerText())?.[1] ?? 0)
    await ines.waitForLoadState('networkidle')
    const before = await unread()

    const rui = await newPage(env.browser, env.server)
    await openLeadCity(rui, DEMO.users.ulgMember)
    await rui.getByRole('region', { name: 'Plan sections' }).getByRole('link', { name: 'Context and baseline' }).click()
    await rui.getByRole('heading', { level: 2, name: 'Comments' }).waitFor()
    const box = rui.getByRole('combobox', { name: 'New comment' })
    await box.fill('Could you check the figures, @Inê')
    await rui.getByRole('option', { name: DEMO.names.coordinator }).waitFor()
    await box.press('Enter')
    assert.equal(await box.inputValue(), `Could you check the figures, @${DEMO.names.coordinator} `)
    await rui.getByRole('button', { name: 'Comment', exact: true }).click()
    await rui.getByText(`Could you check the figures, @${DEMO.names.coordinator}`).last().waitFor()

    // Select words in the text: the next thread is anchored to them and they are highlighted.
    // (Once the live document has synced, so the saved preview is not swapped out under the selection.)
    await rui.getByText('Saved · live').waitFor()
    await rui.locator('.editor-surface:visible', { hasText: 'young people leave' }).first().waitFor()
    await rui.evaluate(() => {
      const surface = Array.from(document.querySelectorAll('.editor-surface')).find((e) => !e.closest('[hidden]') && !e.hasAttribute('hidden') && e.textContent?.includes('young people leave'))
      const walker = document.createTreeWalker(/** @type {Node} */ (surface), NodeFilter.SHOW_TEXT)
      for (let n = walker.nextNode(); n; n = walker.nextNode()) {
        const at = n.textContent?.indexOf('young people leave') ?? -1
        if (at === -1) continue
        const range = document.createRange()
        range.setStart(n, at)
        range.setEnd(n, at + 'young people leave'.length)
        document.getSelection()?.removeAllRanges()
        document.getSelection()?.addRange(range)
        return
      }
    })
    const anchored = rui.getByRole('combobox', { name: 'Comment on the selected text' })
    await anchored.fill('Since when? Add the years.')
    await rui.getByRole('button', { name: 'Comment', exact: true }).click()
    await rui.locator('mark.anchor-highlight', { hasText: 'young people leave' }).first().waitFor()
    assert.deepEqual(await seriousA11yViolations(rui), [])
    await screenshot(rui, 'comments-mention')

    if (!live) await ines.reload()
    await ines.getByText(`${before + 1} unread`).waitFor()
    await bell.click()
    const panel = ines.getByRole('region', { name: 'Notifications' })
    await panel.getByRole('listitem').first().waitFor()
    assert.match(await panel.innerText(), /Rui Carvalho|mention/i)
    assert.deepEqual(await seriousA11yViolations(ines), [])
    await screenshot(ines, 'notifications-bell')
    await rui.context().close()
    await ines.context().close()
  })

  it('creating an action with a funding line shows field errors, then the totals', async () => {
    const page = await newPage(env.browser, env.server)
    await openPlanPage(page, DEMO.users.coordinator, 'Action table')
    const bySource = page.getByRole('table', { name: 'Funding by source' })
    const erdf = async () => {
      const rows = bySource.getByRole('row', { name: /ERDF/ })
      return (await rows.count()) === 0 ? 0 : Number((await rows.innerText()).replace(/[^\d.]/g, ''))
    }
    await bySource.waitFor()
    const erdfBefore = await erdf()
    await page.getByRole('button', { name: 'New action' }).click()
    await page.getByLabel('Code (e.g. A1.2)').fill('A9')
    await page.getByLabel('Title', { exact: true }).fill('Makers’ hub in the old market')
    await page.getByRole('button', { name: 'Add funding line' }).click()
    await page.getByLabel('Source of funding line 1').selectOption('ERDF')
    await page.getByLabel('Amount of funding line 1 (EUR)').fill('twelve thousand')
    await page.getByLabel('Status of funding line 1').selectOption('secured')
    await page.getByRole('button', { name: 'Create action' }).click()
    // The server names the field by its path; the message sits under that input.
    const amount = page.getByLabel('Amount of funding line 1 (EUR)')
    await page.locator('[aria-invalid="true"]').first().waitFor()
    await screenshot(page, 'actions-field-error')
    assert.equal(await amount.getAttribute('aria-invalid'), 'true')

    await amount.fill('12000')
    await page.getByRole('button', { name: 'Create action' }).click()
    await page.getByRole('rowheader', { name: 'A9', exact: true }).waitFor()
    await bySource.getByRole('row', { name: /ERDF/ }).waitFor()
    assert.equal(await erdf(), erdfBefore + 12000)
    assert.deepEqual(await seriousA11yViolations(page), [])
    await screenshot(page, 'actions')
    await page.context().close()
  })

  it('saving a version and comparing it with the current draft shows what changed', async () => {
    const page = await newPage(env.browser, env.server)
    await openPlanPage(page, DEMO.users.coordinator, 'Versions and changes')
    await page.getByLabel('Label').fill('Before the market action')
    await page.getByRole('button', { name: 'Save version' }).click()
    await page.getByRole('cell', { name: 'Before the market action' }).waitFor()

    // A change after the version: one more action, added through the API as another client would.
    const cityId = new URL(page.url()).pathname.split('/')[2]
    const status = await page.evaluate(async (id) => {
      const plan = await (await fetch(`/api/v1/cities/${id}/plan`)).json()
      const r = await fetch(`/api/v1/plans/${plan.id}/actions`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ code: 'A10', title: 'Residencies for young makers' }),
      })
      return r.status
    }, cityId)
    assert.equal(status, 201)

    // The demo's submissions froze versions too: pick ours by its label.
    const ours = page.getByLabel('From').locator('option', { hasText: 'Before the market action' })
    await page.getByLabel('From').selectOption((await ours.getAttribute('value')) ?? '')
    await page.getByLabel('To').selectOption({ label: 'Current draft' })
    await page.getByRole('button', { name: 'Show changes' }).click()
    await page.getByRole('heading', { name: /^Changes from v\d+ Before the market action to Current draft$/ }).waitFor()
    await page.getByText(/A10 Residencies for young makers/).waitFor()
    assert.deepEqual(await seriousA11yViolations(page), [])
    await screenshot(page, 'versions-diff')
    await page.context().close()
  })

  it('notification settings are saved and shown again after a reload', async () => {
    const page = await newPage(env.browser, env.server)
    await openLeadCity(page, DEMO.users.coordinator)
    await page.getByRole('link', { name: /Signed in as/ }).click()
    await page.getByRole('heading', { level: 1, name: 'Settings' }).waitFor()
    await page.getByLabel('Email me').selectOption('daily')
    await page.getByLabel('Daily digest at').selectOption('7')
    await page.getByLabel('Time zone').selectOption('Europe/Lisbon')
    await page.getByLabel('Someone mentions me').selectOption('immediate')
    await page.getByRole('button', { name: 'Save settings' }).click()
    await page.getByText('Saved.').waitFor()
    assert.deepEqual(await seriousA11yViolations(page), [])
    await screenshot(page, 'settings')

    await page.reload()
    await page.getByLabel('Email me').waitFor()
    assert.equal(await page.getByLabel('Email me').inputValue(), 'daily')
    assert.equal(await page.getByLabel('Daily digest at').inputValue(), '7')
    assert.equal(await page.getByLabel('Time zone').inputValue(), 'Europe/Lisbon')
    assert.equal(await page.getByLabel('Someone mentions me').inputValue(), 'immediate')
    await page.context().close()
  })
})
