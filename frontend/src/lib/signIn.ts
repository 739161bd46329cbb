import { isApiError } from '../api/index.ts'
import { formatWait } from './format.ts'

export type Field = 'email' | 'password'
export type FieldErrors = Partial<Record<Field, string>>

export function validateSignIn(email: string, password: string): FieldErrors {
  const errors: FieldErrors = {}
  if (email.trim() === '') errors.email = 'Enter your email address.'
  else if (!/^[^\s@]+@[^\s@]+$/.test(email.trim())) errors.email = 'Enter an email address like name@city.example.org.'
  if (password === '') errors.password = 'Enter your password.'
  return errors
}

/** Turns a failed sign-in into one sentence for the form's alert. */
export function signInErrorMessage(e: unknown): string {
  if (!isApiError(e)) return 'Something went wrong. Please try again.'
  switch (e.status) {
    case 401:
      return 'The email address or password is not right. Check them and try again.'
    case 429:
      return e.retryAfter !== undefined
        ? `Too many sign-in attempts. Please wait ${formatWait(e.retryAfter)} and try again.`
        : 'Too many sign-in attempts. Please wait a few minutes and try again.'
    case 0:
      return 'Could not reach IAP Studio. Check your connection and try again.'
    default:
      return e.detail ?? e.title
  }
}
