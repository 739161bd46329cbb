import { useEffect, useRef, useState } from 'react'
import { Link } from 'react-router'
import { api, type Dashboard } from '../api/index.ts'
import { LoadError, Loading } from '../components/Status.tsx'
import { useConnectionStatus, useLiveEvents } from '../live/LiveContext.ts'
import { costBars, percent, sortCities, sourceLabel, stageSegments } from '../lib/dashboard.ts'
import { formatDateTime, formatEuros, formatShortDate } from '../lib/format.ts'
import { phaseLabel, statusLabel, timelineScale } from '../lib/stages.ts'
import { useApi } from '../lib/useApi.ts'

/** Months of the network's period, for the Gantt's header. */
function monthTicks(start: string, end: string): { at: string; label: string }[] {
  const ticks = []
  const [y, m] = start.split('-').map(Number)
  const format = new Intl.DateTimeFormat('en-GB', { month: 'short', timeZone: 'UTC' })
  for (let i = 0; i < 24; i++) {
    const d = new Date(Date.UTC(y ?? 2026, (m ?? 1) - 1 + i, 1))
    const iso = d.toISOString().slice(0, 10)
    if (iso > end) break
    if (iso >= start) ticks.push({ at: iso, label: format.format(d) })
  }
  return ticks
}

function Summary({ data }: { data: Dashboard }) {
  const cities = data.cities.length
  return (
    <dl className="tiles">
      <div className="tile">
        <dt>Partner cities</dt>
        <dd>{cities}</dd>
      </div>
      <div className={`tile ${data.overdue_count > 0 ? 'tile-alert' : ''}`}>
        <dt>Overdue</dt>
        <dd>{data.overdue_count}</dd>
      </div>
      <div className="tile">
        <dt>Submissions waiting</dt>
        <dd>{data.waiting_decisions}</dd>
      </div>
      <div className="tile">
        <dt>Estimated cost</dt>
        <dd>{formatEuros(data.total_cost_eur)}</dd>
      </div>
    </dl>
  )
}

function CitiesTable({ data }: { data: Dashboard }) {
  return (
    <section className="card" aria-labelledby="cities-title">
      <h2 id="cities-title">Cities by stage</h2>
      {/* A scrolling region must be reachable by keyboard to scroll it (WCAG 2.1.1). */}
      {/* oxlint-disable-next-line jsx-a11y/no-noninteractive-tabindex */}
      <div className="table-scroll" role="region" aria-labelledby="cities-title" tabIndex={0}>
        <table className="table dashboard-table">
          <thead>
            <tr>
              <th scope="col">City</th>
              <th scope="col">Current stage</th>
              <th scope="col">Sections written</th>
              <th scope="col">Actions</th>
              <th scope="col">Cost</th>
              <th scope="col">Waiting</th>
              <th scope="col">Last activity</th>
            </tr>
          </thead>
          <tbody>
            {sortCities(data.cities).map((c) => {
              const share = percent(c.sections_written, c.sections_total)
              return (
                <tr key={c.city.id} data-city={c.city.name}>
                  <th scope="row">
                    <Link to={`/cities/${c.city.id}`}>{c.city.name}</Link>
                    {c.city.is_lead_partner && <span className="badge badge-lead small-badge">Lead partner</span>}
                  </th>
                  <td>
                    {c.current_stage ? (
                      <>
                        <span className="stage-name">{c.current_stage.name}</span>{' '}
                        <span className={`badge status-${c.current_stage.status}`}>{statusLabel(c.current_stage.status)}</span>{' '}
                        {c.overdue && <span className="badge phase-overdue">Overdue</span>}
                        <span className="meta small block">due {formatShortDate(c.current_stage.due_on)}</span>
                      </>
                    ) : (
                      <span className="badge status-approved">Plan complete</span>
                    )}
                  </td>
                  <td>
                    <progress className="progress" max={100} value={share} aria-label={`${c.city.name}: sections written`} />
                    <span className="meta small block">
                      {c.sections_written} of {c.sections_total}
                    </span>
                  </td>
                  <td className="num">{c.actions}</td>
                  <td className="num">{formatEuros(c.total_cost_eur)}</td>
                  <td className="num">{c.waiting_decisions > 0 ? <span className="badge status-submitted">{c.waiting_decisions}</span> : 0}</td>
                  <td>{c.last_activity ? formatDateTime(c.last_activity) : '—'}</td>
                </tr>
              )
            })}
          </tbody>
        </table>
      </div>
    </section>
  )
}

const LEGEND = [
  ['status-approved', 'Approved'],
  ['status-submitted', 'Submitted'],
  ['status-returned', 'Returned'],
  ['status-open', 'Open'],
  ['is-overdue', 'Overdue'],
] as const

function Gantt({ data }: { data: Dashboard }) {
  const start = data.network.starts_on
  const end = data.network.ends_on
  const at = timelineScale(start, end)
  const todayAt = data.today >= start && data.today <= end ? at(data.today) : undefined
  const ticks = monthTicks(start, end)
  return (
    <section className="card" aria-labelledby="gantt-title">
      <h2 id="gantt-title">Timeline</h2>
      <p className="meta">
        {formatShortDate(start)} – {formatShortDate(end)} ({data.network.duration_months} months)
      </p>
      <div className="gantt">
        <div className="gantt-row gantt-head" aria-hidden="true">
          <span className="gantt-label" />
          <span className="gantt-track">
            {ticks.map((t) => (
              <span key={t.at} className="gantt-tick" style={{ left: `${at(t.at)}%` }}>
                {t.label}
              </span>
            ))}
          </span>
        </div>
        <ul className="gantt-rows">
          {sortCities(data.cities).map((c) => (
            <li key={c.city.id} className="gantt-row">
              <span className="gantt-label">{c.city.name}</span>
              <span className="gantt-track">
                {stageSegments(c.stages, start).map((s) => (
                  <span
                    key={s.key}
                    className={`gantt-bar status-${s.status}${s.phase === 'overdue' ? ' is-overdue' : ''}`}
                    style={{ left: `${at(s.starts_on)}%`, width: `${Math.max(0.5, at(s.due_on) - at(s.starts_on))}%` }}
                    title={`${s.name}: ${statusLabel(s.status)}, ${phaseLabel(s.phase)}`}
                  >
                    <span className="visually-hidden">
                      {s.name}: {statusLabel(s.status)}, {phaseLabel(s.phase)}, due {formatShortDate(s.due_on)};
                    </span>
                  </span>
                ))}
              </span>
            </li>
          ))}
        </ul>
        {todayAt !== undefined && (
          <span className="gantt-today" style={{ left: `calc(var(--gantt-label) + (100% - var(--gantt-label)) * ${todayAt / 100})` }}>
            <span className="today-label">Today</span>
          </span>
        )}
      </div>
      <ul className="legend" aria-label="Legend">
        {LEGEND.map(([tone, label]) => (
          <li key={tone}>
            <span className={`swatch ${tone}`} aria-hidden="true" /> {label}
          </li>
        ))}
      </ul>
    </section>
  )
}

function StagesAndCost({ data }: { data: Dashboard }) {
  const bars = costBars(data.cost_by_source)
  const perStage = Object.entries(data.cities_per_stage)
  const maxCities = Math.max(1, ...perStage.map(([, n]) => n))
  const names = new Map(data.cities.flatMap((c) => c.stages.map((s) => [s.key, s.name] as const)))
  return (
    <div className="two-col">
      <section className="card" aria-labelledby="per-stage-title">
        <h2 id="per-stage-title">Where the cities are</h2>
        <ul className="bars">
          {perStage.map(([key, n]) => (
            <li key={key}>
              <span className="bar-label">{key === 'done' ? 'Plan complete' : (names.get(key) ?? key)}</span>
              <span className="bar-track">
                <span className="bar-fill" style={{ width: `${(n / maxCities) * 100}%` }} />
              </span>
              <span className="bar-value">
                {n} {n === 1 ? 'city' : 'cities'}
              </span>
            </li>
          ))}
        </ul>
      </section>
      <section className="card" aria-labelledby="cost-title">
        <h2 id="cost-title">Cost by funding source</h2>
        {bars.length === 0 ? (
          <p className="meta">No funding lines yet.</p>
        ) : (
          <ul className="bars">
            {bars.map((b) => (
              <li key={b.source}>
                <span className="bar-label">{sourceLabel(b.source)}</span>
                <span className="bar-track">
                  <span className="bar-fill bar-fill-money" style={{ width: `${b.share}%` }} />
                </span>
                <span className="bar-value">{formatEuros(b.amount)}</span>
              </li>
            ))}
          </ul>
        )}
      </section>
    </div>
  )
}

/** The lead partner's view of the network, kept current by the events socket. */
export function NetworkDashboard({ networkId }: { networkId: string }) {
  const dashboard = useApi(`dashboard:${networkId}`, (signal) => api.dashboard(networkId, signal))
  const status = useConnectionStatus()
  const [updatedAt, setUpdatedAt] = useState<Date | null>(null)
  const pending = useRef<ReturnType<typeof setTimeout> | null>(null)
  const { reload } = dashboard

  // A burst of events (a submission touches several rows) makes one refetch.
  const refetchSoon = () => {
    if (pending.current) clearTimeout(pending.current)
    pending.current = setTimeout(() => {
      pending.current = null
      reload()
      setUpdatedAt(new Date())
    }, 250)
  }
  useEffect(() => () => {
    if (pending.current) clearTimeout(pending.current)
  }, [])
  useLiveEvents((e) => e.network_id === networkId && e.type !== 'presence.changed', refetchSoon, refetchSoon)

  if (dashboard.status === 'loading') return <Loading label="Loading the dashboard…" />
  if (dashboard.status === 'error') return <LoadError error={dashboard.error} onRetry={dashboard.reload} />
  const data = dashboard.data
  return (
    <div className="dashboard">
      <p className="meta live-note" aria-live="polite">
        {status === 'online' ? 'Live' : status === 'connecting' ? 'Connecting to live updates…' : 'Not live: reconnecting'}
        {updatedAt && ` · updated ${formatDateTime(updatedAt.toISOString())}`}
      </p>
      <Summary data={data} />
      <CitiesTable data={data} />
      <Gantt data={data} />
      <StagesAndCost data={data} />
    </div>
  )
}
