import { useState } from 'react'
import { useLiveEvents } from './LiveContext.ts'

/**
 * Who is in which section of a city's plan right now, from `presence.changed` events
 * (data: {section_id, users:[{id, name}]}). Empty until the first event arrives.
 */
export function usePresence(cityId: string): ReadonlyMap<string, readonly string[]> {
  const [presence, setPresence] = useState<{ cityId: string; sections: Map<string, string[]> }>({
    cityId,
    sections: new Map(),
  })
  useLiveEvents(
    (e) => e.type === 'presence.changed' && e.city_id === cityId,
    (e) => {
      const data = e.data as { section_id?: unknown; users?: unknown }
      if (typeof data.section_id !== 'string' || !Array.isArray(data.users)) return
      const names = data.users
        .map((u: unknown) => (typeof u === 'object' && u !== null ? (u as { name?: unknown }).name : undefined))
        .filter((n): n is string => typeof n === 'string')
      setPresence((p) => {
        const sections = new Map(p.cityId === cityId ? p.sections : [])
        sections.set(data.section_id as string, names)
        return { cityId, sections }
      })
    },
  )
  return presence.cityId === cityId ? presence.sections : new Map()
}
