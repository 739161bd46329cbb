import type { StageView } from '../api/types.ts'

/**
 * The stage that locks a section, mirroring the server's rule (src/stages/locks.rs): a submitted
 * or approved stage locks the sections its gate names (`section_written:<key>`, or every section
 * for `all_sections_written`) until it is returned or reopened.
 */
export function lockingStage<T extends Pick<StageView, 'status' | 'gate'>>(stages: readonly T[], sectionKey: string): T | undefined {
  return stages.find(
    (s) =>
      (s.status === 'submitted' || s.status === 'approved') &&
      s.gate.some((rule) => rule === 'all_sections_written' || rule === `section_written:${sectionKey}`),
  )
}

/**
 * The stage that locks the action table, mirroring the server (src/stages/locks.rs): the
 * "actions" or "implementation" stage while submitted, and "implementation" once approved.
 */
export function actionsLockingStage<T extends Pick<StageView, 'status' | 'key'>>(stages: readonly T[]): T | undefined {
  return stages.find(
    (s) => (s.key === 'actions' || s.key === 'implementation') && (s.status === 'submitted' || (s.status === 'approved' && s.key === 'implementation')),
  )
}
