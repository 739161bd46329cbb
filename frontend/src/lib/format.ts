import type { IsoDate } from '../api/types.ts'

const dateFormat = new Intl.DateTimeFormat('en-GB', {
  day: 'numeric',
  month: 'long',
  year: 'numeric',
  timeZone: 'UTC',
})

/** Parses a plain ISO date as a UTC midnight, so it never shifts by a day across time zones. */
function parsePlainDate(date: IsoDate): Date | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date)
  if (!m) return undefined
  return new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])))
}

/** `2026-09-01` → `1 September 2026` (plain dates stay plain: no time zone). */
export function formatPlainDate(date: IsoDate): string {
  const d = parsePlainDate(date)
  return d ? dateFormat.format(d) : date
}

/** The plain date `months` after `date` (day clamped to the month's end). */
export function addMonths(date: IsoDate, months: number): IsoDate | undefined {
  const d = parsePlainDate(date)
  if (!d) return undefined
  const day = d.getUTCDate()
  const target = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + months, 1))
  const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate()
  target.setUTCDate(Math.min(day, lastDay))
  return target.toISOString().slice(0, 10)
}

/** `13-month planning period, 1 September 2026 – 1 October 2027`. */
export function formatPlanningPeriod(startsOn: IsoDate, durationMonths: number): string {
  const end = addMonths(startsOn, durationMonths)
  const range = end ? `${formatPlainDate(startsOn)} – ${formatPlainDate(end)}` : `from ${formatPlainDate(startsOn)}`
  return `${durationMonths}-month planning period, ${range}`
}

const regionNames = new Intl.DisplayNames(['en'], { type: 'region' })

/** ISO 3166-1 alpha-2 → English country name (`PT` → `Portugal`); unknown codes stay as given. */
export function countryName(code: string): string {
  if (!/^[A-Za-z]{2}$/.test(code)) return code
  try {
    return regionNames.of(code.toUpperCase()) ?? code
  } catch {
    return code
  }
}

/** A wait in words: `45 seconds`, `1 minute`, `3 minutes`. */
export function formatWait(seconds: number): string {
  if (seconds < 60) return seconds === 1 ? '1 second' : `${seconds} seconds`
  const minutes = Math.ceil(seconds / 60)
  return minutes === 1 ? '1 minute' : `${minutes} minutes`
}

const dateTimeFormat = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' })

/** A UTC timestamp in the user's time zone: `21 Nov, 10:04`. */
export function formatDateTime(at: string): string {
  const d = new Date(at)
  return Number.isNaN(d.getTime()) ? at : dateTimeFormat.format(d)
}

const shortDate = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' })

/** `2026-09-01` → `1 Sept 2026`. */
export function formatShortDate(date: string): string {
  const d = parsePlainDate(date)
  return d ? shortDate.format(d) : date
}

const euro = new Intl.NumberFormat('en-GB', { style: 'currency', currency: 'EUR', maximumFractionDigits: 0 })

/** An exact decimal string from the API (`"12500.50"`) as euros for reading. */
export function formatEuros(amount: string | number): string {
  const n = typeof amount === 'number' ? amount : Number(amount)
  return Number.isFinite(n) ? euro.format(n) : String(amount)
}
