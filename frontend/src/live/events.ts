/**
 * The tab's one connection to `GET /api/v1/events`: JSON events the user may see. It reconnects
 * with exponential back-off (with jitter) and tells listeners when it comes back, so pages can
 * refetch what they may have missed while offline.
 */

/** One live event, as the server sends it. */
export interface LiveEvent {
  type: string
  network_id: string | null
  city_id: string | null
  data: unknown
  at: string
}

/** `offline`: the socket was open and dropped; it is being retried. */
export type ConnectionStatus = 'connecting' | 'online' | 'offline'

type EventListener = (event: LiveEvent) => void
type StatusListener = (status: ConnectionStatus) => void
type ReconnectListener = () => void

/** Delay before reconnect attempt `attempt` (0-based): 0.5 s doubling up to 30 s, ±20 % jitter. */
export function backoffDelay(attempt: number, random: () => number = Math.random): number {
  const base = Math.min(30_000, 500 * 2 ** Math.max(0, attempt))
  return Math.round(base * (0.8 + 0.4 * random()))
}

export function isLiveEvent(value: unknown): value is LiveEvent {
  if (typeof value !== 'object' || value === null) return false
  const v = value as Record<string, unknown>
  return typeof v.type === 'string' && typeof v.at === 'string'
}

/** The socket URL for a path under /api/v1, on the page's own host. */
export function socketUrl(path: string, location: Pick<Location, 'protocol' | 'host'> = window.location): string {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:'
  return `${scheme}//${location.host}/api/v1${path}`
}

export interface EventsConnectionOptions {
  url: string
  /** Injected in tests. */
  createSocket?: (url: string) => WebSocket
  setTimer?: (fn: () => void, ms: number) => unknown
  clearTimer?: (handle: unknown) => void
}

export class EventsConnection {
  #options: Required<EventsConnectionOptions>
  #socket: WebSocket | null = null
  #status: ConnectionStatus = 'connecting'
  #attempt = 0
  #timer: unknown = null
  #stopped = true
  #everOpened = false
  #events = new Set<EventListener>()
  #statuses = new Set<StatusListener>()
  #reconnects = new Set<ReconnectListener>()

  constructor(options: EventsConnectionOptions) {
    this.#options = {
      createSocket: (url) => new WebSocket(url),
      setTimer: (fn, ms) => setTimeout(fn, ms),
      clearTimer: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
      ...options,
    }
  }

  get status(): ConnectionStatus {
    return this.#status
  }

  start(): void {
    if (!this.#stopped) return
    this.#stopped = false
    this.#connect()
  }

  stop(): void {
    this.#stopped = true
    if (this.#timer !== null) this.#options.clearTimer(this.#timer)
    this.#timer = null
    const socket = this.#socket
    this.#socket = null
    if (socket) {
      socket.onclose = null
      socket.close()
    }
  }

  /** Reconnects at once (e.g. the browser says it is online again). */
  retryNow(): void {
    if (this.#stopped || this.#status === 'online') return
    if (this.#timer !== null) this.#options.clearTimer(this.#timer)
    this.#timer = null
    if (!this.#socket) this.#connect()
  }

  onEvent(listener: EventListener): () => void {
    this.#events.add(listener)
    return () => this.#events.delete(listener)
  }

  onStatus(listener: StatusListener): () => void {
    this.#statuses.add(listener)
    return () => this.#statuses.delete(listener)
  }

  /** Called each time the socket opens again after having been lost. */
  onReconnect(listener: ReconnectListener): () => void {
    this.#reconnects.add(listener)
    return () => this.#reconnects.delete(listener)
  }

  #setStatus(status: ConnectionStatus) {
    if (this.#status === status) return
    this.#status = status
    for (const l of this.#statuses) l(status)
  }

  #connect() {
    let socket: WebSocket
    try {
      socket = this.#options.createSocket(this.#options.url)
    } catch {
      this.#scheduleRetry()
      return
    }
    this.#socket = socket
    socket.onopen = () => {
      this.#attempt = 0
      const again = this.#everOpened
      this.#everOpened = true
      this.#setStatus('online')
      if (again) for (const l of this.#reconnects) l()
    }
    socket.onmessage = (message: MessageEvent) => {
      if (typeof message.data !== 'string') return
      let parsed: unknown
      try {
        parsed = JSON.parse(message.data)
      } catch {
        return
      }
      if (isLiveEvent(parsed)) for (const l of this.#events) l(parsed)
    }
    socket.onclose = () => {
      this.#socket = null
      if (this.#stopped) return
      // Offline means "was live and lost it"; a socket that never opened is still connecting.
      if (this.#everOpened) this.#setStatus('offline')
      this.#scheduleRetry()
    }
  }

  #scheduleRetry() {
    if (this.#stopped) return
    const delay = backoffDelay(this.#attempt)
    this.#attempt += 1
    this.#timer = this.#options.setTimer(() => {
      this.#timer = null
      this.#connect()
    }, delay)
  }
}
