import { lazy, Suspense, useEffect, useMemo, useState } from 'react'
import { useParams } from 'react-router'
import { api } from '../api/index.ts'
import { useMe } from '../auth/session.ts'
import { CommentsPanel } from '../comments/CommentsPanel.tsx'
import { openQuotes } from '../lib/mentions.ts'
import { CityBreadcrumb } from '../components/CityBreadcrumb.tsx'
import { LoadError, Loading } from '../components/Status.tsx'
import { useLiveEvents } from '../live/LiveContext.ts'
import { lockingStage } from '../lib/locks.ts'
import { statusLabel } from '../lib/stages.ts'
import { useApi } from '../lib/useApi.ts'
import { usePageTitle } from '../lib/usePageTitle.ts'

// TipTap, ProseMirror and Yjs are most of the app's weight: load them only for the editor.
const SectionEditor = lazy(() => import('../editor/SectionEditor.tsx'))

/** `/cities/:cityId/sections/:key`: one section of the plan, edited live with the others. */
export function SectionPage() {
  const { cityId = '', key = '' } = useParams()
  const me = useMe()
  const city = useApi(`city:${cityId}`, (signal) => api.city(cityId, signal))
  const plan = useApi(`plan:${cityId}`, (signal) => api.plan(cityId, signal))
  const summary = plan.status === 'ok' ? plan.data.sections.find((s) => s.key === key) : undefined
  const sectionId = summary?.id ?? ''
  const planId = plan.status === 'ok' ? plan.data.id : ''
  const section = useApi(`section:${sectionId}`, (signal) =>
    sectionId ? api.section(sectionId, signal) : Promise.resolve(null),
  )
  const stages = useApi(`stages:${planId}`, (signal) => (planId ? api.stages(planId, signal) : Promise.resolve(null)))
  usePageTitle(summary ? summary.title : 'Section')
  const comments = useApi(`comments:${sectionId}`, (signal) => (sectionId ? api.comments(sectionId, signal) : Promise.resolve([])))
  const quotes = useMemo(() => (comments.status === 'ok' ? openQuotes(comments.data) : []), [comments])
  const [selectedQuote, clearQuote] = useSelectedQuote()
  useLiveEvents(
    (e) => e.city_id === cityId && e.type.startsWith('comment.'),
    () => comments.reload(),
  )

  // A stage submitted or returned elsewhere changes whether this section is locked.
  useLiveEvents(
    (e) => e.city_id === cityId && (e.type.startsWith('stage.') || e.type === 'plan.changed'),
    () => {
      stages.reload()
      plan.reload()
    },
    () => stages.reload(),
  )

  const lock = stages.status === 'ok' && stages.data ? lockingStage(stages.data, key) : undefined
  const final = plan.status === 'ok' && plan.data.status === 'final'
  const mayEdit = section.status === 'ok' && section.data !== null && section.data.can_edit
  const editable = mayEdit && !lock && !final

  return (
    <>
      <CityBreadcrumb cityId={cityId} cityName={city.status === 'ok' ? city.data.name : undefined} />
      {plan.status === 'loading' && <Loading />}
      {plan.status === 'error' && <LoadError error={plan.error} onRetry={plan.reload} />}
      {plan.status === 'ok' && !summary && (
        <div className="notice notice-error" role="alert">
          <p className="notice-title">Not found</p>
          <p>This plan has no section “{key}”.</p>
        </div>
      )}
      {section.status === 'error' && <LoadError error={section.error} onRetry={section.reload} />}
      {summary && section.status === 'ok' && section.data && (
        <>
          <div className="page-head">
            <p className="eyebrow">Integrated Action Plan · section {summary.position}</p>
            <h1>{summary.title}</h1>
          </div>
          <aside className="guidance" aria-labelledby="guidance-title">
            <h2 id="guidance-title">What to write here</h2>
            <p>{summary.guidance}</p>
          </aside>
          {!editable && (
            <div className="notice notice-info readonly-banner" role="note">
              <p className="notice-title">Read only</p>
              <p>
                {final
                  ? 'The plan is final: it can no longer be changed.'
                  : lock && mayEdit
                    ? `This section is part of “${lock.name}”, which is ${statusLabel(lock.status).toLowerCase()}. It stays locked until the stage is returned or reopened.`
                    : 'You can read this section and see others editing it live, but not change it.'}
              </p>
            </div>
          )}
          <Suspense fallback={<Loading label="Loading the editor…" />}>
            <SectionEditor
              sectionId={section.data.id}
              title={summary.title}
              user={{ id: me.id, name: me.name }}
              editable={editable}
              savedHtml={section.data.html}
              highlights={quotes}
            />
          </Suspense>
          <CommentsPanel
            sectionId={section.data.id}
            cityId={cityId}
            meId={me.id}
            canComment={city.status === 'ok'}
            selectedQuote={selectedQuote}
            onQuoteUsed={clearQuote}
          />
        </>
      )}
    </>
  )
}

/** The text selected inside the section's text (for anchoring a new comment), up to 300 characters. */
function useSelectedQuote(): [string, () => void] {
  const [quote, setQuote] = useState('')
  useEffect(() => {
    const onChange = () => {
      const sel = document.getSelection()
      const node = sel?.anchorNode
      const inText = node && (node.nodeType === 1 ? (node as Element) : node.parentElement)?.closest('.editor-surface')
      // Keep the last quote while the user moves into the comment form.
      if (!inText) return
      setQuote((sel?.toString() ?? '').trim().slice(0, 300))
    }
    document.addEventListener('selectionchange', onChange)
    return () => document.removeEventListener('selectionchange', onChange)
  }, [])
  return [quote, () => setQuote('')]
}
