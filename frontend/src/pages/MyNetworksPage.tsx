import { Link } from 'react-router'
import { api, type Id, type Me, type NetworkDetail } from '../api/index.ts'
import { useMe } from '../auth/session.ts'
import { Badge } from '../components/Badge.tsx'
import { LoadError, Loading } from '../components/Status.tsx'
import { countryName, formatPlanningPeriod } from '../lib/format.ts'
import { buildOverview, type CityEntry, type NetworkEntry } from '../lib/overview.ts'
import { roleLabel } from '../lib/roles.ts'
import { useApi } from '../lib/useApi.ts'
import { usePageTitle } from '../lib/usePageTitle.ts'

async function loadOverview(me: Me, signal: AbortSignal): Promise<NetworkEntry[]> {
  const networks = await api.networks(signal)
  const ids = new Set<Id>([...networks.map((n) => n.id), ...me.memberships.map((m) => m.network_id)])
  const results = await Promise.allSettled([...ids].map((id) => api.network(id, signal)))
  const details = new Map<Id, NetworkDetail>()
  for (const r of results) if (r.status === 'fulfilled') details.set(r.value.id, r.value)
  return buildOverview(me, networks, details)
}

function CityItem({ city }: { city: CityEntry }) {
  return (
    <li className="city-item">
      <Link to={`/cities/${city.id}`} className="city-link">
        <span className="city-name">{city.name}</span>
        {city.country && <span className="city-country">{countryName(city.country)}</span>}
      </Link>
      <span className="badges">
        {city.is_lead_partner && <Badge tone="lead">Lead partner</Badge>}
        {city.roles.map((r) => (
          <Badge key={r}>{roleLabel(r)}</Badge>
        ))}
      </span>
    </li>
  )
}

function NetworkCard({ entry }: { entry: NetworkEntry }) {
  const headingId = `network-${entry.id}`
  return (
    <section className="card network-card" aria-labelledby={headingId}>
      <div className="network-card-head">
        <p className="eyebrow">URBACT action-planning network</p>
        <h2 id={headingId}>
          <Link to={`/networks/${entry.id}`}>{entry.name}</Link>
        </h2>
        {entry.network && (
          <p className="meta">{formatPlanningPeriod(entry.network.starts_on, entry.network.duration_months)}</p>
        )}
        {entry.roles.length > 0 && (
          <p className="badges">
            <span className="visually-hidden">Your roles in this network: </span>
            {entry.roles.map((r) => (
              <Badge key={r}>{roleLabel(r)}</Badge>
            ))}
          </p>
        )}
      </div>
      {entry.network?.description && <p className="description">{entry.network.description}</p>}
      <h3 className="list-title">
        Partner cities <span className="count">({entry.cities.length})</span>
      </h3>
      {entry.cities.length > 0 ? (
        <ul className="city-list">
          {entry.cities.map((c) => (
            <CityItem key={c.id} city={c} />
          ))}
        </ul>
      ) : (
        <p className="muted">No partner cities yet.</p>
      )}
    </section>
  )
}

export function MyNetworksPage() {
  usePageTitle('My networks and cities')
  const me = useMe()
  const overview = useApi(`overview:${me.id}`, (signal) => loadOverview(me, signal))

  return (
    <>
      <div className="page-head">
        <h1>My networks and cities</h1>
        <p className="lead">
          Welcome, {me.name}. Open a city to work on its Integrated Action Plan with the ULG, or a network to see
          all its partner cities.
        </p>
      </div>
      {overview.status === 'loading' && <Loading label="Loading your networks…" />}
      {overview.status === 'error' && <LoadError error={overview.error} onRetry={overview.reload} />}
      {overview.status === 'ok' &&
        (overview.data.length === 0 ? (
          <div className="notice notice-info">
            <p className="notice-title">You are not part of a network yet</p>
            <p>
              When your ULG coordinator or your network’s lead partner invites you, the network and your city
              will appear here.
            </p>
          </div>
        ) : (
          <div className="network-grid">
            {overview.data.map((entry) => (
              <NetworkCard key={entry.id} entry={entry} />
            ))}
          </div>
        ))}
    </>
  )
}
