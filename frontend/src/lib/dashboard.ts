import type { CityProgress, StageCell } from '../api/types.ts'

export interface Segment {
  key: string
  name: string
  status: string
  phase: string
  starts_on: string
  due_on: string
}

/**
 * A city's stages as consecutive segments of the network's period: each stage runs from the
 * previous one's due date (the network's start for the first) to its own.
 */
export function stageSegments(stages: readonly StageCell[], networkStart: string): Segment[] {
  const segments: Segment[] = []
  let from = networkStart
  for (const s of stages) {
    segments.push({ key: s.key, name: s.name, status: s.status, phase: s.phase, starts_on: from, due_on: s.due_on })
    from = s.due_on
  }
  return segments
}

/** Share of a whole as a whole percentage (0 when there is no whole). */
export function percent(part: number, whole: number): number {
  return whole > 0 ? Math.round((part / whole) * 100) : 0
}

/** Funding sources, largest first, with each one's share of the largest (for bar lengths). */
export function costBars(bySource: Readonly<Record<string, string>>): { source: string; amount: number; share: number }[] {
  const rows = Object.entries(bySource)
    .map(([source, amount]) => ({ source, amount: Number(amount) }))
    .filter((r) => Number.isFinite(r.amount))
    .sort((a, b) => b.amount - a.amount || a.source.localeCompare(b.source))
  const max = rows[0]?.amount ?? 0
  return rows.map((r) => ({ ...r, share: max > 0 ? (r.amount / max) * 100 : 0 }))
}

/** Cities needing attention first: overdue, then waiting for a decision, then by name. */
export function sortCities(cities: readonly CityProgress[]): CityProgress[] {
  return [...cities].sort(
    (a, b) =>
      Number(b.overdue) - Number(a.overdue) ||
      b.waiting_decisions - a.waiting_decisions ||
      a.city.name.localeCompare(b.city.name),
  )
}

const SOURCE_LABELS: Record<string, string> = {
  municipal: 'Municipal',
  regional: 'Regional',
  national: 'National',
  ERDF: 'ERDF',
  'ESF+': 'ESF+',
  other_eu: 'Other EU',
  private: 'Private',
  other: 'Other',
}

export const sourceLabel = (s: string) => SOURCE_LABELS[s] ?? s
