import { useId, useState, type FormEvent } from 'react'
import { api, type ApiError, type HistoryEntry, type StageTransition, type StageView } from '../api/index.ts'
import { ErrorNotice } from '../components/ErrorNotice.tsx'
import { toApiError } from '../lib/errors.ts'
import { formatDateTime, formatShortDate } from '../lib/format.ts'
import { currentStage, phaseLabel, statusLabel, timelineScale, todayIso } from '../lib/stages.ts'

const ACTION_LABELS: Record<StageTransition, string> = {
  submit: 'Submit for approval',
  approve: 'Approve',
  return: 'Return for changes',
  reopen: 'Reopen',
}

/** Return and reopen must say why; submit and approve may. */
const NOTE_REQUIRED: Record<StageTransition, boolean> = { submit: false, approve: false, return: true, reopen: true }

/** The stages along the network's months, with a today line. */
export function StageTimeline({ stages, today = todayIso() }: { stages: readonly StageView[]; today?: string }) {
  if (stages.length === 0) return null
  const sorted = [...stages].sort((a, b) => a.position - b.position)
  const start = sorted[0]?.starts_on ?? today
  const end = sorted.reduce((last, s) => (s.due_on > last ? s.due_on : last), start)
  const at = timelineScale(start, end)
  const todayAt = today >= start && today <= end ? at(today) : undefined
  return (
    <figure className="timeline" aria-labelledby="timeline-caption">
      <figcaption id="timeline-caption" className="visually-hidden">
        Timeline of the stages from {formatShortDate(start)} to {formatShortDate(end)}
      </figcaption>
      <ol className="timeline-rows">
        {sorted.map((s) => (
          <li key={s.id} className="timeline-row">
            <span className="timeline-label">{s.name}</span>
            <span className="timeline-track">
              <span
                className={`timeline-bar phase-${s.phase}`}
                style={{ left: `${at(s.starts_on)}%`, width: `${Math.max(1, at(s.due_on) - at(s.starts_on))}%` }}
              >
                <span className="visually-hidden">
                  {formatShortDate(s.starts_on)} to {formatShortDate(s.due_on)}, {phaseLabel(s.phase)}
                </span>
              </span>
            </span>
          </li>
        ))}
      </ol>
      {todayAt !== undefined && (
        <span className="today-line" style={{ left: `calc(var(--timeline-label) + (100% - var(--timeline-label)) * ${todayAt / 100})` }}>
          <span className="today-label">Today</span>
        </span>
      )}
    </figure>
  )
}

function TransitionForm({
  stage,
  action,
  onDone,
  onCancel,
}: {
  stage: StageView
  action: StageTransition
  onDone: (stages: StageView[]) => void
  onCancel: () => void
}) {
  const noteId = useId()
  const [note, setNote] = useState('')
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<ApiError | null>(null)
  const required = NOTE_REQUIRED[action]

  const submit = async (event: FormEvent) => {
    event.preventDefault()
    setBusy(true)
    setError(null)
    try {
      onDone(await api.transition(stage.id, action, note.trim() || undefined))
    } catch (e) {
      setError(toApiError(e))
      setBusy(false)
    }
  }

  return (
    <form className="transition-form" onSubmit={submit} aria-label={`${ACTION_LABELS[action]}: ${stage.name}`}>
      <label htmlFor={noteId}>
        Note {required ? '(required: say what needs to change)' : '(optional)'}
      </label>
      <textarea
        id={noteId}
        value={note}
        onChange={(e) => setNote(e.target.value)}
        required={required}
        rows={3}
        aria-invalid={error?.fieldError('note') ? true : undefined}
        // The form opens on a click: put the user where they type.
        // oxlint-disable-next-line jsx-a11y/no-autofocus
        autoFocus
      />
      {error && <ErrorNotice error={error} />}
      <div className="form-actions">
        <button type="submit" className="button button-primary" disabled={busy || (required && note.trim() === '')}>
          {busy ? 'Sending…' : ACTION_LABELS[action]}
        </button>
        <button type="button" className="button button-secondary" onClick={onCancel} disabled={busy}>
          Cancel
        </button>
      </div>
    </form>
  )
}

/** A stage's transitions (who moved it, when, with which note), loaded when first opened. */
function StageHistory({ stage }: { stage: StageView }) {
  const [entries, setEntries] = useState<HistoryEntry[] | null>(null)
  const [error, setError] = useState<ApiError | null>(null)
  const load = (open: boolean) => {
    if (!open || entries) return
    api.stageHistory(stage.id).then(setEntries, (e: unknown) => setError(toApiError(e)))
  }
  return (
    <details className="history" onToggle={(e) => load(e.currentTarget.open)}>
      <summary>History</summary>
      {error && <ErrorNotice error={error} />}
      {entries && entries.length === 0 && <p className="meta small">No changes yet.</p>}
      {entries && entries.length > 0 && (
        <ol className="activity">
          {entries.map((h) => (
            <li key={`${h.at}-${h.to}`}>
              {h.by_name}: {statusLabel(h.from)} → {statusLabel(h.to)}
              {h.note && <q className="block">{h.note}</q>}
              <time className="meta small block" dateTime={h.at}>
                {formatDateTime(h.at)}
              </time>
            </li>
          ))}
        </ol>
      )}
    </details>
  )
}

function StageCard({ stage, isCurrent, onChanged }: { stage: StageView; isCurrent: boolean; onChanged: (s: StageView[]) => void }) {
  const [action, setAction] = useState<StageTransition | null>(null)
  const allowed = (['submit', 'approve', 'return', 'reopen'] as const).filter((a) => stage[`can_${a}`])
  const missing = stage.checks.filter((c) => !c.ok)
  const headingId = useId()
  return (
    <li className={`stage ${isCurrent ? 'stage-current' : ''}`} aria-labelledby={headingId}>
      <div className="stage-head">
        <h3 id={headingId}>
          {stage.position}. {stage.name}
          {isCurrent && <span className="visually-hidden"> (where the plan stands now)</span>}
        </h3>
        <span className={`badge status-${stage.status}`}>{statusLabel(stage.status)}</span>
        <span className={`badge phase-${stage.phase}`}>{phaseLabel(stage.phase)}</span>
      </div>
      <p className="meta">
        {formatShortDate(stage.starts_on)} – due {formatShortDate(stage.due_on)} · approved by{' '}
        {stage.approver === 'lead_partner' ? 'the lead partner' : 'the city coordinator'}
      </p>
      {stage.checks.length > 0 && stage.status !== 'approved' && (
        <ul className="checks" aria-label={`Gate checks for ${stage.name}`}>
          {stage.checks.map((c) => (
            <li key={c.rule} className={c.ok ? 'check-ok' : 'check-missing'}>
              <span aria-hidden="true">{c.ok ? '✓' : '✗'}</span>
              <span className="visually-hidden">{c.ok ? 'Done: ' : 'Missing: '}</span> {c.message}
            </li>
          ))}
        </ul>
      )}
      {allowed.length > 0 && action === null && (
        <div className="stage-actions">
          {allowed.map((a) => (
            <button
              key={a}
              type="button"
              className={a === 'return' || a === 'reopen' ? 'button button-secondary' : 'button button-primary'}
              onClick={() => setAction(a)}
              aria-describedby={a === 'submit' && missing.length > 0 ? `${headingId}-missing` : undefined}
            >
              {ACTION_LABELS[a]}
            </button>
          ))}
          {allowed.includes('submit') && missing.length > 0 && (
            <p id={`${headingId}-missing`} className="meta small">
              {missing.length} gate check{missing.length === 1 ? '' : 's'} still missing
            </p>
          )}
        </div>
      )}
      {(stage.status !== 'open' || stage.decided_at) && <StageHistory key={`${stage.status}-${stage.submitted_at ?? ''}`} stage={stage} />}
      {action && (
        <TransitionForm
          stage={stage}
          action={action}
          onCancel={() => setAction(null)}
          onDone={(s) => {
            setAction(null)
            onChanged(s)
          }}
        />
      )}
    </li>
  )
}

/** The plan's stages: the timeline, each stage's dates, phase, gate checks and the allowed actions. */
export function StagesPanel({ stages, onChanged }: { stages: readonly StageView[]; onChanged: (s: StageView[]) => void }) {
  const current = currentStage(stages)
  return (
    <section className="card" aria-labelledby="stages-title">
      <h2 id="stages-title">Stages</h2>
      <p className="meta">
        {current ? (
          <>
            Now at <strong>{current.name}</strong>, due {formatShortDate(current.due_on)}
          </>
        ) : (
          'Every stage is approved.'
        )}
      </p>
      <StageTimeline stages={stages} />
      <ol className="stage-list">
        {[...stages]
          .sort((a, b) => a.position - b.position)
          .map((s) => (
            <StageCard key={s.id} stage={s} isCurrent={s.id === current?.id} onChanged={onChanged} />
          ))}
      </ol>
    </section>
  )
}
