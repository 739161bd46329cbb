import assert from 'node:assert/strict'
import { before, describe, it } from 'node:test'
import { DEMO, newPage, openLeadCity, reopenStage, screenshot, seriousA11yViolations, serverAndBrowser, socketExists } from './harness.mjs'

/**
 * Signs in and opens one section of Óbidos' plan in the editor.
 * @param {import('playwright-core').Page} page
 * @param {string} email
 * @param {string} title
 */
async function openSection(page, email, title) {
  await openLeadCity(page, email)
  await page.getByRole('region', { name: 'Plan sections' }).getByRole('link', { name: title }).click()
  await page.getByRole('heading', { level: 1, name: title }).waitFor()
  await page.getByRole('toolbar', { name: 'Formatting' }).waitFor()
}

describe('the section editor', () => {
  const env = serverAndBrowser('editor')
  // The demo approved the stage holding "Context and baseline": reopen it so it can be written.
  before(() => reopenStage(env.browser, env.server, 'Activation: context and problems'))

  it('shows the guidance, the toolbar and the saved text, and passes the axe check', async () => {
    const page = await newPage(env.browser, env.server)
    await openSection(page, DEMO.users.ulgMember, 'Context and baseline')
    await page.getByText('What to write here').waitFor()
    await page.getByText(/low-density town whose young people leave/).first().waitFor()
    assert.equal(await page.getByRole('button', { name: 'Bold' }).isVisible(), true)
    assert.equal(await page.getByRole('button', { name: 'Link' }).isVisible(), true)
    assert.equal(await page.getByText('Read only', { exact: true }).count(), 0)
    assert.deepEqual(await seriousA11yViolations(page), [])
    await screenshot(page, 'editor')

    // Keyboard: the skip link comes first; the toolbar is one tab stop whose buttons arrow keys move between.
    await page.reload()
    await page.getByRole('toolbar', { name: 'Formatting' }).waitFor()
    await page.keyboard.press('Tab')
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Skip to main content')
    await page.getByRole('button', { name: 'Paragraph' }).focus()
    await page.keyboard.press('ArrowRight')
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('aria-label')), 'H1 heading')
    await page.keyboard.press('End')
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('aria-label')), 'Link')
    await page.context().close()
  })

  it('lets an observer read but not write', async () => {
    const page = await newPage(env.browser, env.server)
    await openSection(page, DEMO.users.observer, 'Context and baseline')
    await page.getByText('Read only', { exact: true }).waitFor()
    assert.equal(await page.getByRole('button', { name: 'Bold' }).getAttribute('aria-disabled'), 'true')
    await screenshot(page, 'editor-observer')
    await page.context().close()
  })

  it('two people co-edit a section and see each other', async (t) => {
    if (!(await socketExists(env.server, '/api/v1/collab/00000000-0000-0000-0000-000000000000'))) {
      t.skip('this server has no collab socket yet')
      return
    }
    // The coordinator's workspace, open before anyone starts, shows who is editing which section.
    const lead = await newPage(env.browser, env.server)
    await openLeadCity(lead, DEMO.users.leadCoordinator)
    await lead.getByRole('region', { name: 'Plan sections' }).waitFor()

    const rui = await newPage(env.browser, env.server)
    const ines = await newPage(env.browser, env.server)
    await openSection(rui, DEMO.users.ulgMember, 'Vision and objectives')
    await openSection(ines, DEMO.users.coordinator, 'Vision and objectives')
    const ruiText = rui.getByRole('textbox', { name: /Vision and objectives/ })
    const inesText = ines.getByRole('textbox', { name: /Vision and objectives/ })
    await ruiText.waitFor()
    await inesText.waitFor()

    await ruiText.click()
    await rui.keyboard.press('Control+Alt+2')
    await rui.keyboard.type('Our vision for 2030')
    await rui.keyboard.press('Enter')
    await rui.keyboard.type('A town where young creatives stay.')
    await inesText.getByRole('heading', { name: 'Our vision for 2030' }).waitFor()
    await inesText.getByText('A town where young creatives stay.').waitFor()

    await inesText.click()
    await ines.keyboard.press('Control+End')
    await ines.keyboard.type(' And come back.')
    await ruiText.getByText(/young creatives stay\. And come back\./).waitFor()

    // Each sees the other's caret with their name, and the other in the list of people present.
    await rui.locator('.collaboration-carets__label', { hasText: DEMO.names.coordinator }).waitFor()
    await ines.getByRole('list', { name: 'Also in this section' }).getByText(DEMO.names.ulgMember).waitFor()
    await screenshot(rui, 'co-editing-rui')
    await screenshot(ines, 'co-editing-ines')
    const vision = lead.getByRole('region', { name: 'Plan sections' }).getByRole('listitem').filter({ hasText: 'Vision and objectives' })
    await vision.getByText(/editing now/).waitFor()
    assert.match((await vision.textContent()) ?? '', new RegExp(`${DEMO.names.ulgMember}.*editing now|${DEMO.names.coordinator}.*editing now`))
    await screenshot(lead, 'workspace-presence')
    await lead.context().close()

    // What they wrote is stored: once both have left, a fresh reader gets it from the server.
    for (const p of [rui, ines]) await p.context().close()
    const reader = await newPage(env.browser, env.server)
    await openSection(reader, DEMO.users.observer, 'Vision and objectives')
    await reader.getByText('Saved · live').waitFor()
    const text = reader.getByRole('textbox', { name: /Vision and objectives/ })
    await text.getByRole('heading', { name: 'Our vision for 2030' }).waitFor()
    await text.getByText('A town where young creatives stay. And come back.').waitFor()
    await reader.context().close()
  })
})
