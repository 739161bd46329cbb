import type { AuditView } from '../api/types.ts'
import { roleLabel } from './roles.ts'

const STAGE_VERBS: Record<string, string> = {
  'stage.submitted': 'submitted',
  'stage.approved': 'approved',
  'stage.returned': 'returned',
  'stage.reopened': 'reopened',
}

const text = (v: unknown) => (typeof v === 'string' ? v : undefined)

/**
 * One audit entry in words, e.g. `Inês Martins approved “ULG set-up and roadmap”`.
 * `stageName` turns a stage key into its name.
 */
export function describeActivity(entry: AuditView, stageName: (key: string) => string | undefined): string {
  const who = entry.actor_name ?? 'Someone'
  const data = (typeof entry.data === 'object' && entry.data !== null ? entry.data : {}) as Record<string, unknown>
  const verb = STAGE_VERBS[entry.action]
  if (verb) {
    const key = text(data.key) ?? ''
    const note = text(data.note)
    return `${who} ${verb} “${stageName(key) ?? key}”${note ? `: ${note}` : ''}`
  }
  switch (entry.action) {
    case 'invitation.created':
      return `${who} invited ${text(data.email) ?? 'someone'} as ${roleLabel(text(data.role) ?? 'member')}`
    case 'membership.granted':
      return `${who} added a member (${roleLabel(text(data.role) ?? 'member')})`
    case 'plan.adoption_recorded':
      return `${who} recorded the plan’s political adoption`
    case 'city.created':
      return `${who} added the city to the network`
    default:
      return `${who}: ${entry.action.replaceAll('_', ' ')}`
  }
}
