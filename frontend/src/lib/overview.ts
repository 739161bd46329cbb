import type { City as CitySummary, Id, Me, Network, NetworkDetail } from '../api/types.ts'
import { sortRoles } from './roles.ts'

export interface CityEntry extends Partial<CitySummary> {
  id: Id
  name: string
  /** The signed-in user's roles in this city, most responsibility first. */
  roles: string[]
}

export interface NetworkEntry {
  id: Id
  name: string
  /** Absent when the network could not be loaded (only the membership names it). */
  network: Network | undefined
  /** The signed-in user's network roles (lead coordinator, expert). */
  roles: string[]
  cities: CityEntry[]
}

const byName = (a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name)

/**
 * Joins the user's memberships with the networks they can see into "My networks and cities":
 * networks where the user holds a role first, then by name; in each, the lead partner first,
 * then the user's own cities, then the others by name.
 */
export function buildOverview(me: Me, networks: readonly Network[], details: ReadonlyMap<Id, NetworkDetail>): NetworkEntry[] {
  const entries = new Map<Id, NetworkEntry>()
  const ensure = (id: Id, name: string): NetworkEntry => {
    let entry = entries.get(id)
    if (!entry) {
      entry = { id, name, network: undefined, roles: [], cities: [] }
      entries.set(id, entry)
    }
    return entry
  }

  for (const n of networks) ensure(n.id, n.name).network = n
  for (const [id, d] of details) {
    const entry = ensure(id, d.name)
    entry.network ??= d
    entry.cities = d.cities.map((c) => ({ ...c, roles: [] }))
  }

  for (const m of me.memberships) {
    const entry = ensure(m.network_id, m.network_name)
    const cityId = m.city_id
    if (!cityId) {
      entry.roles.push(m.role)
      continue
    }
    let city = entry.cities.find((c) => c.id === cityId)
    if (!city) {
      city = { id: cityId, name: m.city_name ?? 'City', roles: [] }
      entry.cities.push(city)
    }
    city.roles.push(m.role)
  }

  const list = [...entries.values()]
  for (const entry of list) {
    entry.roles = sortRoles(entry.roles)
    for (const c of entry.cities) c.roles = sortRoles(c.roles)
    entry.cities.sort(
      (a, b) =>
        Number(b.is_lead_partner ?? false) - Number(a.is_lead_partner ?? false) ||
        Number(b.roles.length > 0) - Number(a.roles.length > 0) ||
        byName(a, b),
    )
  }
  const involved = (e: NetworkEntry) => e.roles.length > 0 || e.cities.some((c) => c.roles.length > 0)
  return list.sort((a, b) => Number(involved(b)) - Number(involved(a)) || byName(a, b))
}
