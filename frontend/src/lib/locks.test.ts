import { describe, expect, it } from 'vitest'
import { actionsLockingStage, lockingStage } from './locks.ts'

const stage = (name: string, status: string, gate: string[]) => ({ name, status, gate })

describe('lockingStage', () => {
  it('is the submitted or approved stage whose gate names the section', () => {
    const stages = [stage('Set-up', 'approved', ['section_written:ulg']), stage('Understand', 'submitted', ['section_written:context'])]
    expect(lockingStage(stages, 'ulg')?.name).toBe('Set-up')
    expect(lockingStage(stages, 'context')?.name).toBe('Understand')
    expect(lockingStage(stages, 'vision')).toBeUndefined()
  })

  it('frees a section whose stage was returned or is open', () => {
    expect(lockingStage([stage('Vision', 'returned', ['section_written:vision'])], 'vision')).toBeUndefined()
    expect(lockingStage([stage('Vision', 'open', ['section_written:vision'])], 'vision')).toBeUndefined()
  })

  it('locks every section while the draft plan is under review', () => {
    expect(lockingStage([stage('Review', 'submitted', ['all_sections_written'])], 'summary')?.name).toBe('Review')
  })
})

describe('the action table lock', () => {
  it('follows the actions and implementation stages', () => {
    expect(actionsLockingStage([{ key: 'actions', status: 'submitted' }])?.key).toBe('actions')
    expect(actionsLockingStage([{ key: 'actions', status: 'approved' }])).toBeUndefined()
    expect(actionsLockingStage([{ key: 'implementation', status: 'approved' }])?.key).toBe('implementation')
    expect(actionsLockingStage([{ key: 'setup', status: 'submitted' }])).toBeUndefined()
  })
})
