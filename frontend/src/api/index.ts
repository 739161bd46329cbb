/** The API endpoints this app uses, one function each. */
import { request } from './client.ts'
import type {
  Acceptance,
  Action,
  ActionInput,
  ActionList,
  Comment,
  NewComment,
  NotificationPage,
  NotificationSettings,
  PlanDiff,
  VersionSummary,
  VersionView,
  AuditPage,
  CityDetail,
  Dashboard,
  HistoryEntry,
  Id,
  InvitationCreated,
  InvitationInfo,
  LoginRequest,
  LoginResponse,
  Me,
  MemberView,
  Network,
  NetworkDetail,
  NewInvitation,
  PendingInvitation,
  PlanView,
  Role,
  SectionView,
  StageView,
} from './types.ts'

export { ApiError, isApiError } from './client.ts'
export type * from './types.ts'

type Signal = AbortSignal | undefined

const e = encodeURIComponent

export type StageTransition = 'submit' | 'approve' | 'return' | 'reopen'

export const api = {
  login: (body: LoginRequest) => request<LoginResponse>('POST', '/auth/login', { body }),
  logout: () => request<void>('POST', '/auth/logout'),
  me: (signal?: Signal) => request<Me>('GET', '/me', { signal }),
  networks: (signal?: Signal) => request<Network[]>('GET', '/networks', { signal }),
  network: (id: Id, signal?: Signal) => request<NetworkDetail>('GET', `/networks/${e(id)}`, { signal }),
  dashboard: (id: Id, signal?: Signal) => request<Dashboard>('GET', `/networks/${e(id)}/dashboard`, { signal }),
  city: (id: Id, signal?: Signal) => request<CityDetail>('GET', `/cities/${e(id)}`, { signal }),
  plan: (cityId: Id, signal?: Signal) => request<PlanView>('GET', `/cities/${e(cityId)}/plan`, { signal }),
  section: (id: Id, signal?: Signal) => request<SectionView>('GET', `/sections/${e(id)}`, { signal }),

  members: (cityId: Id, signal?: Signal) => request<MemberView[]>('GET', `/cities/${e(cityId)}/members`, { signal }),
  changeRole: (membershipId: Id, role: Role) =>
    request<MemberView>('PATCH', `/memberships/${e(membershipId)}`, { body: { role } }),
  removeMember: (membershipId: Id) => request<void>('DELETE', `/memberships/${e(membershipId)}`),
  invitations: (cityId: Id, signal?: Signal) =>
    request<PendingInvitation[]>('GET', `/cities/${e(cityId)}/invitations`, { signal }),
  invite: (cityId: Id, body: NewInvitation) =>
    request<InvitationCreated>('POST', `/cities/${e(cityId)}/invitations`, { body }),
  invitation: (token: string, signal?: Signal) => request<InvitationInfo>('GET', `/invitations/${e(token)}`, { signal }),
  acceptInvitation: (token: string, body: Acceptance) =>
    request<LoginResponse>('POST', `/invitations/${e(token)}/accept`, { body }),

  stages: (planId: Id, signal?: Signal) => request<StageView[]>('GET', `/plans/${e(planId)}/stages`, { signal }),
  transition: (stageId: Id, action: StageTransition, note?: string) =>
    request<StageView[]>('POST', `/stages/${e(stageId)}/${action}`, { body: note ? { note } : {} }),
  cityActivity: (cityId: Id, perPage: number, signal?: Signal) =>
    request<AuditPage>('GET', `/cities/${e(cityId)}/audit?per_page=${perPage}`, { signal }),
  stageHistory: (stageId: Id, signal?: Signal) =>
    request<HistoryEntry[]>('GET', `/stages/${e(stageId)}/history`, { signal }),

  actions: (planId: Id, signal?: Signal) => request<ActionList>('GET', `/plans/${e(planId)}/actions`, { signal }),
  action: (id: Id, signal?: Signal) => request<Action>('GET', `/actions/${e(id)}`, { signal }),
  createAction: (planId: Id, body: ActionInput) => request<Action>('POST', `/plans/${e(planId)}/actions`, { body }),
  /** Sends every field of the form; `version` (the ETag read) guards against overwriting others. */
  updateAction: (id: Id, version: number, body: ActionInput) =>
    request<Action>('PATCH', `/actions/${e(id)}`, { body, headers: { 'If-Match': `"${version}"` } }),
  deleteAction: (id: Id, version: number) =>
    request<void>('DELETE', `/actions/${e(id)}`, { headers: { 'If-Match': `"${version}"` } }),

  versions: (planId: Id, signal?: Signal) => request<VersionSummary[]>('GET', `/plans/${e(planId)}/versions`, { signal }),
  createVersion: (planId: Id, label: string) => request<VersionView>('POST', `/plans/${e(planId)}/versions`, { body: { label } }),
  /** `from`/`to`: a version id or `current`. */
  diff: (planId: Id, from: string, to: string, signal?: Signal) =>
    request<PlanDiff>('GET', `/plans/${e(planId)}/diff?from=${e(from)}&to=${e(to)}&format=json`, { signal }),

  comments: (sectionId: Id, signal?: Signal) => request<Comment[]>('GET', `/sections/${e(sectionId)}/comments`, { signal }),
  comment: (sectionId: Id, body: NewComment) => request<Comment>('POST', `/sections/${e(sectionId)}/comments`, { body }),
  editComment: (id: Id, body: string) => request<Comment>('PATCH', `/comments/${e(id)}`, { body: { body } }),
  deleteComment: (id: Id) => request<void>('DELETE', `/comments/${e(id)}`),
  resolveComment: (id: Id) => request<Comment>('POST', `/comments/${e(id)}/resolve`),
  reopenComment: (id: Id) => request<Comment>('POST', `/comments/${e(id)}/reopen`),

  notifications: (perPage: number, signal?: Signal) =>
    request<NotificationPage>('GET', `/notifications?per_page=${perPage}`, { signal }),
  readNotification: (id: Id) => request<unknown>('POST', `/notifications/${e(id)}/read`),
  readAllNotifications: () => request<unknown>('POST', '/notifications/read-all'),
  notificationSettings: (signal?: Signal) => request<NotificationSettings>('GET', '/me/notification-settings', { signal }),
  saveNotificationSettings: (body: NotificationSettings) =>
    request<NotificationSettings>('PUT', '/me/notification-settings', { body }),
  requestPasswordReset: (email: string) => request<unknown>('POST', '/auth/password-reset', { body: { email } }),
}

/** Download links (plain navigations: the browser saves the file with the server's name). */
export const exportUrl = {
  document: (planId: Id, format: 'md' | 'html' | 'docx' | 'json') => `/api/v1/plans/${e(planId)}/export?format=${format}`,
  actionsCsv: (planId: Id) => `/api/v1/plans/${e(planId)}/actions.csv`,
}
