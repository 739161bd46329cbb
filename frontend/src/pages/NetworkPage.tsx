import { Link, useParams } from 'react-router'
import { api } from '../api/index.ts'
import { useMe } from '../auth/session.ts'
import { Badge } from '../components/Badge.tsx'
import { LoadError, Loading } from '../components/Status.tsx'
import { countryName, formatPlanningPeriod } from '../lib/format.ts'
import { roleLabel, sortRoles } from '../lib/roles.ts'
import { NetworkDashboard } from '../dashboard/NetworkDashboard.tsx'
import { useApi } from '../lib/useApi.ts'
import { usePageTitle } from '../lib/usePageTitle.ts'

/** `/networks/:id`: the network; for the lead partner and experts, the live dashboard. */
export function NetworkPage() {
  const { networkId = '' } = useParams()
  const me = useMe()
  const network = useApi(`network:${networkId}`, (signal) => api.network(networkId, signal))
  usePageTitle(network.status === 'ok' ? network.data.name : 'Network')

  const rolesIn = (cityId: string | null) =>
    sortRoles(me.memberships.filter((m) => m.network_id === networkId && m.city_id === cityId).map((m) => m.role))

  return (
    <>
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link to="/">My networks and cities</Link>
      </nav>
      {network.status === 'loading' && <Loading />}
      {network.status === 'error' && <LoadError error={network.error} onRetry={network.reload} />}
      {network.status === 'ok' && (
        <>
          <div className="page-head">
            <p className="eyebrow">URBACT action-planning network</p>
            <h1>{network.data.name}</h1>
            <p className="meta">{formatPlanningPeriod(network.data.starts_on, network.data.duration_months)}</p>
            {rolesIn(null).length > 0 && (
              <p className="badges">
                <span className="visually-hidden">Your roles in this network: </span>
                {rolesIn(null).map((r) => (
                  <Badge key={r}>{roleLabel(r)}</Badge>
                ))}
              </p>
            )}
            {network.data.description && <p className="lead">{network.data.description}</p>}
          </div>
          {network.data.can_view_dashboard && <NetworkDashboard networkId={networkId} />}
          {!network.data.can_view_dashboard && (
          <section className="card" aria-labelledby="partner-cities">
            <h2 id="partner-cities">Partner cities</h2>
            <ul className="city-list">
              {[...network.data.cities]
                .sort((a, b) => Number(b.is_lead_partner) - Number(a.is_lead_partner) || a.name.localeCompare(b.name))
                .map((c) => (
                  <li key={c.id} className="city-item">
                    <Link to={`/cities/${c.id}`} className="city-link">
                      <span className="city-name">{c.name}</span>
                      <span className="city-country">{countryName(c.country)}</span>
                    </Link>
                    <span className="badges">
                      {c.is_lead_partner && <Badge tone="lead">Lead partner</Badge>}
                      {rolesIn(c.id).map((r) => (
                        <Badge key={r}>{roleLabel(r)}</Badge>
                      ))}
                    </span>
                  </li>
                ))}
            </ul>
          </section>
          )}
        </>
      )}
    </>
  )
}
