import { describe, expect, it } from 'vitest'
import type { Me, Network } from '../api/types.ts'
import { leadCoordinator, network, NETWORK_ID, OBIDOS_ID } from '../test/fixtures.ts'
import { buildOverview } from './overview.ts'
import { addMonths, formatPlanningPeriod } from './format.ts'

describe('buildOverview', () => {
  it('lists the lead partner first, then the user’s cities, then the others by name, with roles', () => {
    const overview = buildOverview(leadCoordinator, [network], new Map([[NETWORK_ID, network]]))

    expect(overview).toHaveLength(1)
    const [entry] = overview
    expect(entry?.roles).toEqual(['lead_coordinator'])
    expect(entry?.cities.map((c) => c.name)).toEqual(['Óbidos', 'Barnsley', 'Mizil'])
    expect(entry?.cities[0]?.roles).toEqual(['city_coordinator'])
  })

  it('keeps a membership’s network and city even when the network could not be loaded', () => {
    const overview = buildOverview(leadCoordinator, [], new Map())

    expect(overview[0]?.name).toBe(network.name)
    expect(overview[0]?.network).toBeUndefined()
    expect(overview[0]?.cities).toEqual([{ id: OBIDOS_ID, name: 'Óbidos', roles: ['city_coordinator'] }])
  })

  it('puts networks the user takes part in before the others', () => {
    const other: Network = { ...network, id: 'n0', name: 'A network I only read' }
    const me: Me = { ...leadCoordinator }

    const names = buildOverview(me, [other, network], new Map()).map((e) => e.name)

    expect(names).toEqual([network.name, other.name])
  })
})

describe('planning period', () => {
  it('adds months to plain dates, clamping to the month’s end', () => {
    expect(addMonths('2026-09-01', 13)).toBe('2027-10-01')
    expect(addMonths('2026-01-31', 1)).toBe('2026-02-28')
  })

  it('describes the period in words', () => {
    expect(formatPlanningPeriod('2026-09-01', 13)).toBe('13-month planning period, 1 September 2026 – 1 October 2027')
  })
})
