import { describe, expect, it } from 'vitest'
import type { CityProgress } from '../api/types.ts'
import { costBars, percent, sortCities, stageSegments } from './dashboard.ts'

describe('stageSegments', () => {
  it('runs each stage from the previous due date', () => {
    const segments = stageSegments(
      [
        { key: 'setup', name: 'Set-up', status: 'approved', phase: 'done', due_on: '2026-10-01' },
        { key: 'understand', name: 'Understand', status: 'open', phase: 'current', due_on: '2026-12-01' },
      ],
      '2026-09-01',
    )
    expect(segments.map((s) => [s.starts_on, s.due_on])).toEqual([
      ['2026-09-01', '2026-10-01'],
      ['2026-10-01', '2026-12-01'],
    ])
  })
})

describe('costBars', () => {
  it('orders sources by amount and scales bars to the largest', () => {
    expect(costBars({ municipal: '1000.00', ERDF: '4000.50', private: '0' })).toEqual([
      { source: 'ERDF', amount: 4000.5, share: 100 },
      { source: 'municipal', amount: 1000, share: (1000 / 4000.5) * 100 },
      { source: 'private', amount: 0, share: 0 },
    ])
  })
})

describe('percent and sortCities', () => {
  it('never divides by zero', () => {
    expect(percent(3, 9)).toBe(33)
    expect(percent(1, 0)).toBe(0)
  })

  it('puts overdue cities first, then those waiting for a decision', () => {
    const city = (name: string, overdue: boolean, waiting: number) =>
      ({ city: { name }, overdue, waiting_decisions: waiting }) as unknown as CityProgress
    const sorted = sortCities([city('Barnsley', false, 0), city('Mizil', false, 1), city('Enguera', true, 0)])
    expect(sorted.map((c) => c.city.name)).toEqual(['Enguera', 'Mizil', 'Barnsley'])
  })
})
