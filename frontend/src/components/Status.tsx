import type { ApiError } from '../api/index.ts'

export function Loading({ label = 'Loading…' }: { label?: string }) {
  return (
    <p className="loading" role="status">
      {label}
    </p>
  )
}

/** A failed load, with a way to try again. */
export function LoadError({ error, onRetry }: { error: ApiError; onRetry?: () => void }) {
  const message =
    error.status === 404
      ? 'This page does not exist, or you do not have access to it.'
      : (error.detail ?? 'Please try again in a moment.')
  return (
    <div className="notice notice-error" role="alert">
      <p className="notice-title">{error.status === 404 ? 'Not found' : error.title}</p>
      <p>{message}</p>
      {onRetry && error.status !== 404 && (
        <button type="button" className="button button-secondary" onClick={onRetry}>
          Try again
        </button>
      )}
    </div>
  )
}
