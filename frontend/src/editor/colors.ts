/**
 * Caret colours for co-editors: dark enough that white name labels on them reach WCAG AA
 * (each ≥ 4.5:1 with #fff), distinct enough to tell people apart.
 */
export const CARET_COLORS = ['#b42318', '#175cd3', '#067647', '#6941c6', '#b54708', '#c11574', '#0e7090', '#4e5ba6'] as const

/** A stable colour for a user: the same person keeps the same colour in every section. */
export function colorFor(userId: string): string {
  let hash = 0
  for (let i = 0; i < userId.length; i++) hash = (hash * 31 + userId.charCodeAt(i)) >>> 0
  return CARET_COLORS[hash % CARET_COLORS.length] ?? CARET_COLORS[0]
}
