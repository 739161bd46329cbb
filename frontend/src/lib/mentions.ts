import type { Comment } from '../api/types.ts'

/** Someone who can be @mentioned. */
export interface Person {
  id: string
  name: string
}

/** The `@query` being typed just before the caret, if any (`@Ana Sil` → `Ana Sil`). */
export function mentionQuery(text: string, caret: number): { start: number; query: string } | null {
  const before = text.slice(0, caret)
  const m = /(?:^|\s)@([^\s@][^@\n]{0,30})?$/.exec(before)
  if (!m) return null
  const query = m[1] ?? ''
  return { start: caret - query.length - 1, query }
}

/** People whose name starts with (or has a word starting with) the query, at most `limit`. */
export function matchPeople(people: readonly Person[], query: string, limit = 6): Person[] {
  const q = query.trim().toLowerCase()
  return people
    .filter((p) => q === '' || p.name.toLowerCase().startsWith(q) || p.name.toLowerCase().split(/\s+/).some((w) => w.startsWith(q)))
    .slice(0, limit)
}

/** Replaces the typed `@query` with `@Full Name `; returns the new text and caret. */
export function insertMention(text: string, start: number, caret: number, person: Person): { text: string; caret: number } {
  const inserted = `@${person.name} `
  return { text: text.slice(0, start) + inserted + text.slice(caret), caret: start + inserted.length }
}

/** The ids of the picked people whose `@Name` is still in the body. */
export function mentionedIds(body: string, picked: readonly Person[]): string[] {
  return [...new Set(picked.filter((p) => body.includes(`@${p.name}`)).map((p) => p.id))]
}

/** Unique people by user id (a person may hold several roles). */
export function uniquePeople(people: readonly Person[]): Person[] {
  const seen = new Map<string, Person>()
  for (const p of people) if (!seen.has(p.id)) seen.set(p.id, p)
  return [...seen.values()].sort((a, b) => a.name.localeCompare(b.name))
}

/** The quotes of open anchored threads (highlighted in the text). */
export function openQuotes(comments: readonly Comment[]): string[] {
  return comments.filter((c) => !c.parent_id && !c.resolved_at && !c.removed && c.anchor?.quote).map((c) => c.anchor?.quote ?? '')
}
