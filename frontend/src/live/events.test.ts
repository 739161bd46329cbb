import { describe, expect, it, vi } from 'vitest'
import { backoffDelay, EventsConnection, socketUrl } from './events.ts'

/** A stand-in for the browser's WebSocket that the test opens, feeds and closes by hand. */
class FakeSocket {
  onopen: (() => void) | null = null
  onmessage: ((m: { data: unknown }) => void) | null = null
  onclose: (() => void) | null = null
  closed = false
  readonly url: string
  constructor(url: string) {
    this.url = url
  }
  close() {
    this.closed = true
  }
}

function harness() {
  const sockets: FakeSocket[] = []
  const timers: { fn: () => void; ms: number }[] = []
  const connection = new EventsConnection({
    url: 'ws://x/api/v1/events',
    createSocket: (url) => {
      const s = new FakeSocket(url)
      sockets.push(s)
      return s as unknown as WebSocket
    },
    setTimer: (fn, ms) => timers.push({ fn, ms }),
    clearTimer: () => {},
  })
  return { connection, sockets, timers }
}

describe('backoffDelay', () => {
  it('doubles from half a second and stops at thirty seconds', () => {
    const mid = () => 0.5
    expect([0, 1, 2, 3].map((a) => backoffDelay(a, mid))).toEqual([500, 1000, 2000, 4000])
    expect(backoffDelay(20, mid)).toBe(30_000)
  })

  it('spreads reconnects by ±20 %', () => {
    expect(backoffDelay(1, () => 0)).toBe(800)
    expect(backoffDelay(1, () => 1)).toBe(1200)
  })
})

describe('socketUrl', () => {
  it('uses wss behind https', () => {
    expect(socketUrl('/events', { protocol: 'https:', host: 'iap.example.org' })).toBe('wss://iap.example.org/api/v1/events')
    expect(socketUrl('/events', { protocol: 'http:', host: '127.0.0.1:8080' })).toBe('ws://127.0.0.1:8080/api/v1/events')
  })
})

describe('EventsConnection', () => {
  it('delivers parsed events and ignores what is not an event', () => {
    const { connection, sockets } = harness()
    const seen = vi.fn<(e: unknown) => void>()
    connection.onEvent(seen)
    connection.start()

    sockets[0]?.onopen?.()
    sockets[0]?.onmessage?.({ data: JSON.stringify({ type: 'stage.changed', network_id: 'n', city_id: 'c', data: {}, at: '2026-11-21T10:00:00Z' }) })
    sockets[0]?.onmessage?.({ data: 'not json' })
    sockets[0]?.onmessage?.({ data: JSON.stringify({ hello: 1 }) })

    expect(connection.status).toBe('online')
    expect(seen).toHaveBeenCalledTimes(1)
    expect(seen.mock.calls[0]?.[0]).toMatchObject({ type: 'stage.changed', city_id: 'c' })
  })

  it('goes offline when the socket drops, retries with growing delays and announces the reconnect', () => {
    const { connection, sockets, timers } = harness()
    const statuses: string[] = []
    const reconnected = vi.fn<() => void>()
    connection.onStatus((s) => statuses.push(s))
    connection.onReconnect(reconnected)
    connection.start()
    sockets[0]?.onopen?.()

    sockets[0]?.onclose?.()
    timers[0]?.fn()
    sockets[1]?.onclose?.()
    timers[1]?.fn()
    sockets[2]?.onopen?.()

    expect(statuses).toEqual(['online', 'offline', 'online'])
    expect(timers[1]?.ms).toBeGreaterThan(timers[0]?.ms ?? Infinity)
    expect(sockets).toHaveLength(3)
    expect(reconnected).toHaveBeenCalledTimes(1)
  })

  it('stays connecting, not offline, while it never managed to open', () => {
    const { connection, sockets, timers } = harness()
    connection.start()

    sockets[0]?.onclose?.()
    timers[0]?.fn()

    expect(connection.status).toBe('connecting')
    expect(sockets).toHaveLength(2)
  })

  it('stops for good when stopped', () => {
    const { connection, sockets, timers } = harness()
    connection.start()
    sockets[0]?.onopen?.()

    connection.stop()

    expect(sockets[0]?.closed).toBe(true)
    expect(timers).toHaveLength(0)
  })
})
