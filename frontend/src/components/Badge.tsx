import type { ReactNode } from 'react'

export function Badge({ tone = 'role', children }: { tone?: 'role' | 'lead'; children: ReactNode }) {
  return <span className={`badge badge-${tone}`}>{children}</span>
}
