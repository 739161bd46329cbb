import type { StageView } from '../api/types.ts'

/** Words for a stage's workflow status. */
export const STATUS_LABELS: Record<string, string> = {
  open: 'Open',
  submitted: 'Submitted for approval',
  approved: 'Approved',
  returned: 'Returned for changes',
}

/** Words for where a stage stands in time. */
export const PHASE_LABELS: Record<string, string> = {
  upcoming: 'Upcoming',
  current: 'Current',
  overdue: 'Overdue',
  done: 'Done',
}

export const statusLabel = (s: string) => STATUS_LABELS[s] ?? s
export const phaseLabel = (p: string) => PHASE_LABELS[p] ?? p

/** The plan's position on the timeline: its first stage not approved (undefined when all are). */
export function currentStage<T extends Pick<StageView, 'status' | 'position'>>(stages: readonly T[]): T | undefined {
  return [...stages].sort((a, b) => a.position - b.position).find((s) => s.status !== 'approved')
}

/** Days from `from` to `to` (plain ISO dates), negative when `to` is earlier. */
export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000)
}

/**
 * Where dates fall on a timeline from `start` to `end`, as percentages of its width (clamped to
 * 0–100), for drawing bars and a today line.
 */
export function timelineScale(start: string, end: string) {
  const total = Math.max(1, daysBetween(start, end))
  return (date: string) => Math.min(100, Math.max(0, (daysBetween(start, date) / total) * 100))
}

/** Today as a plain ISO date in the user's time zone. */
export function todayIso(now: Date = new Date()): string {
  const y = now.getFullYear()
  const m = String(now.getMonth() + 1).padStart(2, '0')
  const d = String(now.getDate()).padStart(2, '0')
  return `${y}-${m}-${d}`
}
