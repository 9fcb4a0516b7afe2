/** Providers and referrals as the API shows them: the case side's view, and the provider's narrower one. */
import type { Static } from 'typebox'
import type { Principal } from '../../platform/auth.js'
import { omitWhen } from '../../platform/views.js'
import { canSeeIncidentDetails } from '../incidents/views.js'
import type { ProviderBrief, ProviderRow, ReferralRow } from './repository.js'
import { allowedActions, answeredOnTime, isOverdue, type ReferralAction, type ServiceCode } from './rules.js'
import type { ProviderReferralSchema, ProviderSchema, ReferralSchema } from './schemas.js'

export function toProvider(row: ProviderRow): Static<typeof ProviderSchema> {
  return {
    id: row.id,
    code: row.code,
    name: row.name,
    kind: row.kind,
    phone: row.phone,
    email: row.email,
    address: row.address,
    units: row.units,
    services: row.services as ServiceCode[],
    active: row.active,
    version: row.version,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  }
}

function answerOf(row: ReferralRow, now: Date) {
  return {
    state: row.state,
    sentAt: row.sentAt.toISOString(),
    dueAt: row.dueAt.toISOString(),
    calendarMissing: row.dueCalendarMissing,
    overdue: isOverdue(row.state, row.dueAt, now),
    answeredOnTime: answeredOnTime(row.respondedAt, row.dueAt),
    respondedAt: row.respondedAt?.toISOString() ?? null,
    declineReason: row.declineReason,
    declineNote: row.declineNote,
    feedback: row.feedback,
    feedbackAt: row.feedbackAt?.toISOString() ?? null,
    version: row.version,
  }
}

/** What a referral's free text says of the child is read with the case's narratives (incidents:sensitive). */
const caseTexts = ['note', 'emergencyReason', 'declineNote', 'feedback', 'closureNote'] as const

/** The case side's view; the child's name and the free text only for incidents:sensitive, as the case's are. */
export function toReferral(
  row: ReferralRow,
  provider: ProviderBrief,
  principal: Principal,
  now: Date,
): Static<typeof ReferralSchema> {
  const view: Static<typeof ReferralSchema> = {
    id: row.id,
    incidentId: row.incidentId,
    incidentChildId: row.incidentChildId,
    wardCode: row.wardCode,
    provider,
    services: row.services as ServiceCode[],
    note: row.note,
    urgency: row.urgency,
    child: {
      ...(canSeeIncidentDetails(principal) ? { name: row.childName } : {}),
      ageYears: row.childAgeYears,
    },
    consent: row.consent ? { parties: row.consent.parties.map(({ party, givenAt }) => ({ party, givenAt })) } : null,
    emergencyReason: row.emergencyReason,
    ...answerOf(row, now),
    closedAt: row.closedAt?.toISOString() ?? null,
    closureNote: row.closureNote,
    allowedActions: allowedActions(row.state).filter((action): action is 'close' => action === 'close'),
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  }
  return omitWhen(view, caseTexts, !canSeeIncidentDetails(principal))
}

/** The provider's view: the ask, the child's name and age, and the answer; nothing of the case. */
export function toProviderReferral(row: ReferralRow, now: Date): Static<typeof ProviderReferralSchema> {
  return {
    id: row.id,
    referringWardCode: row.wardCode,
    services: row.services as ServiceCode[],
    note: row.note,
    urgency: row.urgency,
    child: { name: row.childName, ageYears: row.childAgeYears },
    basis: row.consent ? 'consent' : 'emergency',
    ...answerOf(row, now),
    allowedActions: allowedActions(row.state).filter(
      (action): action is Exclude<ReferralAction, 'close'> => action !== 'close',
    ),
  }
}

/** What every referral event carries: codes, ids and instants, never the child's name or a note. */
export function referralEventData(row: ReferralRow, providerCode: string): Record<string, unknown> {
  return {
    referralId: row.id,
    incidentId: row.incidentId,
    providerId: row.providerId,
    providerCode,
    wardCode: row.wardCode,
    urgency: row.urgency,
    services: row.services,
    state: row.state,
    sentAt: row.sentAt.toISOString(),
    dueAt: row.dueAt.toISOString(),
    answeredOnTime: answeredOnTime(row.respondedAt, row.dueAt),
    declineReason: row.declineReason,
  }
}
