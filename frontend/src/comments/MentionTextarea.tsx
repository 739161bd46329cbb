import { useId, useRef, useState } from 'react'
import { insertMention, matchPeople, mentionQuery, type Person } from '../lib/mentions.ts'

/**
 * A textarea with @mention autocomplete (WAI-ARIA combobox with a listbox): type `@` and part of a
 * name, pick with the arrow keys and Enter (or a click). Picked people are reported by `onPick`.
 */
export function MentionTextarea({
  label,
  value,
  onChange,
  people,
  onPick,
}: {
  label: string
  value: string
  onChange: (text: string) => void
  people: readonly Person[]
  onPick: (p: Person) => void
}) {
  const id = useId()
  const ref = useRef<HTMLTextAreaElement>(null)
  const [caret, setCaret] = useState(0)
  const [active, setActive] = useState(0)
  const [dismissed, setDismissed] = useState(false)
  const q = dismissed ? null : mentionQuery(value, caret)
  const options = q ? matchPeople(people, q.query) : []
  const open = options.length > 0
  const activeIndex = Math.min(active, options.length - 1)

  const pick = (p: Person) => {
    if (!q) return
    const next = insertMention(value, q.start, caret, p)
    onChange(next.text)
    onPick(p)
    setCaret(next.caret)
    setActive(0)
    requestAnimationFrame(() => {
      ref.current?.focus()
      ref.current?.setSelectionRange(next.caret, next.caret)
    })
  }

  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <textarea
        id={id}
        ref={ref}
        rows={3}
        value={value}
        role="combobox"
        aria-autocomplete="list"
        aria-expanded={open}
        aria-controls={`${id}-list`}
        aria-activedescendant={open ? `${id}-opt-${activeIndex}` : undefined}
        onChange={(e) => {
          onChange(e.target.value)
          setCaret(e.target.selectionStart)
          setDismissed(false)
        }}
        onSelect={(e) => setCaret(e.currentTarget.selectionStart)}
        onKeyDown={(e) => {
          if (!open) return
          if (e.key === 'ArrowDown') setActive((activeIndex + 1) % options.length)
          else if (e.key === 'ArrowUp') setActive((activeIndex - 1 + options.length) % options.length)
          else if (e.key === 'Enter' || e.key === 'Tab') {
            const p = options[activeIndex]
            if (p) pick(p)
          } else if (e.key === 'Escape') setDismissed(true)
          else return
          e.preventDefault()
        }}
      />
      <div id={`${id}-list`} role="listbox" aria-label="People to mention" className="mention-list" hidden={!open}>
        {options.map((p, i) => (
          <div
            key={p.id}
            id={`${id}-opt-${i}`}
            role="option"
            tabIndex={-1}
            aria-selected={i === activeIndex}
            onMouseDown={(e) => {
              e.preventDefault()
              pick(p)
            }}
          >
            {p.name}
          </div>
        ))}
      </div>
    </div>
  )
}
