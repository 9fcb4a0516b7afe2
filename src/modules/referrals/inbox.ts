/**
 * A provider organisation's side of its referrals, through the machine client bound to it: the
 * referrals addressed to its provider (and nothing of the cases), and its answers — accept, decline with
 * a reason, feedback on what was done. Scoped work whose reader is the provider, not a unit.
 */
import type { Static } from 'typebox'
import { staleVersion } from '../../platform/concurrency.js'
import { decodeCursor, toPage } from '../../platform/pagination.js'
import { conflict, HttpProblem, notFound } from '../../platform/problem.js'
import { refuse, type Work } from '../../platform/work.js'
import {
  getReferral,
  listReferrals,
  openProviderScope,
  providerOfClient,
  recordProviderAnswer,
  updateReferral,
  type ReferralRow,
} from './repository.js'
import { nextState, type ReferralAction } from './rules.js'
import type { DeclineBody, FeedbackBody, ListProviderReferralsQuery } from './schemas.js'
import { transitionRefused } from './service.js'
import { referralEventData, toProviderReferral } from './views.js'

/**
 * The provider the caller acts for, its referrals then readable in this transaction. Only a machine
 * client bound to a provider (POST /v1/providers/{id}/clients) has one.
 */
async function providerOf(work: Work): Promise<string> {
  const providerId = work.principal.kind === 'client' ? await providerOfClient(work.tx, work.principal.id) : undefined
  if (!providerId)
    throw new HttpProblem(
      403,
      'not_a_provider_client',
      'Only a client registered for a provider (POST /v1/providers/{id}/clients) has referrals addressed to it.',
    )
  await openProviderScope(work.tx, providerId)
  return providerId
}

export async function inboxPage(work: Work, query: Static<typeof ListProviderReferralsQuery>) {
  const providerId = await providerOf(work)
  const { limit = 50, cursor, ...filter } = query
  const after = decodeCursor(cursor, ['timestamp', 'uuid']) as [string, string] | undefined
  const rows = await listReferrals(work.tx, { providerId }, filter, work.now, { after, limit: limit + 1 })
  const page = toPage(rows, limit, ({ referral }) => [referral.sentAt.toISOString(), referral.id])
  await work.audit({
    action: 'referral.list',
    resourceType: 'referral',
    outcome: 'success',
    details: { providerId, filters: Object.keys(filter).sort(), count: page.items.length },
  })
  return {
    items: page.items.map(({ referral }) => toProviderReferral(referral, work.now)),
    nextCursor: page.nextCursor,
  }
}

/** One referral addressed to the caller's provider; any other answers 404, as a missing one does. */
export async function inboxReferral(work: Work, id: string) {
  const providerId = await providerOf(work)
  const found = await getReferral(work.tx, { providerId }, id)
  await work.audit({
    action: 'referral.read',
    resourceType: 'referral',
    resourceId: id,
    unitCode: found?.referral.wardCode ?? null,
    outcome: found ? 'success' : 'not_found',
    details: { providerId },
  })
  if (!found) return refuse(notFound('Referral', id))
  return toProviderReferral(found.referral, work.now)
}

type Answer =
  | { action: 'accept' }
  | { action: 'decline'; body: Static<typeof DeclineBody> }
  | { action: 'feedback'; body: Static<typeof FeedbackBody> }

function changesFor(answer: Answer, work: Work): Partial<ReferralRow> {
  const responded = { respondedAt: work.now, respondedBy: work.principal.id }
  switch (answer.action) {
    case 'accept':
      return responded
    case 'decline':
      return { ...responded, declineReason: answer.body.reason, declineNote: answer.body.note ?? null }
    case 'feedback':
      return { feedback: answer.body.feedback, feedbackAt: work.now }
  }
}

const answerEvents: Partial<Record<ReferralAction, string>> = {
  accept: 'referral.accepted',
  decline: 'referral.declined',
}

/** Records the provider's answer; accepting and declining go out as events to the case's ward. */
export async function answerReferral(work: Work, id: string, answer: Answer, expectedVersion: number | undefined) {
  const providerId = await providerOf(work)
  const reader = { providerId }
  const found = await getReferral(work.tx, reader, id)
  if (!found) throw notFound('Referral', id)
  const { referral: current, provider } = found
  const next = nextState(current.state, answer.action)
  if (!next) throw transitionRefused(current.state, answer.action)
  if (expectedVersion !== undefined && expectedVersion !== current.version) throw staleVersion(current.version)
  const row = await updateReferral(work.tx, reader, id, current.state, expectedVersion, {
    ...changesFor(answer, work),
    state: next,
    updatedAt: work.now,
    updatedBy: work.principal.id,
  })
  if (!row) throw conflict('referral_changed', 'The referral changed meanwhile; read it again.')
  await work.audit({
    action: `referral.${answer.action}`,
    resourceType: 'referral',
    resourceId: id,
    unitCode: row.wardCode,
    outcome: 'success',
    details: { providerId, ...(answer.action === 'decline' ? { reason: answer.body.reason } : {}) },
  })
  const type = answerEvents[answer.action]
  if (type)
    await recordProviderAnswer(work.tx, {
      referralId: row.id,
      providerId,
      type,
      occurredAt: work.now,
      data: referralEventData(row, provider.code),
    })
  return toProviderReferral(row, work.now)
}
