import { useId, useState, type FormEvent } from 'react'
import { api, type ApiError, type InvitationCreated, type MemberView, type PendingInvitation, type Role } from '../api/index.ts'
import { ErrorNotice } from '../components/ErrorNotice.tsx'
import { toApiError } from '../lib/errors.ts'
import { formatDateTime } from '../lib/format.ts'
import { roleLabel } from '../lib/roles.ts'

/** The roles a city coordinator hands out in their city. */
const CITY_ROLES = ['city_coordinator', 'ulg_member', 'observer'] as const satisfies readonly Role[]

/** Copies text to the clipboard, saying so for screen readers too. */
function CopyButton({ text, label }: { text: string; label: string }) {
  const [copied, setCopied] = useState<'yes' | 'no' | null>(null)
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text)
      setCopied('yes')
    } catch {
      setCopied('no')
    }
  }
  return (
    <>
      <button type="button" className="button button-secondary" onClick={() => void copy()}>
        {label}
      </button>
      <span role="status" className="meta small">
        {copied === 'yes' ? 'Copied' : copied === 'no' ? 'Could not copy: select the link and copy it' : ''}
      </span>
    </>
  )
}

function InviteForm({ cityId, onInvited }: { cityId: string; onInvited: () => void }) {
  const emailId = useId()
  const roleId = useId()
  const linkId = useId()
  const [email, setEmail] = useState('')
  const [role, setRole] = useState<Role>('ulg_member')
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<ApiError | null>(null)
  const [created, setCreated] = useState<InvitationCreated | null>(null)

  const submit = async (event: FormEvent) => {
    event.preventDefault()
    setBusy(true)
    setError(null)
    try {
      setCreated(await api.invite(cityId, { email: email.trim(), role }))
      setEmail('')
      onInvited()
    } catch (e) {
      setError(toApiError(e))
    } finally {
      setBusy(false)
    }
  }

  const emailError = error?.fieldError('email')
  return (
    <form className="invite-form" onSubmit={submit} aria-labelledby="invite-title" noValidate>
      <h3 id="invite-title">Invite someone</h3>
      <div className="form-row">
        <div className="field">
          <label htmlFor={emailId}>Email address</label>
          <input
            id={emailId}
            type="email"
            autoComplete="off"
            value={email}
            onChange={(e) => setEmail(e.target.value)}
            required
            aria-invalid={emailError ? true : undefined}
            aria-describedby={emailError ? `${emailId}-error` : undefined}
          />
          {emailError && (
            <p id={`${emailId}-error`} className="field-error">
              {emailError}
            </p>
          )}
        </div>
        <div className="field">
          <label htmlFor={roleId}>Role</label>
          <select id={roleId} value={role} onChange={(e) => setRole(e.target.value as Role)}>
            {CITY_ROLES.map((r) => (
              <option key={r} value={r}>
                {roleLabel(r)}
              </option>
            ))}
          </select>
        </div>
        <button type="submit" className="button button-primary" disabled={busy || email.trim() === ''}>
          {busy ? 'Inviting…' : 'Create invitation'}
        </button>
      </div>
      {error && !emailError && <ErrorNotice error={error} />}
      {created && (
        <div className="notice notice-info">
          <p className="notice-title">
            Invitation for {created.email} ({roleLabel(created.role)}), valid until {formatDateTime(created.expires_at)}
          </p>
          <label htmlFor={linkId}>Invitation link (also sent by email)</label>
          <div className="form-row">
            <input id={linkId} readOnly value={created.accept_url} onFocus={(e) => e.currentTarget.select()} className="link-field" />
            <CopyButton text={created.accept_url} label="Copy link" />
          </div>
        </div>
      )}
    </form>
  )
}

function MemberRow({
  member,
  canManage,
  onChanged,
}: {
  member: MemberView
  canManage: boolean
  onChanged: () => void
}) {
  const roleId = useId()
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<ApiError | null>(null)
  const act = async (run: () => Promise<unknown>) => {
    setBusy(true)
    setError(null)
    try {
      await run()
      onChanged()
    } catch (e) {
      setError(toApiError(e))
    } finally {
      setBusy(false)
    }
  }
  const cityRole = (CITY_ROLES as readonly string[]).includes(member.role)
  return (
    <tr>
      <th scope="row">
        {member.name}
        <span className="meta small block">{member.email}</span>
      </th>
      <td>
        <div className="member-role">
        {canManage && cityRole ? (
          <>
            <label htmlFor={roleId} className="visually-hidden">
              Role of {member.name}
            </label>
            <select
              id={roleId}
              value={member.role}
              disabled={busy}
              onChange={(e) => void act(() => api.changeRole(member.id, e.target.value as Role))}
            >
              {CITY_ROLES.map((r) => (
                <option key={r} value={r}>
                  {roleLabel(r)}
                </option>
              ))}
            </select>
          </>
        ) : (
          roleLabel(member.role)
        )}
        {canManage && cityRole && (
          <button
            type="button"
            className="button button-quiet-dark"
            disabled={busy}
            onClick={() => {
              if (window.confirm(`Remove ${member.name} from this city?`)) void act(() => api.removeMember(member.id))
            }}
          >
            Remove<span className="visually-hidden"> {member.name}</span>
          </button>
        )}
        </div>
        {error && <ErrorNotice error={error} />}
      </td>
    </tr>
  )
}

/** The city's ULG: members, and for coordinators role changes, removal and invitations. */
export function MembersPanel({
  cityId,
  members,
  invitations,
  canManage,
  onChanged,
}: {
  cityId: string
  members: readonly MemberView[]
  invitations: readonly PendingInvitation[] | null
  canManage: boolean
  onChanged: () => void
}) {
  return (
    <section className="card" aria-labelledby="members-title">
      <h2 id="members-title">ULG members</h2>
      <table className="table members-table">
        <caption className="visually-hidden">People in this city’s Local Group</caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Role</th>
          </tr>
        </thead>
        <tbody>
          {members.map((m) => (
            <MemberRow key={m.id} member={m} canManage={canManage} onChanged={onChanged} />
          ))}
        </tbody>
      </table>
      {canManage && (
        <>
          <InviteForm cityId={cityId} onInvited={onChanged} />
          {invitations && invitations.length > 0 && (
            <>
              <h3>Waiting for an answer</h3>
              <ul className="plain-list">
                {invitations.map((i) => (
                  <li key={i.id}>
                    {i.email} · {roleLabel(i.role)} · until {formatDateTime(i.expires_at)}
                  </li>
                ))}
              </ul>
            </>
          )}
        </>
      )}
    </section>
  )
}
