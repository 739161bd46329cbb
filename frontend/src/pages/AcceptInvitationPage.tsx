import { useId, useState, type FormEvent } from 'react'
import { useNavigate, useParams } from 'react-router'
import { api, type ApiError } from '../api/index.ts'
import { useSession } from '../auth/session.ts'
import { ErrorNotice } from '../components/ErrorNotice.tsx'
import { LoadError, Loading } from '../components/Status.tsx'
import { toApiError } from '../lib/errors.ts'
import { formatDateTime } from '../lib/format.ts'
import { roleLabel } from '../lib/roles.ts'
import { useApi } from '../lib/useApi.ts'
import { usePageTitle } from '../lib/usePageTitle.ts'

/** The server's rule for a new account's password. */
export const MIN_PASSWORD = 12

/** `/invitations/:token`: join a city or network, creating an account or with an existing one. */
export function AcceptInvitationPage() {
  usePageTitle('Accept your invitation')
  const { token = '' } = useParams()
  const { refresh } = useSession()
  const navigate = useNavigate()
  const id = useId()
  const info = useApi(`invitation:${token}`, (signal) => api.invitation(token, signal))
  const [name, setName] = useState('')
  const [password, setPassword] = useState('')
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<ApiError | null>(null)

  if (info.status === 'loading') return <Loading />
  if (info.status === 'error') {
    return (
      <>
        <h1>Invitation</h1>
        {info.error.status === 404 ? (
          <div className="notice notice-error" role="alert">
            <p className="notice-title">This invitation is not valid</p>
            <p>It may have expired or been used already. Ask the person who invited you for a new link.</p>
          </div>
        ) : (
          <LoadError error={info.error} onRetry={info.reload} />
        )}
      </>
    )
  }

  const inv = info.data
  const place = inv.city_name ? `${inv.city_name} (${inv.network_name})` : inv.network_name
  const existing = inv.account_exists
  const nameError = error?.fieldError('name')
  const passwordError =
    error?.fieldError('password') ??
    (!existing && password.length > 0 && password.length < MIN_PASSWORD ? `At least ${MIN_PASSWORD} characters` : undefined)

  const submit = async (event: FormEvent) => {
    event.preventDefault()
    setBusy(true)
    setError(null)
    try {
      await api.acceptInvitation(token, existing ? { password } : { name: name.trim(), password })
      await refresh()
      await navigate(inv.city_id ? `/cities/${inv.city_id}` : `/networks/${inv.network_id}`, { replace: true })
    } catch (e) {
      setError(toApiError(e))
      setBusy(false)
    }
  }

  return (
    <div className="narrow">
      <h1>Join {place}</h1>
      <p className="lead">
        You are invited as <strong>{roleLabel(inv.role)}</strong>. The invitation for {inv.email} is valid until{' '}
        {formatDateTime(inv.expires_at)}.
      </p>
      <form className="card" onSubmit={submit} noValidate aria-labelledby={`${id}-title`}>
        <h2 id={`${id}-title`} className="form-title">
          {existing ? 'Sign in to accept' : 'Create your account'}
        </h2>
        {error && !nameError && !error.fieldError('password') && <ErrorNotice error={error} />}
        <div className="field">
          <label htmlFor={`${id}-email`}>Email address</label>
          <input id={`${id}-email`} type="email" value={inv.email} readOnly autoComplete="username" />
        </div>
        {!existing && (
          <div className="field">
            <label htmlFor={`${id}-name`}>Your name</label>
            <input
              id={`${id}-name`}
              type="text"
              autoComplete="name"
              value={name}
              onChange={(e) => setName(e.target.value)}
              required
              aria-invalid={nameError ? true : undefined}
              aria-describedby={nameError ? `${id}-name-error` : undefined}
            />
            {nameError && (
              <p id={`${id}-name-error`} className="field-error">
                {nameError}
              </p>
            )}
          </div>
        )}
        <div className="field">
          <label htmlFor={`${id}-password`}>{existing ? 'Your password' : 'Choose a password'}</label>
          <input
            id={`${id}-password`}
            type="password"
            autoComplete={existing ? 'current-password' : 'new-password'}
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            required
            aria-invalid={passwordError ? true : undefined}
            aria-describedby={`${id}-password-hint${passwordError ? ` ${id}-password-error` : ''}`}
          />
          <p id={`${id}-password-hint`} className="hint">
            {existing ? 'The password of your IAP Studio account.' : `At least ${MIN_PASSWORD} characters.`}
          </p>
          {passwordError && (
            <p id={`${id}-password-error`} className="field-error">
              {passwordError}
            </p>
          )}
        </div>
        <button
          type="submit"
          className="button button-primary button-block"
          disabled={busy || password === '' || (!existing && (name.trim() === '' || password.length < MIN_PASSWORD))}
        >
          {busy ? 'Joining…' : 'Accept invitation'}
        </button>
      </form>
    </div>
  )
}
