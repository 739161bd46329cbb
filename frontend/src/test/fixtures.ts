import type { Me, NetworkDetail } from '../api/types.ts'

export const NETWORK_ID = '01930000-0000-7000-8000-000000000001'
export const OBIDOS_ID = '01930000-0000-7000-8000-000000000011'
export const MIZIL_ID = '01930000-0000-7000-8000-000000000012'
export const BARNSLEY_ID = '01930000-0000-7000-8000-000000000013'

export const network: NetworkDetail = {
  id: NETWORK_ID,
  name: 'Creative Clusters in Low Density Urban Areas',
  description: 'Creativity can drive the economic development of small towns.',
  starts_on: '2026-09-01',
  duration_months: 13,
  ends_on: '2027-10-01',
  can_manage: false,
  can_view_dashboard: false,
  cities: [
    { id: MIZIL_ID, name: 'Mizil', country: 'RO', country_name: 'Romania', network_id: NETWORK_ID, is_lead_partner: false },
    { id: BARNSLEY_ID, name: 'Barnsley', country: 'GB', country_name: 'United Kingdom', network_id: NETWORK_ID, is_lead_partner: false },
    { id: OBIDOS_ID, name: 'Óbidos', country: 'PT', country_name: 'Portugal', network_id: NETWORK_ID, is_lead_partner: true },
  ],
}

export const leadCoordinator: Me = {
  id: '01930000-0000-7000-8000-0000000000a1',
  email: 'lead@obidos.example.org',
  name: 'Ana Lead',
  is_admin: false,
  language: 'en',
  time_zone: 'Europe/Lisbon',
  memberships: [
    {
      id: 'm1',
      role: 'lead_coordinator',
      network_id: NETWORK_ID,
      network_name: network.name,
      city_id: null,
      city_name: null,
    },
    {
      id: 'm2',
      role: 'city_coordinator',
      network_id: NETWORK_ID,
      network_name: network.name,
      city_id: OBIDOS_ID,
      city_name: 'Óbidos',
    },
  ],
}
