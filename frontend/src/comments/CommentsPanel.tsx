import { useState } from 'react'
import { api, isApiError, type Comment } from '../api/index.ts'
import { LoadError, Loading } from '../components/Status.tsx'
import { useLiveEvents } from '../live/LiveContext.ts'
import { formatDateTime } from '../lib/format.ts'
import { mentionedIds, uniquePeople, type Person } from '../lib/mentions.ts'
import { useApi } from '../lib/useApi.ts'
import { MentionTextarea } from './MentionTextarea.tsx'

/** A new comment or a reply: body with @mentions, optionally anchored to a quote. */
function Composer({
  label,
  people,
  quote,
  submitLabel,
  onSend,
  onCancel,
}: {
  label: string
  people: readonly Person[]
  quote?: string | undefined
  submitLabel: string
  onSend: (body: string, mentions: string[]) => Promise<void>
  onCancel?: () => void
}) {
  const [body, setBody] = useState('')
  const [picked, setPicked] = useState<Person[]>([])
  const [error, setError] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)
  return (
    <form
      className="composer"
      onSubmit={(e) => {
        e.preventDefault()
        setBusy(true)
        setError(null)
        onSend(body, mentionedIds(body, picked))
          .then(() => {
            setBody('')
            setPicked([])
          })
          .catch((err: unknown) => setError(isApiError(err) ? (err.errors[0]?.message ?? err.detail ?? err.title) : String(err)))
          .finally(() => setBusy(false))
      }}
    >
      {quote && (
        <p className="meta">
          On “<span className="comment-quote">{quote}</span>”
        </p>
      )}
      <MentionTextarea label={label} value={body} onChange={setBody} people={people} onPick={(p) => setPicked((ps) => [...ps, p])} />
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
      <div className="form-actions">
        <button type="submit" className="button button-primary" disabled={busy || body.trim() === ''}>
          {submitLabel}
        </button>
        {onCancel && (
          <button type="button" className="button button-secondary" onClick={onCancel}>
            Cancel
          </button>
        )}
      </div>
    </form>
  )
}

function CommentBody({ c, meId, onChanged }: { c: Comment; meId: string; onChanged: () => void }) {
  const [editing, setEditing] = useState(false)
  const [text, setText] = useState(c.body)
  const mine = c.author_id === meId && !c.removed
  return (
    <div className="comment-body">
      <p className="meta">
        <strong>{c.author_name}</strong> · {formatDateTime(c.created_at)}
        {c.edited_at && ' · edited'}
      </p>
      {editing ? (
        <form
          onSubmit={(e) => {
            e.preventDefault()
            void api.editComment(c.id, text).then(() => {
              setEditing(false)
              onChanged()
            })
          }}
        >
          <div className="field">
            <label htmlFor={`edit-${c.id}`}>Edit your comment</label>
            <textarea id={`edit-${c.id}`} rows={3} value={text} onChange={(e) => setText(e.target.value)} />
          </div>
          <button type="submit" className="button button-primary">
            Save
          </button>{' '}
          <button type="button" className="button button-secondary" onClick={() => setEditing(false)}>
            Cancel
          </button>
        </form>
      ) : (
        <p>{c.removed ? <em>Comment deleted.</em> : c.body}</p>
      )}
      {mine && !editing && (
        <p>
          <button type="button" className="button button-link" onClick={() => setEditing(true)}>
            Edit
          </button>
          <button
            type="button"
            className="button button-link"
            onClick={() => {
              if (window.confirm('Delete this comment?')) void api.deleteComment(c.id).then(onChanged)
            }}
          >
            Delete
          </button>
        </p>
      )}
    </div>
  )
}

/**
 * The section's comment threads: new ones (on the selected text when there is a selection),
 * replies, resolve and reopen, edit and delete one's own; refreshed live.
 */
export function CommentsPanel({
  sectionId,
  cityId,
  meId,
  canComment,
  selectedQuote,
  onQuoteUsed,
}: {
  sectionId: string
  cityId: string
  meId: string
  canComment: boolean
  selectedQuote: string
  /** Called after a thread was anchored to the selected text (so the next one is not). */
  onQuoteUsed: () => void
}) {
  const comments = useApi(`comments:${sectionId}`, (signal) => api.comments(sectionId, signal))
  const members = useApi(`members:${cityId}`, (signal) => api.members(cityId, signal))
  const [replyTo, setReplyTo] = useState<string | null>(null)
  const [showResolved, setShowResolved] = useState(false)
  useLiveEvents(
    (e) => e.city_id === cityId && e.type.startsWith('comment.'),
    () => comments.reload(),
    () => comments.reload(),
  )
  const people = members.status === 'ok' ? uniquePeople(members.data.map((m) => ({ id: m.user_id, name: m.name }))) : []
  const all = comments.status === 'ok' ? comments.data : []
  const threads = all.filter((c) => !c.parent_id)
  const shown = threads.filter((t) => showResolved || !t.resolved_at)
  const resolvedCount = threads.length - threads.filter((t) => !t.resolved_at).length

  return (
    <aside className="card comments-panel" aria-labelledby="comments-title">
      <h2 id="comments-title">Comments</h2>
      {comments.status === 'loading' && <Loading />}
      {comments.status === 'error' && <LoadError error={comments.error} onRetry={comments.reload} />}
      {canComment && (
        <Composer
          label={selectedQuote ? 'Comment on the selected text' : 'New comment'}
          people={people}
          quote={selectedQuote || undefined}
          submitLabel="Comment"
          onSend={async (body, mentions) => {
            await api.comment(sectionId, { body, mentions, ...(selectedQuote ? { anchor: { quote: selectedQuote } } : {}) })
            if (selectedQuote) onQuoteUsed()
            comments.reload()
          }}
        />
      )}
      {resolvedCount > 0 && (
        <label className="checkbox">
          <input type="checkbox" checked={showResolved} onChange={(e) => setShowResolved(e.target.checked)} /> Show {resolvedCount} resolved
        </label>
      )}
      {comments.status === 'ok' && shown.length === 0 && <p className="meta">No open comments.</p>}
      <ul className="comment-threads">
        {shown.map((t) => (
          <li key={t.id} className={`comment${t.resolved_at ? ' is-resolved' : ''}`}>
            {t.anchor && (
              <p className="meta">
                On “<span className="comment-quote">{t.anchor.quote}</span>”
              </p>
            )}
            <CommentBody c={t} meId={meId} onChanged={comments.reload} />
            <ul className="comment-replies">
              {all
                .filter((r) => r.parent_id === t.id)
                .map((r) => (
                  <li key={r.id} className="comment">
                    <CommentBody c={r} meId={meId} onChanged={comments.reload} />
                  </li>
                ))}
            </ul>
            {canComment && (
              <p>
                <button type="button" className="button button-link" onClick={() => setReplyTo(replyTo === t.id ? null : t.id)}>
                  Reply
                </button>
                <button
                  type="button"
                  className="button button-link"
                  onClick={() => void (t.resolved_at ? api.reopenComment(t.id) : api.resolveComment(t.id)).then(comments.reload)}
                >
                  {t.resolved_at ? 'Reopen' : 'Resolve'}
                </button>
              </p>
            )}
            {replyTo === t.id && (
              <Composer
                label="Your reply"
                people={people}
                submitLabel="Reply"
                onCancel={() => setReplyTo(null)}
                onSend={async (body, mentions) => {
                  await api.comment(sectionId, { body, mentions, parent_id: t.id })
                  setReplyTo(null)
                  comments.reload()
                }}
              />
            )}
          </li>
        ))}
      </ul>
    </aside>
  )
}
