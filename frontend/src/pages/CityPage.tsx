import { useCallback, useState } from 'react'
import { Link, useParams } from 'react-router'
import { api, type StageView } from '../api/index.ts'
import { Badge } from '../components/Badge.tsx'
import { LoadError, Loading } from '../components/Status.tsx'
import { useLiveEvents } from '../live/LiveContext.ts'
import { usePresence } from '../live/usePresence.ts'
import { roleLabel, sortRoles } from '../lib/roles.ts'
import { useApi } from '../lib/useApi.ts'
import { usePageTitle } from '../lib/usePageTitle.ts'
import { ActivityPanel } from '../workspace/ActivityPanel.tsx'
import { ExportLinks } from '../workspace/ExportLinks.tsx'
import { MembersPanel } from '../workspace/MembersPanel.tsx'
import { StagesPanel } from '../workspace/StagesPanel.tsx'
import { SectionsList } from '../workspace/SectionsList.tsx'

const NO_PLAN = Promise.resolve(null)

/** The city's ULG workspace: its plan's sections, stages, members and exports. */
export function CityPage() {
  const { cityId = '' } = useParams()
  const city = useApi(`city:${cityId}`, (signal) => api.city(cityId, signal))
  const plan = useApi(`plan:${cityId}`, (signal) => api.plan(cityId, signal))
  const planId = plan.status === 'ok' ? plan.data.id : ''
  const stages = useApi(`stages:${planId}`, (signal) => (planId ? api.stages(planId, signal) : NO_PLAN))
  const members = useApi(`members:${cityId}`, (signal) => api.members(cityId, signal))
  const canManage = city.status === 'ok' && city.data.can_manage_members
  const invitations = useApi(`invitations:${cityId}:${canManage}`, (signal) =>
    canManage ? api.invitations(cityId, signal) : NO_PLAN,
  )
  // The audit log is for coordinators and the lead partner; others are refused it.
  const seesActivity = city.status === 'ok' && (canManage || city.data.my_roles.includes('lead_coordinator'))
  const activity = useApi(`activity:${cityId}:${seesActivity}`, (signal) =>
    seesActivity ? api.cityActivity(cityId, 8, signal) : NO_PLAN,
  )
  // Stages answered by a transition, shown until the next load.
  const [fresh, setFresh] = useState<{ planId: string; stages: StageView[] } | null>(null)
  const editing = usePresence(cityId)
  usePageTitle(city.status === 'ok' ? city.data.name : 'City')

  const reloadAll = useCallback(() => {
    city.reload()
    plan.reload()
    stages.reload()
    members.reload()
    invitations.reload()
    activity.reload()
  }, [city, plan, stages, members, invitations, activity])

  useLiveEvents(
    (e) => e.city_id === cityId,
    (e) => {
      if (e.type !== 'presence.changed') activity.reload()
      if (e.type.startsWith('stage.')) {
        setFresh(null)
        stages.reload()
        plan.reload()
      } else if (e.type.startsWith('section.')) plan.reload()
      else if (e.type.startsWith('member.')) {
        members.reload()
        invitations.reload()
      }
    },
    reloadAll,
  )

  const shownStages = fresh && fresh.planId === planId ? fresh.stages : stages.status === 'ok' ? stages.data : null

  return (
    <>
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link to="/">My networks and cities</Link>
        {city.status === 'ok' && (
          <>
            <span aria-hidden="true"> / </span>
            <Link to={`/networks/${city.data.network_id}`}>{city.data.network_name}</Link>
          </>
        )}
      </nav>
      {city.status === 'loading' && <Loading />}
      {city.status === 'error' && <LoadError error={city.error} onRetry={city.reload} />}
      {city.status === 'ok' && (
        <>
          <div className="page-head">
            <p className="eyebrow">ULG workspace · {city.data.country_name}</p>
            <h1>{city.data.name}</h1>
            <p className="badges">
              {city.data.is_lead_partner && <Badge tone="lead">Lead partner</Badge>}
              {sortRoles(city.data.my_roles).map((r) => (
                <Badge key={r}>{roleLabel(r)}</Badge>
              ))}
              {!city.data.can_edit && <Badge>Read only</Badge>}
            </p>
            <nav aria-label="Plan" className="plan-links">
              <Link to={`/cities/${cityId}/actions`}>Action table</Link>
              <Link to={`/cities/${cityId}/versions`}>Versions and changes</Link>
            </nav>
          </div>
          <div className="workspace">
            <div className="workspace-main">
              {plan.status === 'loading' && <Loading label="Loading the plan…" />}
              {plan.status === 'error' && <LoadError error={plan.error} onRetry={plan.reload} />}
              {plan.status === 'ok' && <SectionsList cityId={cityId} sections={plan.data.sections} editing={editing} />}
              {stages.status === 'error' && <LoadError error={stages.error} onRetry={stages.reload} />}
              {shownStages && (
                <StagesPanel
                  stages={shownStages}
                  onChanged={(s) => {
                    setFresh({ planId, stages: s })
                    activity.reload()
                  }}
                />
              )}
            </div>
            <div className="workspace-side">
              {members.status === 'error' && <LoadError error={members.error} onRetry={members.reload} />}
              {members.status === 'ok' && (
                <MembersPanel
                  cityId={cityId}
                  members={members.data}
                  invitations={invitations.status === 'ok' ? invitations.data : null}
                  canManage={canManage}
                  onChanged={() => {
                    members.reload()
                    invitations.reload()
                    activity.reload()
                  }}
                />
              )}
              {plan.status === 'ok' && <ExportLinks planId={plan.data.id} />}
              {activity.status === 'ok' && activity.data && (
                <ActivityPanel
                  items={activity.data.items}
                  stageName={(key) => shownStages?.find((s) => s.key === key)?.name}
                />
              )}
            </div>
          </div>
        </>
      )}
    </>
  )
}
