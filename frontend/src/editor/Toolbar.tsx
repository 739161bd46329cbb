import type { Editor } from '@tiptap/react'
import { useEditorState } from '@tiptap/react'
import { useRef, type KeyboardEvent } from 'react'

interface Tool {
  label: string
  /** Shown on the button (short); the label is its accessible name. */
  text: string
  shortcut?: string
  active?: (e: Editor) => boolean
  run: (e: Editor) => void
}

const BLOCKS: Tool[] = [
  { label: 'Paragraph', text: '¶', active: (e) => e.isActive('paragraph'), run: (e) => e.chain().focus().setParagraph().run() },
  ...([1, 2, 3] as const).map(
    (level): Tool => ({
      // The visible text is part of the name (WCAG 2.5.3, label in name).
      label: `H${level} heading`,
      text: `H${level}`,
      shortcut: `Control+Alt+${level}`,
      active: (e) => e.isActive('heading', { level }),
      run: (e) => e.chain().focus().toggleHeading({ level }).run(),
    }),
  ),
  { label: 'Bulleted list', text: '• List', shortcut: 'Control+Shift+8', active: (e) => e.isActive('bulletList'), run: (e) => e.chain().focus().toggleBulletList().run() },
  { label: '1. List, numbered', text: '1. List', shortcut: 'Control+Shift+7', active: (e) => e.isActive('orderedList'), run: (e) => e.chain().focus().toggleOrderedList().run() },
  { label: 'Quotation', text: '❝', shortcut: 'Control+Shift+B', active: (e) => e.isActive('blockquote'), run: (e) => e.chain().focus().toggleBlockquote().run() },
  { label: 'Code block', text: '{ }', shortcut: 'Control+Alt+C', active: (e) => e.isActive('codeBlock'), run: (e) => e.chain().focus().toggleCodeBlock().run() },
  { label: 'Horizontal rule', text: '―', run: (e) => e.chain().focus().setHorizontalRule().run() },
  { label: 'Line break', text: '↵', shortcut: 'Shift+Enter', run: (e) => e.chain().focus().setHardBreak().run() },
]

const MARKS: Tool[] = [
  { label: 'Bold', text: 'B', shortcut: 'Control+B', active: (e) => e.isActive('bold'), run: (e) => e.chain().focus().toggleBold().run() },
  { label: 'Italic', text: 'I', shortcut: 'Control+I', active: (e) => e.isActive('italic'), run: (e) => e.chain().focus().toggleItalic().run() },
  { label: 'Strikethrough', text: 'S', shortcut: 'Control+Shift+S', active: (e) => e.isActive('strike'), run: (e) => e.chain().focus().toggleStrike().run() },
  { label: 'Inline code', text: '</>', shortcut: 'Control+E', active: (e) => e.isActive('code'), run: (e) => e.chain().focus().toggleCode().run() },
  {
    label: 'Link',
    text: 'Link',
    active: (e) => e.isActive('link'),
    run: (e) => {
      const current = (e.getAttributes('link') as { href?: string }).href ?? ''
      const href = window.prompt('Link address (leave empty to remove the link)', current)
      if (href === null) return
      if (href.trim() === '') e.chain().focus().extendMarkRange('link').unsetLink().run()
      else e.chain().focus().extendMarkRange('link').setLink({ href: href.trim() }).run()
    },
  },
]

/**
 * The formatting toolbar: one tab stop, arrow keys move between buttons (WAI-ARIA toolbar
 * pattern), each button names its action and says whether it is on.
 */
export function Toolbar({ editor, disabled }: { editor: Editor; disabled: boolean }) {
  const ref = useRef<HTMLDivElement>(null)
  const active = useEditorState({
    editor,
    selector: ({ editor: e }) => [...BLOCKS, ...MARKS].map((t) => t.active?.(e) ?? false),
  })

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    const buttons = [...(ref.current?.querySelectorAll<HTMLButtonElement>('button') ?? [])]
    const i = buttons.indexOf(document.activeElement as HTMLButtonElement)
    if (i === -1) return
    const next =
      event.key === 'ArrowRight' ? (i + 1) % buttons.length
      : event.key === 'ArrowLeft' ? (i - 1 + buttons.length) % buttons.length
      : event.key === 'Home' ? 0
      : event.key === 'End' ? buttons.length - 1
      : -1
    if (next === -1) return
    event.preventDefault()
    for (const b of buttons) b.tabIndex = -1
    const target = buttons[next]
    if (target) {
      target.tabIndex = 0
      target.focus()
    }
  }

  const render = (tools: Tool[], offset: number) =>
    tools.map((t, i) => {
      const pressed = t.active ? (active[offset + i] ?? false) : undefined
      return (
        <button
          key={t.label}
          type="button"
          className="tool"
          aria-label={t.label}
          title={t.shortcut ? `${t.label} (${t.shortcut})` : t.label}
          aria-keyshortcuts={t.shortcut}
          aria-pressed={pressed}
          // aria-disabled, not disabled: the buttons stay reachable by keyboard and keep telling
          // what they would do (WAI-ARIA toolbar pattern).
          aria-disabled={disabled || undefined}
          tabIndex={offset + i === 0 ? 0 : -1}
          onClick={() => {
            if (!disabled) t.run(editor)
          }}
        >
          <span aria-hidden="true">{t.text}</span>
        </button>
      )
    })

  return (
    <div ref={ref} role="toolbar" aria-label="Formatting" aria-controls="section-text" className="toolbar" tabIndex={-1} onKeyDown={onKeyDown}>
      {render(BLOCKS, 0)}
      <span className="tool-sep" aria-hidden="true" />
      {render(MARKS, BLOCKS.length)}
    </div>
  )
}
