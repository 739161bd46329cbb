import { useState } from 'react'
import { useParams } from 'react-router'
import { api, isApiError, type Action, type ActionInput, type ActionList } from '../api/index.ts'
import { ActionForm } from '../actions/ActionForm.tsx'
import { ActionsGantt } from '../actions/ActionsGantt.tsx'
import { CityBreadcrumb } from '../components/CityBreadcrumb.tsx'
import { LoadError, Loading } from '../components/Status.tsx'
import { useLiveEvents } from '../live/LiveContext.ts'
import {
  ACTION_STATUSES,
  FUNDING_SOURCES,
  FUNDING_STATUSES,
  cleanInput,
  emptyAction,
  errorsByField,
  label,
  toInput,
} from '../lib/actions.ts'
import { formatEuros } from '../lib/format.ts'
import { actionsLockingStage } from '../lib/locks.ts'
import { statusLabel } from '../lib/stages.ts'
import { useApi } from '../lib/useApi.ts'
import { usePageTitle } from '../lib/usePageTitle.ts'

const NONE = Promise.resolve(null)

type Editing = { mode: 'create' } | { mode: 'edit'; action: Action } | null

/** A write the server refused as a whole (not field by field): said above the form. */
interface Refusal {
  status: number
  title: string
  detail: string
}

/** A two-column table of labelled amounts. */
function AmountTable({ caption, head, rows }: { caption: string; head: string; rows: [string, string][] }) {
  return (
    <table className="table" aria-label={caption}>
      <thead>
        <tr>
          <th scope="col">{head}</th>
          <th scope="col" className="num">
            Amount
          </th>
        </tr>
      </thead>
      <tbody>
        {rows.map(([name, amount]) => (
          <tr key={name}>
            <th scope="row">{name}</th>
            <td className="num">{formatEuros(amount)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}

function Totals({ data }: { data: ActionList }) {
  const t = data.totals
  return (
    <section className="card" aria-labelledby="totals-title">
      <h2 id="totals-title">Totals</h2>
      <dl className="tiles">
        <div>
          <dt>Estimated cost</dt>
          <dd>{formatEuros(t.estimated_cost_eur)}</dd>
        </div>
        <div>
          <dt>Funding</dt>
          <dd>{formatEuros(t.funding_eur)}</dd>
        </div>
        <div>
          <dt>Funding gap</dt>
          <dd>{formatEuros(t.funding_gap_eur)}</dd>
        </div>
        <div>
          <dt>Secured</dt>
          <dd>{t.secured_pct ? `${t.secured_pct}%` : '–'}</dd>
        </div>
      </dl>
      <div className="totals-tables">
        <AmountTable
          caption="Funding by source"
          head="Source"
          rows={FUNDING_SOURCES.filter(([k]) => t.by_source[k] !== undefined).map(([k, l]) => [l, t.by_source[k] ?? '0'])}
        />
        <AmountTable caption="Funding by status" head="Status" rows={FUNDING_STATUSES.map(([k, l]) => [l, t.by_status[k]])} />
      </div>
    </section>
  )
}

/** `/cities/:cityId/actions`: the plan's action table, its totals and time line. */
export function ActionsPage() {
  const { cityId = '' } = useParams()
  const city = useApi(`city:${cityId}`, (signal) => api.city(cityId, signal))
  const plan = useApi(`plan:${cityId}`, (signal) => api.plan(cityId, signal))
  const planId = plan.status === 'ok' ? plan.data.id : ''
  const list = useApi(`actions:${planId}`, (signal) => (planId ? api.actions(planId, signal) : NONE))
  const stages = useApi(`stages:${planId}`, (signal) => (planId ? api.stages(planId, signal) : NONE))
  const [editing, setEditing] = useState<Editing>(null)
  const [formKey, setFormKey] = useState(0)
  const [errors, setErrors] = useState(new Map<string, string>())
  const [refusal, setRefusal] = useState<Refusal | null>(null)
  const [busy, setBusy] = useState(false)
  usePageTitle(city.status === 'ok' ? `Actions · ${city.data.name}` : 'Actions')

  useLiveEvents(
    (e) => e.city_id === cityId && (e.type === 'action.changed' || e.type.startsWith('stage.')),
    () => {
      list.reload()
      stages.reload()
    },
    () => {
      list.reload()
      stages.reload()
    },
  )

  const lock = stages.status === 'ok' && stages.data ? actionsLockingStage(stages.data) : undefined
  const final = plan.status === 'ok' && plan.data.status === 'final'
  const mayEdit = city.status === 'ok' && city.data.can_edit
  const canEdit = mayEdit && !lock && !final

  const open = (next: Editing) => {
    setEditing(next)
    setErrors(new Map())
    setRefusal(null)
    setFormKey((k) => k + 1)
  }

  const save = async (input: ActionInput) => {
    if (!editing) return
    setBusy(true)
    setRefusal(null)
    try {
      const body = cleanInput(input)
      if (editing.mode === 'create') await api.createAction(planId, body)
      else await api.updateAction(editing.action.id, editing.action.version, body)
      setEditing(null)
      setErrors(new Map())
      list.reload()
    } catch (e) {
      if (!isApiError(e)) throw e
      setErrors(errorsByField(e.errors))
      if (e.status === 412 && editing.mode === 'edit') {
        // Someone saved this action since it was opened: show theirs, keep nothing stale.
        const fresh = await api.action(editing.action.id).catch(() => null)
        setRefusal({
          status: 412,
          title: 'Someone else changed this action',
          detail: fresh
            ? `${fresh.code} was saved by someone else while you were editing. The form now shows their version; make your changes again and save.`
            : 'It may have been deleted. Reload the table.',
        })
        if (fresh) {
          setEditing({ mode: 'edit', action: fresh })
          setFormKey((k) => k + 1)
        }
        list.reload()
      } else if (e.status === 423) {
        setRefusal({ status: 423, title: 'The action table is locked', detail: e.detail ?? e.title })
      } else if (e.errors.length === 0) {
        setRefusal({ status: e.status, title: e.title, detail: e.detail ?? '' })
      } else {
        setRefusal({ status: e.status, title: 'Please correct the highlighted fields', detail: e.errors.map((x) => `${x.field}: ${x.message}`).join('; ') })
      }
    } finally {
      setBusy(false)
    }
  }

  const remove = async (a: Action) => {
    if (!window.confirm(`Delete action ${a.code}?`)) return
    try {
      await api.deleteAction(a.id, a.version)
    } catch (e) {
      if (isApiError(e)) setRefusal({ status: e.status, title: e.status === 412 ? 'Someone else changed this action' : e.title, detail: e.detail ?? '' })
    }
    list.reload()
  }

  return (
    <>
      <CityBreadcrumb cityId={cityId} cityName={city.status === 'ok' ? city.data.name : undefined} />
      <div className="page-head">
        <p className="eyebrow">Integrated Action Plan</p>
        <h1>Action table</h1>
      </div>
      {(plan.status === 'loading' || list.status === 'loading') && <Loading />}
      {plan.status === 'error' && <LoadError error={plan.error} onRetry={plan.reload} />}
      {list.status === 'error' && <LoadError error={list.error} onRetry={list.reload} />}
      {!canEdit && city.status === 'ok' && (
        <div className="notice notice-info" role="note">
          <p className="notice-title">Read only</p>
          <p>
            {final
              ? 'The plan is final: it can no longer be changed.'
              : lock && mayEdit
                ? `The action table is part of “${lock.name}”, which is ${statusLabel(lock.status).toLowerCase()}. It stays locked until the stage is returned or reopened.`
                : 'You can read the action table but not change it.'}
          </p>
        </div>
      )}
      {refusal && (
        <div className="notice notice-error" role="alert">
          <p className="notice-title">{refusal.title}</p>
          <p>{refusal.detail}</p>
        </div>
      )}
      {list.status === 'ok' && list.data && (
        <>
          <section className="card" aria-labelledby="actions-title">
            <div className="section-head">
              <h2 id="actions-title">Actions</h2>
              {canEdit && editing === null && (
                <button type="button" className="button button-primary" onClick={() => open({ mode: 'create' })}>
                  New action
                </button>
              )}
            </div>
            {editing && (
              <ActionForm
                key={formKey}
                initial={editing.mode === 'edit' ? toInput(editing.action) : emptyAction()}
                errors={errors}
                busy={busy}
                submitLabel={editing.mode === 'edit' ? `Save ${editing.action.code}` : 'Create action'}
                onSubmit={(v) => void save(v)}
                onCancel={() => open(null)}
              />
            )}
            <div className="table-scroll">
              <table className="table actions-table">
                <thead>
                  <tr>
                    <th scope="col">Code</th>
                    <th scope="col">Title</th>
                    <th scope="col">Status</th>
                    <th scope="col">Lead</th>
                    <th scope="col">Dates</th>
                    <th scope="col" className="num">
                      Cost
                    </th>
                    <th scope="col" className="num">
                      Funding
                    </th>
                    {canEdit && <th scope="col">Change</th>}
                  </tr>
                </thead>
                <tbody>
                  {list.data.items.map((a) => (
                    <tr key={a.id}>
                      <th scope="row">{a.code}</th>
                      <td>{a.title}</td>
                      <td>
                        <span className={`action-status action-${a.status}`}>{label(ACTION_STATUSES, a.status)}</span>
                      </td>
                      <td>{a.lead_organisation}</td>
                      <td>
                        {a.start_date ?? '–'} → {a.end_date ?? '–'}
                      </td>
                      <td className="num">{a.estimated_cost_eur ? formatEuros(a.estimated_cost_eur) : '–'}</td>
                      <td className="num">{formatEuros(a.funding.reduce((s, f) => s + Number(f.amount_eur), 0))}</td>
                      {canEdit && (
                        <td className="row-buttons">
                          <button type="button" className="button button-link" onClick={() => open({ mode: 'edit', action: a })}>
                            Edit <span className="visually-hidden">{a.code}</span>
                          </button>
                          <button type="button" className="button button-link" onClick={() => void remove(a)}>
                            Delete <span className="visually-hidden">{a.code}</span>
                          </button>
                        </td>
                      )}
                    </tr>
                  ))}
                </tbody>
              </table>
              {list.data.items.length === 0 && <p className="meta">No actions yet.</p>}
            </div>
          </section>
          <Totals data={list.data} />
          <ActionsGantt rows={list.data.timeline} />
        </>
      )}
    </>
  )
}
