import { useId, useRef, useState, type FormEvent } from 'react'
import { isApiError } from '../api/index.ts'
import { useSession } from '../auth/session.ts'
import { signInErrorMessage, validateSignIn, type Field, type FieldErrors } from '../lib/signIn.ts'
import { usePageTitle } from '../lib/usePageTitle.ts'

export function SignInPage({ expired = false }: { expired?: boolean }) {
  usePageTitle('Sign in')
  const { signIn } = useSession()
  const id = useId()
  const emailRef = useRef<HTMLInputElement>(null)
  const passwordRef = useRef<HTMLInputElement>(null)
  const [email, setEmail] = useState('')
  const [password, setPassword] = useState('')
  const [showPassword, setShowPassword] = useState(false)
  const [fieldErrors, setFieldErrors] = useState<FieldErrors>({})
  const [formError, setFormError] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)

  const onSubmit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault()
    setFormError(null)
    const errors = validateSignIn(email, password)
    setFieldErrors(errors)
    if (errors.email) return emailRef.current?.focus()
    if (errors.password) return passwordRef.current?.focus()

    setBusy(true)
    try {
      await signIn(email.trim(), password)
      // The session now holds the user; the route shows their networks.
    } catch (e) {
      setBusy(false)
      if (isApiError(e) && e.errors.length > 0) {
        const serverErrors: FieldErrors = {}
        const emailError = e.fieldError('email')
        const passwordError = e.fieldError('password')
        if (emailError) serverErrors.email = emailError
        if (passwordError) serverErrors.password = passwordError
        setFieldErrors(serverErrors)
      }
      setFormError(signInErrorMessage(e))
      if (isApiError(e) && e.status === 401) {
        setPassword('')
        passwordRef.current?.focus()
      }
    }
  }

  const describedBy = (field: Field) => (fieldErrors[field] ? `${id}-${field}-error` : undefined)

  return (
    <div className="sign-in">
      <div className="sign-in-intro">
        <h1>Sign in</h1>
        <p className="lead">
          Co-write your city’s <strong>Integrated Action Plan</strong> with your URBACT Local Group (ULG), follow
          each stage of the planning period and share progress with your network.
        </p>
      </div>

      <form className="card sign-in-form" noValidate onSubmit={onSubmit} aria-labelledby={`${id}-title`}>
        <h2 id={`${id}-title`} className="form-title">
          Sign in to IAP Studio
        </h2>

        {expired && !formError && (
          <p className="notice notice-info" role="status">
            Your session has ended. Please sign in again.
          </p>
        )}
        <div role="alert" className={formError ? 'notice notice-error' : undefined}>
          {formError}
        </div>

        <div className="field">
          <label htmlFor={`${id}-email`}>Email address</label>
          <input
            ref={emailRef}
            id={`${id}-email`}
            name="email"
            type="email"
            autoComplete="username"
            inputMode="email"
            spellCheck={false}
            value={email}
            onChange={(e) => setEmail(e.target.value)}
            aria-invalid={fieldErrors.email ? true : undefined}
            aria-describedby={describedBy('email')}
            required
          />
          {fieldErrors.email && (
            <p id={`${id}-email-error`} className="field-error">
              {fieldErrors.email}
            </p>
          )}
        </div>

        <div className="field">
          <label htmlFor={`${id}-password`}>Password</label>
          <input
            ref={passwordRef}
            id={`${id}-password`}
            name="password"
            type={showPassword ? 'text' : 'password'}
            autoComplete="current-password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            aria-invalid={fieldErrors.password ? true : undefined}
            aria-describedby={describedBy('password')}
            required
          />
          {fieldErrors.password && (
            <p id={`${id}-password-error`} className="field-error">
              {fieldErrors.password}
            </p>
          )}
          <label className="checkbox">
            <input type="checkbox" checked={showPassword} onChange={(e) => setShowPassword(e.target.checked)} />
            Show password
          </label>
        </div>

        <button type="submit" className="button button-primary button-block" disabled={busy} aria-busy={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>

        <p className="hint">
          New to IAP Studio? Your ULG coordinator or your network’s lead partner sends you an invitation by email.
        </p>
      </form>
    </div>
  )
}
