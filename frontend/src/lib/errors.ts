import { ApiError, isApiError } from '../api/index.ts'

export function toApiError(e: unknown): ApiError {
  return isApiError(e) ? e : new ApiError({ status: 0, title: 'Something went wrong', detail: String(e) })
}
