import { screen, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { describe, expect, it } from 'vitest'
import type { CityDetail, MemberView, PlanView, StageView } from '../api/types.ts'
import { fakeApi, json, problem } from '../test/fakeApi.ts'
import { leadCoordinator, NETWORK_ID, OBIDOS_ID } from '../test/fixtures.ts'
import { renderApp } from '../test/renderApp.tsx'

const PLAN_ID = 'plan-1'

const city: CityDetail = {
  id: OBIDOS_ID,
  network_id: NETWORK_ID,
  network_name: 'Creative Clusters',
  name: 'Óbidos',
  country: 'PT',
  country_name: 'Portugal',
  is_lead_partner: true,
  plan_id: PLAN_ID,
  my_roles: ['city_coordinator'],
  can_edit: true,
  can_manage_members: true,
}

const plan: PlanView = {
  id: PLAN_ID,
  city_id: OBIDOS_ID,
  status: 'draft',
  stages: [],
  sections: [
    { id: 's1', key: 'summary', title: 'Executive summary', position: 1, guidance: 'The plan on one page.', written: false, updated_at: '2026-11-21T10:00:00Z' },
    { id: 's2', key: 'ulg', title: 'ULG and co-creation process', position: 2, guidance: 'Who is in the ULG.', written: true, updated_at: '2026-11-21T10:00:00Z' },
  ],
}

const stage = (over: Partial<StageView>): StageView => ({
  id: 'st1',
  plan_id: PLAN_ID,
  key: 'setup',
  name: 'ULG set-up and roadmap',
  position: 1,
  start_month: 0,
  due_month: 1,
  starts_on: '2026-09-01',
  due_on: '2026-10-01',
  status: 'open',
  phase: 'current',
  approver: 'city_coordinator',
  gate: ['section_written:ulg'],
  checks: [{ rule: 'section_written:ulg', ok: true, message: 'Section "ULG and co-creation process" is written' }],
  can_submit: true,
  can_approve: false,
  can_return: false,
  can_reopen: false,
  ...over,
})

const members: MemberView[] = [
  { id: 'm1', user_id: 'u1', name: 'Inês Martins', email: 'coordinator@obidos.example.org', role: 'city_coordinator', network_id: NETWORK_ID, city_id: OBIDOS_ID, joined_at: '2026-09-01T10:00:00Z' },
]

function workspaceServer() {
  let submitted = false
  const calls: string[] = []
  const fetch = fakeApi({
    'GET /me': () => json(leadCoordinator),
    [`GET /cities/${OBIDOS_ID}`]: () => json(city),
    [`GET /cities/${OBIDOS_ID}/plan`]: () => json(plan),
    [`GET /plans/${PLAN_ID}/stages`]: () => json([stage(submitted ? { status: 'submitted', can_submit: false } : {})]),
    [`GET /cities/${OBIDOS_ID}/members`]: () => json(members),
    [`GET /cities/${OBIDOS_ID}/invitations`]: () => json([]),
    [`POST /cities/${OBIDOS_ID}/invitations`]: (init) => {
      const body = JSON.parse(String(init.body)) as { email: string; role: string }
      if (!body.email.includes('@')) return problem(422, 'Invalid input', { errors: [{ field: 'email', message: 'is not an email address' }] })
      calls.push(`invite ${body.email} ${body.role}`)
      return json({ id: 'i1', email: body.email, role: body.role, accept_url: 'http://iap.example.org/invitations/tok', expires_at: '2026-12-05T10:00:00Z' }, 201)
    },
    'POST /stages/st1/submit': (init) => {
      calls.push(`submit ${String(init.body)}`)
      submitted = true
      return json([stage({ status: 'submitted', can_submit: false })])
    },
  })
  return { fetch, calls }
}


describe('the city workspace', () => {
  it('shows each section as written or empty, with a link to its editor', async () => {
    workspaceServer()
    renderApp(`/cities/${OBIDOS_ID}`)

    const sections = await screen.findByRole('region', { name: 'Plan sections' })
    const items = await within(sections).findAllByRole('listitem')
    expect(items[0]?.textContent).toMatch(/Executive summary.*Empty/)
    expect(items[1]?.textContent).toMatch(/ULG and co-creation process.*Written/)
    expect(within(sections).getByRole('link', { name: 'Executive summary' }).getAttribute('href')).toBe(`/cities/${OBIDOS_ID}/sections/summary`)
    expect(within(sections).getByText('1 of 2 written')).toBeTruthy()
  })

  it('submits a stage with a note and shows its new status', async () => {
    const { calls } = workspaceServer()
    const user = userEvent.setup()
    renderApp(`/cities/${OBIDOS_ID}`)

    const stages = await screen.findByRole('region', { name: 'Stages' })
    await user.click(await within(stages).findByRole('button', { name: 'Submit for approval' }))
    await user.type(within(stages).getByLabelText(/Note/), 'Ready')
    await user.click(within(stages).getByRole('button', { name: 'Submit for approval' }))

    expect(await within(stages).findByText('Submitted for approval')).toBeTruthy()
    expect(calls).toContain('submit {"note":"Ready"}')
    expect(within(stages).queryByRole('button', { name: 'Submit for approval' })).toBeNull()
  })

  it('creates an invitation and offers its link; a refused email is named at the field', async () => {
    const { calls } = workspaceServer()
    const user = userEvent.setup()
    renderApp(`/cities/${OBIDOS_ID}`)

    const panel = await screen.findByRole('region', { name: 'ULG members' })
    await user.type(within(panel).getByLabelText('Email address'), 'nobody')
    await user.click(within(panel).getByRole('button', { name: 'Create invitation' }))
    expect(await within(panel).findByText('is not an email address')).toBeTruthy()
    expect(within(panel).getByLabelText('Email address').getAttribute('aria-invalid')).toBe('true')

    await user.clear(within(panel).getByLabelText('Email address'))
    await user.type(within(panel).getByLabelText('Email address'), 'new@obidos.example.org')
    await user.selectOptions(within(panel).getByLabelText('Role', { exact: true }), 'observer')
    await user.click(within(panel).getByRole('button', { name: 'Create invitation' }))

    const link = await within(panel).findByLabelText(/Invitation link/)
    expect((link as HTMLInputElement).value).toBe('http://iap.example.org/invitations/tok')
    expect(calls).toContain('invite new@obidos.example.org observer')
    expect(within(panel).getByRole('button', { name: 'Copy link' })).toBeTruthy()
  })
})
