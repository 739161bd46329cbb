import type { TimelineRow } from '../api/types.ts'
import { ACTION_STATUSES, ganttLayout, label } from '../lib/actions.ts'
import { formatShortDate } from '../lib/format.ts'

const ROW = 26
const LABEL = 140
const WIDTH = 720

/** The actions on a time line (SVG); undated actions are listed under it. */
export function ActionsGantt({ rows }: { rows: TimelineRow[] }) {
  const { bars, undated, start, end } = ganttLayout(rows)
  const track = WIDTH - LABEL
  return (
    <section className="card" aria-labelledby="actions-gantt-title">
      <h2 id="actions-gantt-title">Timeline of actions</h2>
      {start && end && (
        <p className="meta">
          {formatShortDate(start)} – {formatShortDate(end)}
        </p>
      )}
      {bars.length > 0 && (
        <svg
          className="actions-gantt"
          viewBox={`0 0 ${WIDTH} ${bars.length * ROW + 4}`}
          role="img"
          aria-labelledby="actions-gantt-title actions-gantt-desc"
        >
          <desc id="actions-gantt-desc">
            {bars
              .map((b) => `${b.row.code} ${b.row.title}: ${formatShortDate(b.row.start_date ?? '')} to ${formatShortDate(b.row.end_date ?? '')}`)
              .join('; ')}
          </desc>
          {bars.map((b, i) => (
            <g key={b.row.id} transform={`translate(0 ${i * ROW + 2})`}>
              <text x={0} y={ROW / 2 + 4} className="gantt-svg-label">
                {b.row.code} {b.row.title.length > 14 ? `${b.row.title.slice(0, 13)}…` : b.row.title}
              </text>
              <rect x={LABEL} y={3} width={track} height={ROW - 8} className="gantt-svg-track" rx={4} />
              <rect
                x={LABEL + (b.left / 100) * track}
                y={3}
                width={(b.width / 100) * track}
                height={ROW - 8}
                rx={4}
                className={`gantt-svg-bar action-${b.row.status}`}
              >
                <title>
                  {b.row.code}: {label(ACTION_STATUSES, b.row.status)}
                </title>
              </rect>
            </g>
          ))}
        </svg>
      )}
      {undated.length > 0 && (
        <p className="meta">Not yet scheduled: {undated.map((r) => r.code).join(', ')}</p>
      )}
      {rows.length === 0 && <p className="meta">No actions yet.</p>}
    </section>
  )
}
