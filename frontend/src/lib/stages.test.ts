import { describe, expect, it } from 'vitest'
import { currentStage, daysBetween, phaseLabel, statusLabel, timelineScale, todayIso } from './stages.ts'

describe('currentStage', () => {
  it('is the first stage by position that is not approved', () => {
    const stages = [
      { key: 'vision', position: 3, status: 'open' },
      { key: 'setup', position: 1, status: 'approved' },
      { key: 'understand', position: 2, status: 'submitted' },
    ]
    expect(currentStage(stages)?.key).toBe('understand')
  })

  it('is undefined when every stage is approved', () => {
    expect(currentStage([{ position: 1, status: 'approved' }])).toBeUndefined()
  })
})

describe('timelineScale', () => {
  it('places dates as percentages of the period, clamped to its ends', () => {
    const at = timelineScale('2026-01-01', '2026-01-11')
    expect(at('2026-01-01')).toBe(0)
    expect(at('2026-01-06')).toBe(50)
    expect(at('2025-12-01')).toBe(0)
    expect(at('2027-01-01')).toBe(100)
  })
})

describe('dates and labels', () => {
  it('counts days across a DST change without drifting', () => {
    expect(daysBetween('2026-03-28', '2026-03-30')).toBe(2)
    expect(daysBetween('2026-03-30', '2026-03-28')).toBe(-2)
  })

  it('writes today as a plain local date', () => {
    expect(todayIso(new Date(2026, 10, 5, 23, 59))).toBe('2026-11-05')
  })

  it('names statuses and phases in words, and keeps unknown ones readable', () => {
    expect(statusLabel('submitted')).toBe('Submitted for approval')
    expect(phaseLabel('overdue')).toBe('Overdue')
    expect(statusLabel('archived')).toBe('archived')
  })
})
