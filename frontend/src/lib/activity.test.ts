import { describe, expect, it } from 'vitest'
import type { AuditView } from '../api/types.ts'
import { describeActivity } from './activity.ts'

const entry = (action: string, data: unknown, actor_name: string | null = 'Inês Martins'): AuditView => ({
  id: 'a1',
  at: '2026-11-21T10:00:00Z',
  action,
  subject_type: 'stage',
  data,
  actor_name,
})

const names = (key: string) => ({ setup: 'ULG set-up and roadmap' })[key]

describe('describeActivity', () => {
  it('names the stage and keeps the note of a transition', () => {
    expect(describeActivity(entry('stage.approved', { key: 'setup' }), names)).toBe('Inês Martins approved “ULG set-up and roadmap”')
    expect(describeActivity(entry('stage.returned', { key: 'setup', note: 'Add figures' }), names)).toBe(
      'Inês Martins returned “ULG set-up and roadmap”: Add figures',
    )
  })

  it('describes invitations and new members with role names', () => {
    expect(describeActivity(entry('invitation.created', { email: 'a@b.org', role: 'ulg_member' }), names)).toBe(
      'Inês Martins invited a@b.org as ULG member',
    )
    expect(describeActivity(entry('membership.granted', { role: 'observer' }, null), names)).toBe('Someone added a member (Observer)')
  })

  it('keeps an unknown action readable', () => {
    expect(describeActivity(entry('plan.final_acknowledged', {}), names)).toBe('Inês Martins: plan.final acknowledged')
  })
})
