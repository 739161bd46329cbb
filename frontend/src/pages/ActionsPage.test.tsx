import { screen, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { describe, expect, it } from 'vitest'
import type { Action, ActionList, CityDetail, PlanView } from '../api/types.ts'
import { fakeApi, json, problem } from '../test/fakeApi.ts'
import { leadCoordinator, NETWORK_ID, OBIDOS_ID } from '../test/fixtures.ts'
import { renderApp } from '../test/renderApp.tsx'

const PLAN_ID = 'plan-1'

const city = (can_edit: boolean): CityDetail => ({
  id: OBIDOS_ID,
  network_id: NETWORK_ID,
  network_name: 'Creative Clusters',
  name: 'Óbidos',
  country: 'PT',
  country_name: 'Portugal',
  is_lead_partner: true,
  plan_id: PLAN_ID,
  my_roles: [can_edit ? 'city_coordinator' : 'observer'],
  can_edit,
  can_manage_members: can_edit,
})

const plan: PlanView = { id: PLAN_ID, city_id: OBIDOS_ID, status: 'draft', stages: [], sections: [] }

const action = (over: Partial<Action> = {}): Action => ({
  id: 'a1',
  plan_id: PLAN_ID,
  code: 'A1.1',
  title: 'Creative hub',
  description: '',
  objective: '',
  action_type: '',
  lead_organisation: 'Municipality',
  lead_person: '',
  partners: [],
  start_date: '2027-01-01',
  end_date: '2027-12-31',
  estimated_cost_eur: '1000.00',
  funding: [{ source: 'ERDF', amount_eur: '800.00', status: 'secured' }],
  indicators: [],
  risks: [],
  status: 'drafted',
  version: 3,
  created_at: '2026-11-21T10:00:00Z',
  updated_at: '2026-11-21T10:00:00Z',
  updated_by: null,
  ...over,
})

const list = (items: Action[]): ActionList => ({
  items,
  totals: {
    estimated_cost_eur: '1000.00',
    funding_eur: '800.00',
    funding_gap_eur: '200.00',
    by_source: { ERDF: '800.00' },
    by_status: { secured: '800.00', applied: '0.00', potential: '0.00' },
    secured_pct: '100.0',
  },
  timeline: items.map((a) => ({ id: a.id, code: a.code, title: a.title, start_date: a.start_date ?? null, end_date: a.end_date ?? null, status: a.status })),
})

function server(canEdit: boolean, patch: (init: RequestInit) => Response, stages: unknown[] = []) {
  return fakeApi({
    [`GET /plans/${PLAN_ID}/stages`]: () => json(stages),
    'GET /me': () => json(leadCoordinator),
    'GET /notifications?per_page=20': () => json({ items: [], page: 1, per_page: 20, total: 0, unread: 0 }),
    [`GET /cities/${OBIDOS_ID}`]: () => json(city(canEdit)),
    [`GET /cities/${OBIDOS_ID}/plan`]: () => json(plan),
    [`GET /plans/${PLAN_ID}/actions`]: () => json(list([action()])),
    'GET /actions/a1': () => json(action({ title: 'Creative hub (theirs)', version: 4 })),
    'PATCH /actions/a1': patch,
  })
}

describe('the action table', () => {
  it('shows the actions, totals by source and a time line', async () => {
    server(true, () => json(action()))
    renderApp(`/cities/${OBIDOS_ID}/actions`)
    expect(await screen.findByRole('rowheader', { name: 'A1.1' })).toBeTruthy()
    const bySource = screen.getByRole('table', { name: 'Funding by source' })
    expect(within(bySource).getByRole('row', { name: /ERDF/ }).textContent).toMatch(/€800/)
    expect(screen.getByRole('img', { name: /Timeline of actions/ })).toBeTruthy()
  })

  it('puts each server error under its input, by path', async () => {
    const user = userEvent.setup()
    server(true, () =>
      problem(422, 'Invalid input', { errors: [{ field: 'funding[0].amount_eur', message: 'must be more than zero' }] }),
    )
    renderApp(`/cities/${OBIDOS_ID}/actions`)
    await user.click(await screen.findByRole('button', { name: 'Edit A1.1' }))
    await user.click(screen.getByRole('button', { name: 'Save A1.1' }))
    const amount = await screen.findByLabelText('Amount of funding line 1 (EUR)')
    expect(amount.getAttribute('aria-invalid')).toBe('true')
    expect(screen.getAllByText('must be more than zero').length).toBeGreaterThan(0)
  })

  it('explains a 412 and shows the fresh version in the form, sending the version read', async () => {
    const user = userEvent.setup()
    const seen: string[] = []
    server(true, (init) => {
      seen.push(String((init.headers as Record<string, string>)['If-Match']))
      return problem(412, 'Precondition Failed')
    })
    renderApp(`/cities/${OBIDOS_ID}/actions`)
    await user.click(await screen.findByRole('button', { name: 'Edit A1.1' }))
    await user.click(screen.getByRole('button', { name: 'Save A1.1' }))
    expect(await screen.findByText('Someone else changed this action')).toBeTruthy()
    expect(((await screen.findByDisplayValue('Creative hub (theirs)')) as HTMLInputElement).value).toBe('Creative hub (theirs)')
    expect(seen).toEqual(['"3"'])
  })

  it('is read only for those who may not edit', async () => {
    server(false, () => json(action()))
    renderApp(`/cities/${OBIDOS_ID}/actions`)
    expect(await screen.findByRole('rowheader', { name: 'A1.1' })).toBeTruthy()
    expect(screen.getByText('Read only')).toBeTruthy()
    expect(screen.queryByRole('button', { name: 'New action' })).toBeNull()
    expect(screen.queryByRole('button', { name: 'Edit A1.1' })).toBeNull()
  })

  it('says which stage locks the table while it is under review, and offers no changes', async () => {
    server(true, () => json(action()), [{ id: 'st4', key: 'actions', name: 'Planning actions', status: 'submitted' }])
    renderApp(`/cities/${OBIDOS_ID}/actions`)
    expect(await screen.findByText(/part of “Planning actions”, which is submitted/i)).toBeTruthy()
    expect(screen.queryByRole('button', { name: 'New action' })).toBeNull()
  })
})
