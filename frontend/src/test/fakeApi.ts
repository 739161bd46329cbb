import { vi } from 'vitest'

type Handler = (init: RequestInit) => Response | Promise<Response>

export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json', ...headers },
  })
}

export function problem(status: number, title: string, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}) {
  return new Response(JSON.stringify({ type: 'about:blank', title, status, ...extra }), {
    status,
    headers: { 'content-type': 'application/problem+json', ...headers },
  })
}

/**
 * Replaces `fetch` with a router over `"METHOD /path"` keys (path without /api/v1). Unknown
 * routes answer 404 problem+json. Returns the mock so tests can inspect calls.
 */
export function fakeApi(routes: Record<string, Handler>) {
  const mock = vi.fn<typeof fetch>(async (input, init = {}) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url
    const path = url.replace(/^https?:\/\/[^/]+/, '').replace(/^\/api\/v1/, '')
    const handler = routes[`${init.method ?? 'GET'} ${path}`]
    return handler ? handler(init) : problem(404, 'Not Found')
  })
  vi.stubGlobal('fetch', mock)
  return mock
}
