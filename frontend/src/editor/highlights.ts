import { Extension, type Editor } from '@tiptap/react'
import type { Node as PmNode } from '@tiptap/pm/model'
import { Plugin, PluginKey } from '@tiptap/pm/state'
import { Decoration, DecorationSet } from '@tiptap/pm/view'

interface HighlightState {
  quotes: readonly string[]
  decorations: DecorationSet
}

export const highlightKey = new PluginKey<HighlightState>('comment-highlights')

/** Decorations marking each occurrence of each quote inside a text node. */
function decorate(doc: PmNode, quotes: readonly string[]): DecorationSet {
  const decorations: Decoration[] = []
  doc.descendants((node, pos) => {
    if (!node.isText || !node.text) return
    for (const q of quotes) {
      if (!q) continue
      let at = node.text.indexOf(q)
      while (at !== -1) {
        decorations.push(Decoration.inline(pos + at, pos + at + q.length, { class: 'anchor-highlight', nodeName: 'mark' }))
        at = node.text.indexOf(q, at + q.length)
      }
    }
  })
  return DecorationSet.create(doc, decorations)
}

/**
 * Highlights the quotes of open comment threads in the text. New quotes arrive as the meta
 * `highlightKey` of a transaction (see {@link setHighlights}); edits redraw them.
 */
export const CommentHighlights = Extension.create({
  name: 'commentHighlights',
  addProseMirrorPlugins() {
    return [
      new Plugin<HighlightState>({
        key: highlightKey,
        state: {
          init: (_, state) => ({ quotes: [], decorations: DecorationSet.create(state.doc, []) }),
          apply: (tr, old, _prev, state) => {
            const quotes = (tr.getMeta(highlightKey) as readonly string[] | undefined) ?? old.quotes
            if (!tr.docChanged && quotes === old.quotes) return old
            return { quotes, decorations: decorate(state.doc, quotes) }
          },
        },
        props: { decorations: (state) => highlightKey.getState(state)?.decorations },
      }),
    ]
  },
})

export function setHighlights(editor: Editor, quotes: readonly string[]): void {
  if (!editor.isDestroyed) editor.view.dispatch(editor.state.tr.setMeta(highlightKey, quotes))
}

/** The same for plain HTML (the last saved text shown before the live document syncs). */
export function highlightHtml(root: HTMLElement, quotes: readonly string[]): void {
  for (const mark of root.querySelectorAll('mark.anchor-highlight')) mark.replaceWith(...mark.childNodes)
  root.normalize()
  for (const q of quotes) {
    if (!q) continue
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT)
    const hits: Text[] = []
    for (let n = walker.nextNode(); n; n = walker.nextNode()) if ((n.textContent ?? '').includes(q)) hits.push(n as Text)
    for (const text of hits) {
      const at = (text.textContent ?? '').indexOf(q)
      const middle = text.splitText(at)
      middle.splitText(q.length)
      const mark = document.createElement('mark')
      mark.className = 'anchor-highlight'
      middle.replaceWith(mark)
      mark.append(middle)
    }
  }
}
