import { describe, expect, it } from 'vitest'
import { cleanInput, emptyAction, errorsByField, ganttLayout, unplacedErrors } from './actions.ts'

describe('action form helpers', () => {
  it('maps problem+json field paths to their first message', () => {
    const map = errorsByField([
      { field: 'funding[1].amount_eur', message: 'must be a positive amount' },
      { field: 'funding[1].amount_eur', message: 'second' },
      { field: 'code', message: 'is required' },
    ])
    expect(map.get('funding[1].amount_eur')).toBe('must be a positive amount')
    expect(unplacedErrors(map, (f) => f === 'code')).toEqual([['funding[1].amount_eur', 'must be a positive amount']])
  })

  it('sends blank optional fields as null and drops empty partners', () => {
    const input = { ...emptyAction(), start_date: '', estimated_cost_eur: ' ', partners: ['A ', ''] }
    expect(cleanInput(input)).toMatchObject({ start_date: null, estimated_cost_eur: null, partners: ['A'] })
  })

  it('lays dated actions on one scale and keeps undated ones apart', () => {
    const row = (id: string, start_date: string | null, end_date: string | null) =>
      ({ id, code: id, title: id, start_date, end_date, status: 'idea' }) as const
    const { bars, undated, start, end } = ganttLayout([
      row('A1', '2027-01-01', '2027-12-31'),
      row('A2', '2027-07-02', '2027-12-31'),
      row('A3', null, null),
    ])
    expect([start, end]).toEqual(['2027-01-01', '2027-12-31'])
    expect(bars[0]).toMatchObject({ left: 0, width: 100 })
    expect(bars[1]?.left).toBeCloseTo(50, 0)
    expect(undated.map((r) => r.id)).toEqual(['A3'])
  })
})
