/**
 * The API's types, generated from the server's OpenAPI document (`npm run gen:api:server`
 * regenerates openapi.json and schema.d.ts; `npm run check:api` fails when they drift). Only
 * aliases live here, so the app reads `Me` rather than `components['schemas']['Me']`.
 */
import type { components } from './schema.d.ts'

type Schemas = components['schemas']

/** Identifiers are UUID strings (v7). */
export type Id = string

/** A plain date without time, ISO 8601 (`2026-09-01`). */
export type IsoDate = string

export type Role = Schemas['Role']
export type User = Schemas['UserView']
export type Membership = Schemas['MembershipView']
export type Me = Schemas['Me']
export type LoginRequest = Schemas['LoginRequest']
export type LoginResponse = Schemas['LoginResponse']
export type Network = Schemas['NetworkView']
export type NetworkDetail = Schemas['NetworkDetail']
export type City = Schemas['CityView']
export type CityDetail = Schemas['CityDetail']
export type PlanView = Schemas['PlanView']
export type SectionSummary = Schemas['SectionSummary']
export type SectionView = Schemas['SectionView']
export type MemberView = Schemas['MemberView']
export type PendingInvitation = Schemas['PendingInvitation']
export type NewInvitation = Schemas['NewInvitation']
export type InvitationCreated = Schemas['InvitationCreated']
export type InvitationInfo = Schemas['InvitationInfo']
export type Acceptance = Schemas['Acceptance']
export type StageView = Schemas['StageView']
export type CheckResult = Schemas['CheckResult']
export type HistoryEntry = Schemas['HistoryEntry']
export type Phase = Schemas['Phase']
export type Dashboard = Schemas['Dashboard']
export type CityProgress = Schemas['CityProgress']
export type StageCell = Schemas['StageCell']
export type AuditPage = Schemas['AuditPage']
export type AuditView = Schemas['AuditView']
export type FieldError = Schemas['FieldError']
/** RFC 9457 `application/problem+json`; every field optional because a proxy may answer instead. */
export type Problem = Partial<Schemas['Problem']>
export type Action = Schemas['ActionView']
export type ActionInput = Schemas['ActionInput']
export type ActionList = Schemas['ActionList']
export type ActionStatus = Schemas['ActionStatus']
export type FundingLine = Schemas['FundingLine']
export type FundingSource = Schemas['FundingSource']
export type FundingStatus = Schemas['FundingStatus']
export type Indicator = Schemas['Indicator']
export type IndicatorKind = Schemas['IndicatorKind']
export type Risk = Schemas['Risk']
export type RiskLevel = Schemas['RiskLevel']
export type Totals = Schemas['Totals']
export type TimelineRow = Schemas['TimelineRow']
export type VersionSummary = Schemas['VersionSummary']
export type VersionView = Schemas['VersionView']
export type PlanDiff = Schemas['PlanDiff']
export type SectionDiff = Schemas['SectionDiff']
export type ActionChange = Schemas['ActionChange']
export type Comment = Schemas['CommentView']
export type NewComment = Schemas['NewComment']
export type Notification = Schemas['NotificationView']
export type NotificationPage = Schemas['NotificationPage']
export type NotificationSettings = Schemas['NotificationSettings']
export type EmailMode = Schemas['EmailMode']
