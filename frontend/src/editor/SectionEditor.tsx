import { Collaboration } from '@tiptap/extension-collaboration'
import { CollaborationCaret } from '@tiptap/extension-collaboration-caret'
import { EditorContent, useEditor } from '@tiptap/react'
import { StarterKit } from '@tiptap/starter-kit'
import { useEffect, useRef, useState } from 'react'
import { WebsocketProvider } from 'y-websocket'
import * as Y from 'yjs'
import { socketUrl } from '../live/events.ts'
import { colorFor } from './colors.ts'
import { CommentHighlights, highlightHtml, setHighlights } from './highlights.ts'
import { Toolbar } from './Toolbar.tsx'

export interface EditorUser {
  id: string
  name: string
}

type SyncState = 'connecting' | 'synced' | 'offline'

/** One person in the section (from Yjs awareness). */
interface Peer {
  clientId: number
  name: string
  color: string
}

/** A Yjs document and its connection to `/api/v1/collab/{sectionId}`, for one section. */
function useCollab(sectionId: string) {
  const [collab] = useState(() => {
    const doc = new Y.Doc()
    // Opened in the effect below, so StrictMode's double mount does not leave a second socket.
    const provider = new WebsocketProvider(socketUrl('/collab'), sectionId, doc, { connect: false })
    return { doc, provider }
  })
  const [state, setState] = useState<SyncState>('connecting')
  const [denied, setDenied] = useState(false)

  useEffect(() => {
    const { provider } = collab
    const onStatus = ({ status }: { status: string }) => {
      if (status === 'disconnected') setState('offline')
      else if (status === 'connecting') setState((s) => (s === 'synced' ? 'offline' : 'connecting'))
    }
    const onSync = (synced: boolean) => setState(synced ? 'synced' : 'connecting')
    provider.on('sync', onSync)
    // Close codes 4400–4499 mean access was refused or revoked (the provider stops retrying).
    const onClose = (event: CloseEvent | null) => {
      if (event && event.code >= 4400 && event.code < 4500) setDenied(true)
    }
    provider.on('status', onStatus)
    provider.on('connection-close', onClose)
    provider.connect()
    return () => {
      provider.off('status', onStatus)
      provider.off('connection-close', onClose)
      provider.off('sync', onSync)
      provider.disconnect()
    }
  }, [collab])

  useEffect(
    () => () => {
      collab.provider.destroy()
      collab.doc.destroy()
    },
    [collab],
  )

  return { ...collab, state, denied }
}

function usePeers(provider: WebsocketProvider): Peer[] {
  const [peers, setPeers] = useState<Peer[]>([])
  useEffect(() => {
    const awareness = provider.awareness
    const update = () => {
      const list: Peer[] = []
      awareness.getStates().forEach((state, clientId) => {
        if (clientId === awareness.clientID) return
        const user = (state as { user?: { name?: unknown; color?: unknown } }).user
        if (user && typeof user.name === 'string' && typeof user.color === 'string') {
          list.push({ clientId, name: user.name, color: user.color })
        }
      })
      setPeers(list)
    }
    awareness.on('change', update)
    update()
    return () => awareness.off('change', update)
  }, [provider])
  return peers
}

export interface SectionEditorProps {
  sectionId: string
  title: string
  user: EditorUser
  /** False for people who may only read, and while the section's stage is under review. */
  editable: boolean
  /** The server's last rendering (sanitised HTML), shown until the live document has synced. */
  savedHtml: string
  /** Quotes of open comment threads, highlighted in the text. */
  highlights?: readonly string[]
}

/** The live editor of one section: TipTap over a shared Yjs document. */
const NO_QUOTES: readonly string[] = []

export default function SectionEditor({ sectionId, title, user, editable, savedHtml, highlights = NO_QUOTES }: SectionEditorProps) {
  const previewRef = useRef<HTMLDivElement>(null)
  const { doc, provider, state, denied } = useCollab(sectionId)
  const peers = usePeers(provider)
  const canWrite = editable && !denied
  // Read by the editor's attributes on every view update (setEditable triggers one).
  const canWriteRef = useRef(canWrite)

  const editor = useEditor(
    {
      extensions: [
        StarterKit.configure({
          // Undo comes from Yjs, per user; the editor's own history would fight it.
          undoRedo: false,
          // The server's document model has no underline.
          underline: false,
          heading: { levels: [1, 2, 3] },
          link: { openOnClick: false, autolink: true },
        }),
        Collaboration.configure({ document: doc, field: 'default' }),
        CollaborationCaret.configure({ provider, user: { name: user.name, color: colorFor(user.id) } }),
        CommentHighlights,
      ],
      editable: canWrite,
      editorProps: {
        attributes: () => ({
          id: 'section-text',
          class: 'prose-editor',
          role: 'textbox',
          'aria-multiline': 'true',
          'aria-label': `${title} (text)`,
          'aria-readonly': String(!canWriteRef.current),
        }),
      },
    },
    [doc, provider],
  )

  useEffect(() => {
    if (editor) setHighlights(editor, highlights)
    if (previewRef.current) highlightHtml(previewRef.current, highlights)
    // `savedHtml` re-renders the preview's HTML, which drops its marks: mark it again.
    // oxlint-disable-next-line react/exhaustive-effect-dependencies
  }, [editor, highlights, savedHtml])

  useEffect(() => {
    canWriteRef.current = canWrite
    editor?.setEditable(canWrite)
  }, [editor, canWrite])

  return (
    <div className="editor">
      <div className="editor-bar">
        {editor && <Toolbar editor={editor} disabled={!canWrite || state !== 'synced'} />}
        <p className={`sync sync-${state}`} role="status">
          {state === 'synced' ? 'Saved · live' : state === 'offline' ? 'Offline: changes will be sent when you reconnect' : 'Connecting…'}
        </p>
      </div>
      {peers.length > 0 && (
        <ul className="peers" aria-label="Also in this section">
          {peers.map((p) => (
            <li key={p.clientId} className="peer" style={{ backgroundColor: p.color }}>
              {p.name}
            </li>
          ))}
        </ul>
      )}
      {state !== 'synced' && (
        <div className="editor-surface prose-preview" aria-label={`${title} (last saved text)`} role="region">
          {/* Sanitised on the server (only the plan's node and mark types survive). */}
          <div ref={previewRef} dangerouslySetInnerHTML={{ __html: savedHtml }} />
        </div>
      )}
      <EditorContent editor={editor} className="editor-surface" hidden={state !== 'synced'} />
    </div>
  )
}
