import { useState } from 'react'
import type { PlanDiff, SectionDiff } from '../api/types.ts'

function fmt(value: unknown): string {
  if (value === null || value === undefined) return '–'
  if (typeof value === 'string') return value === '' ? '(empty)' : value
  return JSON.stringify(value)
}

const CHANGE_LABELS = { modified: 'Changed', added: 'Added', removed: 'Removed', unchanged: 'Unchanged' } as const

/** A changed section, by words (default) or by lines. */
function SectionChanges({ s }: { s: SectionDiff }) {
  const [byLine, setByLine] = useState(false)
  const headingId = `diff-section-${s.key}`
  const ins = s.lines.filter((l) => l.op === 'insert').length
  const del = s.lines.filter((l) => l.op === 'delete').length
  return (
    <section className="card diff-section" aria-labelledby={headingId}>
      <h3 id={headingId}>
        {s.title} <span className="meta">· {CHANGE_LABELS[s.change]}</span>
      </h3>
      {s.old_title && <p className="meta">Was titled “{s.old_title}”.</p>}
      <p className="meta">
        {ins} line{ins === 1 ? '' : 's'} added, {del} removed.{' '}
        <button type="button" className="button button-link" aria-pressed={byLine} onClick={() => setByLine(!byLine)}>
          {byLine ? 'Show word changes' : 'Show line changes'}
        </button>
      </p>
      {byLine ? (
        <div>
          {s.lines.map((l, i) => (
            <p key={i} className={`diff-line diff-${l.op}`}>
              <span className="visually-hidden">{l.op === 'insert' ? 'Added: ' : l.op === 'delete' ? 'Removed: ' : ''}</span>
              {l.op === 'insert' ? '+ ' : l.op === 'delete' ? '− ' : '  '}
              {l.text}
            </p>
          ))}
        </div>
      ) : (
        <p className="diff-words">
          {s.words.map((w, i) =>
            w.op === 'insert' ? (
              <ins key={i} className="diff-word">
                {w.text}
              </ins>
            ) : w.op === 'delete' ? (
              <del key={i} className="diff-word">
                {w.text}
              </del>
            ) : (
              <span key={i}>{w.text}</span>
            ),
          )}
        </p>
      )}
    </section>
  )
}

/** Everything that changed between two sides: sections first, then actions field by field. */
export function DiffView({ diff }: { diff: PlanDiff }) {
  const changed = diff.sections.filter((s) => s.changed)
  const a = diff.actions
  const nothing = changed.length === 0 && a.added.length === 0 && a.removed.length === 0 && a.changed.length === 0
  return (
    <div className="diff" aria-live="polite">
      {nothing && <p>No changes.</p>}
      {changed.length > 0 && <h2>Sections</h2>}
      {changed.map((s) => (
        <SectionChanges key={s.key} s={s} />
      ))}
      {!nothing && (a.added.length > 0 || a.removed.length > 0 || a.changed.length > 0) && (
        <section className="card" aria-labelledby="diff-actions-title">
          <h2 id="diff-actions-title">Actions</h2>
          {a.added.length > 0 && (
            <p>
              <strong>Added:</strong> {a.added.map((x) => `${x.code} ${x.title}`).join(', ')}
            </p>
          )}
          {a.removed.length > 0 && (
            <p>
              <strong>Removed:</strong> {a.removed.map((x) => `${x.code} ${x.title}`).join(', ')}
            </p>
          )}
          {a.changed.map((c) => (
            <div key={c.id} className="table-scroll">
              <table className="table">
                <caption>
                  {c.code} {c.title}
                </caption>
                <thead>
                  <tr>
                    <th scope="col">Field</th>
                    <th scope="col">Before</th>
                    <th scope="col">After</th>
                  </tr>
                </thead>
                <tbody>
                  {c.fields.map((f) => (
                    <tr key={f.field}>
                      <th scope="row">{f.field}</th>
                      <td>
                        <del className="diff-word">{fmt(f.old)}</del>
                      </td>
                      <td>
                        <ins className="diff-word">{fmt(f.new)}</ins>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ))}
        </section>
      )}
    </div>
  )
}
