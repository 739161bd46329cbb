import { Link } from 'react-router'
import type { SectionSummary } from '../api/index.ts'
import { formatDateTime } from '../lib/format.ts'

/** The plan's sections in template order, each written or still empty, and who is in it now. */
export function SectionsList({
  cityId,
  sections,
  editing,
}: {
  cityId: string
  sections: readonly SectionSummary[]
  /** Section id → names of the people in it right now. */
  editing: ReadonlyMap<string, readonly string[]>
}) {
  const written = sections.filter((s) => s.written).length
  return (
    <section className="card" aria-labelledby="sections-title">
      <h2 id="sections-title">Plan sections</h2>
      <p className="meta">
        {written} of {sections.length} written
      </p>
      <progress className="progress" max={sections.length} value={written} aria-label="Sections written" />
      <ol className="section-list">
        {[...sections]
          .sort((a, b) => a.position - b.position)
          .map((s) => {
            const people = editing.get(s.id) ?? []
            return (
              <li key={s.id} className="section-item">
                <div>
                  <Link to={`/cities/${cityId}/sections/${s.key}`} className="section-link">
                    {s.title}
                  </Link>
                  <p className="section-guidance">{s.guidance}</p>
                </div>
                <div className="section-state">
                  <span className={`badge ${s.written ? 'badge-ok' : 'badge-empty'}`}>{s.written ? 'Written' : 'Empty'}</span>
                  {s.written && <span className="meta small">Updated {formatDateTime(s.updated_at)}</span>}
                  {people.length > 0 && (
                    <span className="editing">
                      <span className="dot" aria-hidden="true" /> {people.join(', ')} editing now
                    </span>
                  )}
                </div>
              </li>
            )
          })}
      </ol>
    </section>
  )
}
