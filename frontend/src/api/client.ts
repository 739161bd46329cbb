import type { FieldError, Problem } from './types.ts'

/** Prefix of every API path. */
export const API_BASE = '/api/v1'

/**
 * An error answer from the API (RFC 9457 problem+json), or a failure to reach it (`status` 0).
 */
export class ApiError extends Error {
  readonly status: number
  readonly title: string
  readonly detail: string | undefined
  readonly errors: FieldError[]
  readonly type: string | undefined
  /** Seconds to wait before trying again (from `Retry-After`, on 429 and 503). */
  readonly retryAfter: number | undefined

  constructor(init: {
    status: number
    title: string
    detail?: string | undefined
    errors?: FieldError[] | undefined
    type?: string | undefined
    retryAfter?: number | undefined
  }) {
    super(init.detail ?? init.title)
    this.name = 'ApiError'
    this.status = init.status
    this.title = init.title
    this.detail = init.detail
    this.errors = init.errors ?? []
    this.type = init.type
    this.retryAfter = init.retryAfter
  }

  /** The message for one field, if the server named it. */
  fieldError(field: string): string | undefined {
    return this.errors.find((e) => e.field === field)?.message
  }
}

export function isApiError(value: unknown): value is ApiError {
  return value instanceof ApiError
}

/** Parses `Retry-After` (delay in seconds or an HTTP date) into whole seconds from `now`. */
export function parseRetryAfter(header: string | null, now: number = Date.now()): number | undefined {
  if (header === null || header.trim() === '') return undefined
  const trimmed = header.trim()
  if (/^\d+$/.test(trimmed)) return Number(trimmed)
  const at = Date.parse(trimmed)
  if (Number.isNaN(at)) return undefined
  return Math.max(0, Math.ceil((at - now) / 1000))
}

function isFieldErrorList(value: unknown): value is FieldError[] {
  return (
    Array.isArray(value) &&
    value.every(
      (e: unknown) =>
        typeof e === 'object' &&
        e !== null &&
        typeof (e as Record<string, unknown>).field === 'string' &&
        typeof (e as Record<string, unknown>).message === 'string',
    )
  )
}

/** Builds an {@link ApiError} from a failed response, whatever its body holds. */
export async function errorFromResponse(response: Response): Promise<ApiError> {
  let problem: Problem = {}
  const contentType = response.headers.get('content-type') ?? ''
  if (contentType.includes('json')) {
    try {
      const body: unknown = await response.json()
      if (typeof body === 'object' && body !== null) problem = body as Problem
    } catch {
      // A broken body still leaves us the status line.
    }
  }
  return new ApiError({
    status: response.status,
    title:
      typeof problem.title === 'string' && problem.title !== ''
        ? problem.title
        : response.statusText || `HTTP ${response.status}`,
    detail: typeof problem.detail === 'string' ? problem.detail : undefined,
    errors: isFieldErrorList(problem.errors) ? problem.errors : [],
    type: typeof problem.type === 'string' ? problem.type : undefined,
    retryAfter: parseRetryAfter(response.headers.get('retry-after')),
  })
}

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'

export interface RequestOptions {
  body?: unknown
  signal?: AbortSignal | undefined
  headers?: Record<string, string>
}

/**
 * Sends one JSON request to the API with the session cookie. Resolves with the parsed body
 * (`undefined` for 204) and rejects with an {@link ApiError}.
 */
export async function request<T>(method: Method, path: string, options: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json', ...options.headers }
  const init: RequestInit = { method, headers, credentials: 'same-origin' }
  if (options.body !== undefined) {
    headers['Content-Type'] = 'application/json'
    init.body = JSON.stringify(options.body)
  }
  if (options.signal) init.signal = options.signal

  let response: Response
  try {
    response = await fetch(`${API_BASE}${path}`, init)
  } catch (cause) {
    if (cause instanceof DOMException && cause.name === 'AbortError') throw cause
    throw new ApiError({
      status: 0,
      title: 'Could not reach the server',
      detail: 'Check your connection and try again.',
    })
  }

  if (!response.ok) throw await errorFromResponse(response)
  if (response.status === 204 || response.status === 205) return undefined as T
  const text = await response.text()
  return (text === '' ? undefined : JSON.parse(text)) as T
}
