import type {
  Action,
  ActionInput,
  ActionStatus,
  FieldError,
  FundingLine,
  FundingSource,
  FundingStatus,
  Indicator,
  Risk,
  TimelineRow,
} from '../api/types.ts'

export const ACTION_STATUSES: readonly [ActionStatus, string][] = [
  ['idea', 'Idea'],
  ['drafted', 'Drafted'],
  ['validated', 'Validated'],
  ['parked', 'Parked'],
]

/** In the server's order, which is also the order of every funding summary. */
export const FUNDING_SOURCES: readonly [FundingSource, string][] = [
  ['municipal', 'Municipal'],
  ['regional', 'Regional'],
  ['national', 'National'],
  ['ERDF', 'ERDF'],
  ['ESF+', 'ESF+'],
  ['other_eu', 'Other EU'],
  ['private', 'Private'],
  ['other', 'Other'],
]

export const FUNDING_STATUSES: readonly [FundingStatus, string][] = [
  ['secured', 'Secured'],
  ['applied', 'Applied for'],
  ['potential', 'Potential'],
]

export function label<K extends string>(list: readonly (readonly [K, string])[], key: K): string {
  return list.find(([k]) => k === key)?.[1] ?? key
}

export function emptyAction(): ActionInput {
  return {
    code: '',
    title: '',
    description: '',
    objective: '',
    action_type: '',
    lead_organisation: '',
    lead_person: '',
    partners: [],
    start_date: null,
    end_date: null,
    estimated_cost_eur: null,
    funding: [],
    indicators: [],
    risks: [],
    status: 'idea',
  }
}

export const newFundingLine = (): FundingLine => ({ source: 'municipal', amount_eur: '', status: 'potential' })
export const newIndicator = (): Indicator => ({
  name: '',
  kind: 'output',
  baseline: '',
  target: '',
  unit: '',
  source: '',
  frequency: '',
})
export const newRisk = (): Risk => ({ description: '', likelihood: 'M', impact: 'M', mitigation: '', owner: '' })

/** The editable fields of a stored action (drops its bookkeeping). */
export function toInput(a: Action): ActionInput {
  return {
    code: a.code,
    title: a.title,
    description: a.description,
    objective: a.objective,
    action_type: a.action_type,
    lead_organisation: a.lead_organisation,
    lead_person: a.lead_person,
    partners: [...a.partners],
    start_date: a.start_date ?? null,
    end_date: a.end_date ?? null,
    estimated_cost_eur: a.estimated_cost_eur ?? null,
    funding: a.funding.map((f) => ({ ...f })),
    indicators: a.indicators.map((i) => ({ ...i })),
    risks: a.risks.map((r) => ({ ...r })),
    status: a.status,
  }
}

/** Empty optional inputs become `null` (cleared) rather than empty strings the server refuses. */
export function cleanInput(input: ActionInput): ActionInput {
  const blank = (s: string | null | undefined) => (s === undefined || s === null || s.trim() === '' ? null : s.trim())
  return {
    ...input,
    start_date: blank(input.start_date),
    end_date: blank(input.end_date),
    estimated_cost_eur: blank(input.estimated_cost_eur),
    partners: input.partners.map((p) => p.trim()).filter((p) => p !== ''),
  }
}

/** problem+json `errors[]` by field path (`funding[1].amount_eur`); the first message per path. */
export function errorsByField(errors: readonly FieldError[]): Map<string, string> {
  const map = new Map<string, string>()
  for (const e of errors) if (!map.has(e.field)) map.set(e.field, e.message)
  return map
}

/** Errors whose path has no input in the form (shown in the summary instead). */
export function unplacedErrors(errors: Map<string, string>, placed: (field: string) => boolean): [string, string][] {
  return [...errors].filter(([field]) => !placed(field))
}

export interface GanttBar {
  row: TimelineRow
  /** Percent of the span from the left, and width in percent. */
  left: number
  width: number
}

const day = (d: string) => Date.parse(`${d}T00:00:00Z`) / 86_400_000

/** Places the dated rows on a shared scale; undated ones are returned apart ("not yet scheduled"). */
export function ganttLayout(rows: readonly TimelineRow[]): {
  bars: GanttBar[]
  undated: TimelineRow[]
  start?: string
  end?: string
} {
  const dated = rows.filter((r) => r.start_date && r.end_date)
  const undated = rows.filter((r) => !(r.start_date && r.end_date))
  if (dated.length === 0) return { bars: [], undated }
  const start = dated.map((r) => r.start_date as string).reduce((a, b) => (a < b ? a : b))
  const end = dated.map((r) => r.end_date as string).reduce((a, b) => (a > b ? a : b))
  const span = Math.max(1, day(end) - day(start))
  const bars = dated.map((row) => {
    const left = ((day(row.start_date as string) - day(start)) / span) * 100
    const width = Math.max(1, ((day(row.end_date as string) - day(row.start_date as string)) / span) * 100)
    return { row, left, width: Math.min(width, 100 - left) }
  })
  return { bars, undated, start, end }
}
