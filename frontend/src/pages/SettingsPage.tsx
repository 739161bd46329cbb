import { useState } from 'react'
import { api, isApiError, type EmailMode, type NotificationSettings } from '../api/index.ts'
import { useMe } from '../auth/session.ts'
import { Options } from '../components/Options.tsx'
import { LoadError, Loading } from '../components/Status.tsx'
import { useApi } from '../lib/useApi.ts'
import { usePageTitle } from '../lib/usePageTitle.ts'

const MODES: readonly [EmailMode, string][] = [
  ['immediate', 'Right away'],
  ['daily', 'In a daily digest'],
  ['off', 'Never (only in the app)'],
]

/** The kinds the server notifies about, in words. */
const KINDS: readonly [string, string][] = [
  ['mention', 'Someone mentions me'],
  ['reply', 'Someone replies to my comment'],
  ['stage_submitted', 'A stage is submitted for approval'],
  ['stage_approved', 'A stage is approved'],
  ['stage_returned', 'A stage is returned'],
  ['deadline_soon', 'A deadline is near'],
  ['member_joined', 'Someone joins'],
]

const HOURS = Array.from({ length: 24 }, (_, h) => h)

function zones(current: string): string[] {
  const all = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : []
  return all.includes(current) ? all : [current, ...all]
}

function SettingsForm({ initial }: { initial: NotificationSettings }) {
  const [s, setS] = useState(initial)
  const [saved, setSaved] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const overrides = s.overrides ?? {}
  return (
    <form
      className="card"
      onSubmit={(e) => {
        e.preventDefault()
        setSaved(false)
        setError(null)
        api.saveNotificationSettings(s).then(
          (next) => {
            setS(next)
            setSaved(true)
          },
          (err: unknown) => setError(isApiError(err) ? (err.errors.map((x) => `${x.field}: ${x.message}`).join('; ') || err.title) : String(err)),
        )
      }}
    >
      <h2>Email notifications</h2>
      <div className="form-grid">
        <div className="field">
          <label htmlFor="email-mode">Email me</label>
          <select id="email-mode" value={s.email} onChange={(e) => setS({ ...s, email: e.target.value as EmailMode })}>
            <Options list={MODES} />
          </select>
        </div>
        <div className="field">
          <label htmlFor="digest-hour">Daily digest at</label>
          <select id="digest-hour" value={s.digest_hour} onChange={(e) => setS({ ...s, digest_hour: Number(e.target.value) })}>
            {HOURS.map((h) => (
              <option key={h} value={h}>
                {String(h).padStart(2, '0')}:00
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="time-zone">Time zone</label>
          <select id="time-zone" value={s.time_zone} onChange={(e) => setS({ ...s, time_zone: e.target.value })}>
            {zones(s.time_zone).map((z) => (
              <option key={z} value={z}>
                {z}
              </option>
            ))}
          </select>
        </div>
      </div>
      <fieldset className="rows">
        <legend>Per kind</legend>
        <div className="form-grid">
          {KINDS.map(([kind, words]) => (
            <div className="field" key={kind}>
              <label htmlFor={`override-${kind}`}>{words}</label>
              <select
                id={`override-${kind}`}
                value={overrides[kind] ?? ''}
                onChange={(e) => {
                  const next = { ...overrides }
                  if (e.target.value === '') delete next[kind]
                  else next[kind] = e.target.value as EmailMode
                  setS({ ...s, overrides: next })
                }}
              >
                <option value="">As above</option>
                <Options list={MODES} />
              </select>
            </div>
          ))}
        </div>
      </fieldset>
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
      <p role="status">{saved ? 'Saved.' : ''}</p>
      <button type="submit" className="button button-primary">
        Save settings
      </button>
    </form>
  )
}

/** `/settings`: profile (read-only), password (by the reset e-mail) and notification settings. */
export function SettingsPage() {
  const me = useMe()
  const settings = useApi('notification-settings', (signal) => api.notificationSettings(signal))
  const [resetSent, setResetSent] = useState(false)
  usePageTitle('Settings')
  return (
    <>
      <div className="page-head">
        <h1>Settings</h1>
      </div>
      <section className="card" aria-labelledby="profile-title">
        <h2 id="profile-title">Profile</h2>
        <dl>
          <dt>Name</dt>
          <dd>{me.name}</dd>
          <dt>Email</dt>
          <dd>{me.email}</dd>
        </dl>
        <p className="meta">Ask your city coordinator to change your name or e-mail address.</p>
      </section>
      <section className="card" aria-labelledby="password-title">
        <h2 id="password-title">Password</h2>
        <p>We send a link to {me.email} to choose a new password.</p>
        <button
          type="button"
          className="button button-secondary"
          disabled={resetSent}
          onClick={() => void api.requestPasswordReset(me.email).then(() => setResetSent(true))}
        >
          Send me a password link
        </button>
        <p role="status">{resetSent ? 'Sent: check your e-mail.' : ''}</p>
      </section>
      {settings.status === 'loading' && <Loading />}
      {settings.status === 'error' && <LoadError error={settings.error} onRetry={settings.reload} />}
      {settings.status === 'ok' && <SettingsForm initial={settings.data} />}
    </>
  )
}
