import { describe, expect, it } from 'vitest'
import { insertMention, matchPeople, mentionQuery, mentionedIds, uniquePeople } from './mentions.ts'

const ana = { id: 'u1', name: 'Ana Silva' }
const marco = { id: 'u2', name: 'Marco Rossi' }

describe('mentions', () => {
  it('finds the @query before the caret, not an e-mail address', () => {
    expect(mentionQuery('Hello @An', 9)).toEqual({ start: 6, query: 'An' })
    expect(mentionQuery('@', 1)).toEqual({ start: 0, query: '' })
    expect(mentionQuery('mail ana@x.pt', 13)).toBeNull()
  })

  it('matches any word of a name', () => {
    expect(matchPeople([ana, marco], 'sil')).toEqual([ana])
    expect(matchPeople([ana, marco], '')).toEqual([ana, marco])
  })

  it('inserts the name and keeps only mentions still in the text', () => {
    const { text, caret } = insertMention('Hi @An please', 3, 6, ana)
    expect(text).toBe('Hi @Ana Silva  please')
    expect(caret).toBe(14)
    expect(mentionedIds(text, [ana, marco])).toEqual(['u1'])
  })

  it('lists each person once', () => {
    expect(uniquePeople([marco, ana, { ...ana }])).toEqual([ana, marco])
  })
})
