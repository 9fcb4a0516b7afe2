/**
 * Referrals from a case to a provider of services: the directory's codes, the response clock, the states
 * a referral moves through and the consent it needs. Pure: every function takes `now` and the calendar.
 */
import type { FieldError } from '../../platform/problem.js'
import type { UnitNode } from '../../platform/scope.js'
import { missingCalendarYears, localDateOf, workingDaysDeadline, type WorkingCalendar } from '../calendar/rules.js'

export const providerKinds = [
  'hotline',
  'social_work_centre',
  'police',
  'health_station',
  'school',
  'shelter',
  'ngo',
  'other',
] as const

/** What a provider offers and a referral asks for (the support services of Decree 56/2017, Art. 4–5). */
const serviceCodes = {
  counselling: 'Tư vấn',
  case_notification: 'Tiếp nhận thông tin, thông báo, tố giác',
  case_management: 'Quản lý trường hợp',
  psychosocial_support: 'Hỗ trợ tâm lý xã hội',
  medical_care: 'Chăm sóc y tế',
  medical_examination: 'Khám, giám định y tế',
  safety_protection: 'Bảo đảm an toàn, can thiệp khẩn cấp',
  investigation: 'Xác minh, điều tra, xử lý vi phạm',
  temporary_shelter: 'Chăm sóc thay thế tạm thời, nơi tạm lánh',
  legal_aid: 'Trợ giúp pháp lý',
  education_support: 'Hỗ trợ giáo dục',
  material_support: 'Hỗ trợ vật chất',
} as const

export type ServiceCode = keyof typeof serviceCodes
export const serviceCodeList = Object.keys(serviceCodes) as ServiceCode[]

export const urgencies = ['emergency', 'urgent', 'routine'] as const
export type Urgency = (typeof urgencies)[number]

export const referralStates = ['sent', 'accepted', 'declined', 'feedback_given', 'closed'] as const
export type ReferralState = (typeof referralStates)[number]

export const declineReasons = ['outside_mandate', 'no_capacity', 'not_in_area', 'duplicate', 'other'] as const

export const consentParties = ['guardian', 'child'] as const

/**
 * How long a provider has to answer, by urgency: an emergency within the 12 hours Decree 56 gives the
 * emergency response, an urgent case within a day, a routine one within three working days.
 */
const responseClock: Readonly<Record<Urgency, { hours: number } | { workingDays: number }>> = {
  emergency: { hours: 12 },
  urgent: { hours: 24 },
  routine: { workingDays: 3 },
}

const hourMs = 60 * 60 * 1000

/** When a referral sent at `sentAt` must be answered; `calendarMissing` when working days ran through a year the calendar does not hold. */
export function responseDue(
  urgency: Urgency,
  sentAt: Date,
  calendar: WorkingCalendar,
): { dueAt: Date; calendarMissing: boolean } {
  const clock = responseClock[urgency]
  if ('hours' in clock) return { dueAt: new Date(sentAt.getTime() + clock.hours * hourMs), calendarMissing: false }
  const dueAt = workingDaysDeadline(sentAt, clock.workingDays, calendar)
  return {
    dueAt,
    calendarMissing: missingCalendarYears(localDateOf(sentAt), localDateOf(dueAt), calendar).length > 0,
  }
}

/** Waiting for the provider's answer past its clock. */
export function isOverdue(state: ReferralState, dueAt: Date, now: Date): boolean {
  return state === 'sent' && now.getTime() > dueAt.getTime()
}

/** Whether the provider answered within its clock; null while it has not answered. */
export function answeredOnTime(respondedAt: Date | null, dueAt: Date): boolean | null {
  return respondedAt ? respondedAt.getTime() <= dueAt.getTime() : null
}

export const referralActions = ['accept', 'decline', 'feedback', 'close'] as const
export type ReferralAction = (typeof referralActions)[number]

const transitions: Readonly<Record<ReferralAction, Partial<Record<ReferralState, ReferralState>>>> = {
  accept: { sent: 'accepted' },
  decline: { sent: 'declined' },
  feedback: { accepted: 'feedback_given', feedback_given: 'feedback_given' },
  // The case side closes a referral once it has its answer, or withdraws one still waiting.
  close: { sent: 'closed', accepted: 'closed', declined: 'closed', feedback_given: 'closed' },
}

/** The state an action leads to from `state`, or null when it is not allowed there. */
export function nextState(state: ReferralState, action: ReferralAction): ReferralState | null {
  return transitions[action][state] ?? null
}

/** The actions open from `state`, in the order of the process. */
export function allowedActions(state: ReferralState): ReferralAction[] {
  return referralActions.filter((action) => nextState(state, action) !== null)
}

/** The age from which a child's own consent is needed as well as the guardian's (Law on Children 2016, Art. 33). */
const childConsentAge = 7

export interface ConsentInput {
  parties: readonly { party: (typeof consentParties)[number]; givenAt: string }[]
}

/**
 * Why a referral cannot be sent on this consent. Without an emergency reason it needs the guardian's
 * consent and, from 7 (or when the age is not known), the child's; a consent cannot be given later than now.
 */
export function consentProblems(
  consent: ConsentInput | undefined,
  emergencyReason: string | undefined,
  childAgeYears: number | null,
  now: Date,
  clockSkewMs: number,
): FieldError[] {
  const problems: FieldError[] = []
  for (const [index, party] of (consent?.parties ?? []).entries()) {
    if (Date.parse(party.givenAt) > now.getTime() + clockSkewMs)
      problems.push({
        location: 'body',
        pointer: `/consent/parties/${index}/givenAt`,
        message: 'must not be in the future',
        code: 'time_in_future',
      })
  }
  if (emergencyReason) return problems
  const given = new Set(consent?.parties.map((party) => party.party))
  if (!given.has('guardian'))
    problems.push({
      location: 'body',
      pointer: consent ? '/consent/parties' : '/consent',
      message: 'needs the guardian’s consent, or an emergencyReason',
      code: 'consent_required',
    })
  if ((childAgeYears === null || childAgeYears >= childConsentAge) && !given.has('child'))
    problems.push({
      location: 'body',
      pointer: consent ? '/consent/parties' : '/consent',
      message:
        childAgeYears === null
          ? 'needs the child’s own consent too (the age is not known), or an emergencyReason'
          : `needs the child’s own consent too (from ${childConsentAge}), or an emergencyReason`,
      code: 'consent_required',
    })
  return problems
}

/** A unit's code and those of the units above it, nearest first (the code alone when the tree does not hold it). */
export function unitAndAncestors(tree: readonly UnitNode[], code: string): string[] {
  const byCode = new Map(tree.map((unit) => [unit.code, unit]))
  const codes: string[] = []
  let current = byCode.get(code)
  if (!current) return [code]
  while (current && !codes.includes(current.code)) {
    codes.push(current.code)
    current = current.parentCode ? byCode.get(current.parentCode) : undefined
  }
  return codes
}

/** Whether a provider serving `units` serves a ward: it serves the ward itself or a unit above it. */
export function servesWard(tree: readonly UnitNode[], units: readonly string[], wardCode: string): boolean {
  const served = new Set(units)
  return unitAndAncestors(tree, wardCode).some((code) => served.has(code))
}
