import { describe, expect, it } from 'vitest'
import { fakeApi, json, problem } from '../test/fakeApi.ts'
import { ApiError, parseRetryAfter, request } from './client.ts'

describe('request', () => {
  it('sends JSON with the session cookie and parses the answer', async () => {
    const fetch = fakeApi({ 'POST /auth/login': () => json({ user: { id: 'u1' } }) })

    const body = await request<{ user: { id: string } }>('POST', '/auth/login', { body: { email: 'a@b.c', password: 'x' } })

    expect(body.user.id).toBe('u1')
    const [url, init = {}] = fetch.mock.calls[0] ?? []
    expect(url).toBe('/api/v1/auth/login')
    expect(init.credentials).toBe('same-origin')
    expect(init.body).toBe('{"email":"a@b.c","password":"x"}')
    expect(init.headers).toMatchObject({ 'Content-Type': 'application/json' })
  })

  it('resolves with undefined for 204 No Content', async () => {
    fakeApi({ 'POST /auth/logout': () => new Response(null, { status: 204 }) })

    await expect(request('POST', '/auth/logout')).resolves.toBeUndefined()
  })

  it('turns a problem+json answer into an ApiError with its field errors', async () => {
    fakeApi({
      'POST /networks': () =>
        problem(422, 'Invalid input', {
          detail: 'Some fields are not valid.',
          errors: [{ field: 'duration_months', message: 'must be between 12 and 14' }],
        }),
    })

    const error = await request('POST', '/networks', { body: {} }).catch((e: unknown) => e)

    expect(error).toBeInstanceOf(ApiError)
    const e = error as ApiError
    expect(e.status).toBe(422)
    expect(e.title).toBe('Invalid input')
    expect(e.detail).toBe('Some fields are not valid.')
    expect(e.fieldError('duration_months')).toBe('must be between 12 and 14')
  })

  it('reads Retry-After on 429', async () => {
    fakeApi({ 'POST /auth/login': () => problem(429, 'Too Many Requests', {}, { 'retry-after': '120' }) })

    const e = (await request('POST', '/auth/login', { body: {} }).catch((x: unknown) => x)) as ApiError

    expect(e.status).toBe(429)
    expect(e.retryAfter).toBe(120)
  })

  it('keeps the status line when the body is not JSON', async () => {
    fakeApi({ 'GET /me': () => new Response('<h1>Bad gateway</h1>', { status: 502, statusText: 'Bad Gateway' }) })

    const e = (await request('GET', '/me').catch((x: unknown) => x)) as ApiError

    expect(e.status).toBe(502)
    expect(e.title).toBe('Bad Gateway')
    expect(e.errors).toEqual([])
  })
})

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates', () => {
    const now = Date.parse('2026-11-21T10:00:00Z')
    expect(parseRetryAfter('30', now)).toBe(30)
    expect(parseRetryAfter('Sat, 21 Nov 2026 10:01:30 GMT', now)).toBe(90)
    expect(parseRetryAfter(null, now)).toBeUndefined()
    expect(parseRetryAfter('soon', now)).toBeUndefined()
  })
})
