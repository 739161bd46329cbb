import type { Membership, Role } from '../api/types.ts'

/** Role names in the users' words (DOMAIN.md). */
const ROLE_LABELS: Record<Role, string> = {
  lead_coordinator: 'Lead coordinator',
  expert: 'URBACT expert',
  city_coordinator: 'ULG coordinator',
  ulg_member: 'ULG member',
  observer: 'Observer',
  peer_reviewer: 'Peer reviewer',
}

/** Order in which roles are listed: most responsibility first. */
const ROLE_ORDER: readonly string[] = Object.keys(ROLE_LABELS)

export function roleLabel(role: Membership['role']): string {
  if (role in ROLE_LABELS) return ROLE_LABELS[role as Role]
  // An unknown role from a newer server: make it readable rather than hide it.
  const words = role.replaceAll('_', ' ')
  return words.charAt(0).toUpperCase() + words.slice(1)
}

export function sortRoles(roles: Iterable<string>): string[] {
  const rank = (r: string) => {
    const i = ROLE_ORDER.indexOf(r)
    return i === -1 ? ROLE_ORDER.length : i
  }
  return [...new Set(roles)].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b))
}
