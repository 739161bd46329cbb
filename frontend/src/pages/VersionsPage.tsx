import { useState } from 'react'
import { useParams } from 'react-router'
import { api, isApiError } from '../api/index.ts'
import { CityBreadcrumb } from '../components/CityBreadcrumb.tsx'
import { LoadError, Loading } from '../components/Status.tsx'
import { formatDateTime } from '../lib/format.ts'
import { useApi } from '../lib/useApi.ts'
import { usePageTitle } from '../lib/usePageTitle.ts'
import { DiffView } from '../versions/DiffView.tsx'

const NONE = Promise.resolve(null)

/** `/cities/:cityId/versions`: the plan's versions, making one, and what changed between two. */
export function VersionsPage() {
  const { cityId = '' } = useParams()
  const city = useApi(`city:${cityId}`, (signal) => api.city(cityId, signal))
  const plan = useApi(`plan:${cityId}`, (signal) => api.plan(cityId, signal))
  const planId = plan.status === 'ok' ? plan.data.id : ''
  const versions = useApi(`versions:${planId}`, (signal) => (planId ? api.versions(planId, signal) : NONE))
  const [label, setLabel] = useState('')
  const [labelError, setLabelError] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)
  const [from, setFrom] = useState('')
  const [to, setTo] = useState('current')
  const [compared, setCompared] = useState<{ from: string; to: string } | null>(null)
  const diff = useApi(`diff:${planId}:${compared?.from}:${compared?.to}`, (signal) =>
    planId && compared ? api.diff(planId, compared.from, compared.to, signal) : NONE,
  )
  usePageTitle(city.status === 'ok' ? `Versions · ${city.data.name}` : 'Versions')
  const canEdit = city.status === 'ok' && city.data.can_edit
  const list = versions.status === 'ok' && versions.data ? versions.data : []
  const fromValue = from || list[0]?.id || ''

  const create = async () => {
    setBusy(true)
    setLabelError(null)
    try {
      await api.createVersion(planId, label)
      setLabel('')
      versions.reload()
    } catch (e) {
      if (!isApiError(e)) throw e
      setLabelError(e.fieldError('label') ?? e.detail ?? e.title)
    } finally {
      setBusy(false)
    }
  }

  const name = (id: string) => {
    if (id === 'current') return 'Current draft'
    const v = list.find((x) => x.id === id)
    return v ? `v${v.number} ${v.label}` : id
  }

  return (
    <>
      <CityBreadcrumb cityId={cityId} cityName={city.status === 'ok' ? city.data.name : undefined} />
      <div className="page-head">
        <p className="eyebrow">Integrated Action Plan</p>
        <h1>Versions and changes</h1>
      </div>
      {plan.status === 'error' && <LoadError error={plan.error} onRetry={plan.reload} />}
      {versions.status === 'error' && <LoadError error={versions.error} onRetry={versions.reload} />}
      {versions.status === 'loading' && <Loading />}
      {canEdit && (
        <form
          className="card"
          noValidate
          onSubmit={(e) => {
            e.preventDefault()
            void create()
          }}
        >
          <h2>Save a version</h2>
          <div className="field">
            <label htmlFor="version-label">Label</label>
            <input
              id="version-label"
              type="text"
              value={label}
              onChange={(e) => setLabel(e.target.value)}
              aria-invalid={labelError !== null}
              aria-describedby={labelError ? 'version-label-error' : undefined}
            />
            {labelError && (
              <p className="field-error" id="version-label-error">
                {labelError}
              </p>
            )}
          </div>
          <button type="submit" className="button button-primary" disabled={busy || !planId}>
            {busy ? 'Saving…' : 'Save version'}
          </button>
        </form>
      )}
      {versions.status === 'ok' && (
        <section className="card" aria-labelledby="versions-title">
          <h2 id="versions-title">Versions</h2>
          {list.length === 0 ? (
            <p className="meta">No versions yet.</p>
          ) : (
            <div className="table-scroll">
              <table className="table">
                <thead>
                  <tr>
                    <th scope="col">Number</th>
                    <th scope="col">Label</th>
                    <th scope="col">Kind</th>
                    <th scope="col">Saved</th>
                  </tr>
                </thead>
                <tbody>
                  {list.map((v) => (
                    <tr key={v.id}>
                      <th scope="row">v{v.number}</th>
                      <td>{v.label}</td>
                      <td>{v.kind === 'submission' ? 'Submission' : 'Manual'}</td>
                      <td>{formatDateTime(v.created_at)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </section>
      )}
      {list.length > 0 && (
        <form
          className="card"
          onSubmit={(e) => {
            e.preventDefault()
            setCompared({ from: fromValue, to })
          }}
        >
          <h2>Compare</h2>
          <div className="form-grid">
            <div className="field">
              <label htmlFor="diff-from">From</label>
              <select id="diff-from" value={fromValue} onChange={(e) => setFrom(e.target.value)}>
                {list.map((v) => (
                  <option key={v.id} value={v.id}>
                    {name(v.id)}
                  </option>
                ))}
                <option value="current">Current draft</option>
              </select>
            </div>
            <div className="field">
              <label htmlFor="diff-to">To</label>
              <select id="diff-to" value={to} onChange={(e) => setTo(e.target.value)}>
                <option value="current">Current draft</option>
                {list.map((v) => (
                  <option key={v.id} value={v.id}>
                    {name(v.id)}
                  </option>
                ))}
              </select>
            </div>
          </div>
          <button type="submit" className="button button-primary">
            Show changes
          </button>
        </form>
      )}
      {compared && (
        <section aria-labelledby="diff-title">
          <h2 id="diff-title">
            Changes from {name(compared.from)} to {name(compared.to)}
          </h2>
          {diff.status === 'loading' && <Loading />}
          {diff.status === 'error' && <LoadError error={diff.error} onRetry={diff.reload} />}
          {diff.status === 'ok' && diff.data && <DiffView diff={diff.data} />}
        </section>
      )}
    </>
  )
}
