import type { AuditView } from '../api/index.ts'
import { describeActivity } from '../lib/activity.ts'
import { formatDateTime } from '../lib/format.ts'

/** The latest changes in the city (stage decisions, invitations, new members). */
export function ActivityPanel({ items, stageName }: { items: readonly AuditView[]; stageName: (key: string) => string | undefined }) {
  return (
    <section className="card" aria-labelledby="activity-title">
      <h2 id="activity-title">Recent activity</h2>
      {items.length === 0 ? (
        <p className="meta">Nothing yet.</p>
      ) : (
        <ol className="activity">
          {items.map((a) => (
            <li key={a.id}>
              <span>{describeActivity(a, stageName)}</span>
              <time className="meta small block" dateTime={a.at}>
                {formatDateTime(a.at)}
              </time>
            </li>
          ))}
        </ol>
      )}
    </section>
  )
}
