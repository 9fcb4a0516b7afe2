/**
 * Referrals on the case side: sending one from a case to a provider, reading and listing them in the
 * caller's units, and closing them. Scoped work (platform/work.ts): the caller's transaction and units.
 */
import type { Static } from 'typebox'
import { staleVersion } from '../../platform/concurrency.js'
import { decodeCursor, toPage } from '../../platform/pagination.js'
import { conflict, notFound, unprocessable, type FieldError } from '../../platform/problem.js'
import { refuse, type Work } from '../../platform/work.js'
import { loadWorkingCalendar } from '../calendar/repository.js'
import { getIncident } from '../incidents/repository.js'
import { clockSkewMs } from '../incidents/rules.js'
import { recordEvent } from '../webhooks/repository.js'
import {
  caseChild,
  getProvider,
  getReferral,
  insertReferral,
  listReferrals,
  updateReferral,
  type ProviderBrief,
  type ReferralRow,
} from './repository.js'
import { allowedActions, consentProblems, nextState, responseDue, servesWard, type ReferralState } from './rules.js'
import type { CloseReferralBody, CreateReferralBody, ListReferralsQuery } from './schemas.js'
import { referralEventData, toReferral } from './views.js'

export interface PresentedReferral {
  row: ReferralRow
  view: ReturnType<typeof toReferral>
}

function present(work: Work, row: ReferralRow, provider: ProviderBrief): PresentedReferral {
  return { row, view: toReferral(row, provider, work.principal, work.now) }
}

function unitOf(row: ReferralRow) {
  return { provinceCode: row.provinceCode, wardCode: row.wardCode, residentialGroupCode: row.residentialGroupCode }
}

/** 409 for an action its state does not allow, with what it does allow. */
export function transitionRefused(state: ReferralState, action: string) {
  return conflict('referral_transition_not_allowed', `A referral that is ${state} cannot be given "${action}".`, {
    state,
    allowedActions: allowedActions(state),
  })
}

/**
 * Sends a referral from a case in the caller's units to a provider serving the case's ward, for one of
 * the case's children. Without consent (the guardian's, and the child's own from 7) it needs an
 * emergency reason. The response clock is counted now and kept.
 */
export async function sendReferral(
  work: Work,
  incidentId: string,
  body: Static<typeof CreateReferralBody>,
): Promise<PresentedReferral> {
  const { tx, now, principal } = work
  const incident = await getIncident(tx, work.scope, incidentId)
  if (!incident) throw notFound('Incident', incidentId)
  if (incident.status === 'closed') throw conflict('incident_closed', 'The case is closed: it refers no one any more.')
  const problems: FieldError[] = []
  const provider = await getProvider(tx, body.providerId)
  if (!provider) {
    problems.push({ location: 'body', pointer: '/providerId', message: 'is not a provider', code: 'unknown_provider' })
  } else {
    if (!provider.active)
      problems.push({
        location: 'body',
        pointer: '/providerId',
        message: 'is no longer active',
        code: 'provider_inactive',
      })
    if (!servesWard(await work.unitTree(), provider.units, incident.wardCode))
      problems.push({
        location: 'body',
        pointer: '/providerId',
        message: `does not serve ${incident.wardCode}`,
        code: 'provider_not_serving',
      })
    body.services.forEach((service, index) => {
      if (!provider.services.includes(service))
        problems.push({
          location: 'body',
          pointer: `/services/${index}`,
          message: 'is not a service this provider offers',
          code: 'service_not_offered',
        })
    })
  }
  const child = await caseChild(tx, incident.id, body.incidentChildId)
  if (!child)
    problems.push({
      location: 'body',
      pointer: '/incidentChildId',
      message: 'is not a child of this case',
      code: 'unknown_case_child',
    })
  const childAgeYears = child?.ageYears ?? null
  problems.push(...consentProblems(body.consent, body.emergencyReason, childAgeYears, now, clockSkewMs))
  if (problems.length > 0) {
    const consentOnly = problems.every((problem) => problem.code === 'consent_required')
    throw unprocessable(
      consentOnly ? 'consent_required' : 'invalid_referral',
      consentOnly
        ? 'A referral shares the child’s data with another organisation: it needs consent, or an emergency reason.'
        : 'The referral cannot be sent.',
      problems,
    )
  }
  const { dueAt, calendarMissing } = responseDue(body.urgency, now, await loadWorkingCalendar(tx))
  const row = await insertReferral(tx, {
    incidentId: incident.id,
    incidentChildId: body.incidentChildId,
    provinceCode: incident.provinceCode,
    wardCode: incident.wardCode,
    residentialGroupCode: incident.residentialGroupCode,
    providerId: provider!.id,
    services: body.services,
    note: body.note ?? null,
    urgency: body.urgency,
    childName: child!.registryName ?? child!.unregistered?.fullName ?? null,
    childAgeYears,
    consent: body.consent ?? null,
    emergencyReason: body.emergencyReason ?? null,
    sentAt: now,
    dueAt,
    dueCalendarMissing: calendarMissing,
    createdAt: now,
    createdBy: principal.id,
    updatedAt: now,
    updatedBy: principal.id,
  })
  await work.audit({
    action: 'referral.create',
    resourceType: 'referral',
    resourceId: row.id,
    unitCode: row.wardCode,
    outcome: 'success',
    details: {
      incidentId: row.incidentId,
      providerId: row.providerId,
      urgency: row.urgency,
      services: row.services,
      basis: row.consent ? 'consent' : 'emergency',
    },
  })
  await recordEvent(tx, {
    type: 'referral.sent',
    occurredAt: now,
    unit: unitOf(row),
    resourceType: 'referral',
    resourceId: row.id,
    data: referralEventData(row, provider!.code),
  })
  return present(work, row, { id: provider!.id, code: provider!.code, name: provider!.name, kind: provider!.kind })
}

/** A page of the referrals of cases in the caller's units, newest first. */
export async function referralPage(work: Work, query: Static<typeof ListReferralsQuery>) {
  const { limit = 50, cursor, ...filter } = query
  const after = decodeCursor(cursor, ['timestamp', 'uuid']) as [string, string] | undefined
  const rows = await listReferrals(work.tx, { scope: work.scope }, filter, work.now, { after, limit: limit + 1 })
  const page = toPage(rows, limit, ({ referral }) => [referral.sentAt.toISOString(), referral.id])
  await work.audit({
    action: 'referral.list',
    resourceType: 'referral',
    outcome: 'success',
    details: {
      filters: Object.keys(filter).sort(),
      count: page.items.length,
    },
  })
  return {
    items: page.items.map(({ referral, provider }) => toReferral(referral, provider, work.principal, work.now)),
    nextCursor: page.nextCursor,
  }
}

/** One referral of a case in the caller's units; a miss is audited and committed before the 404. */
export async function readReferral(work: Work, id: string) {
  const found = await getReferral(work.tx, { scope: work.scope }, id)
  await work.audit({
    action: 'referral.read',
    resourceType: 'referral',
    resourceId: id,
    unitCode: found?.referral.wardCode ?? null,
    outcome: found ? 'success' : 'not_found',
  })
  if (!found) return refuse(notFound('Referral', id))
  return present(work, found.referral, found.provider)
}

/** Closes a referral: once answered, or withdrawn while it still waits. */
export async function closeReferral(
  work: Work,
  id: string,
  body: Static<typeof CloseReferralBody>,
  expectedVersion: number | undefined,
): Promise<PresentedReferral> {
  const reader = { scope: work.scope }
  const found = await getReferral(work.tx, reader, id)
  if (!found) throw notFound('Referral', id)
  const { referral: current, provider } = found
  const next = nextState(current.state, 'close')
  if (!next) throw transitionRefused(current.state, 'close')
  if (expectedVersion !== undefined && expectedVersion !== current.version) throw staleVersion(current.version)
  const row = await updateReferral(work.tx, reader, id, current.state, expectedVersion, {
    state: next,
    closedAt: work.now,
    closureNote: body.note ?? null,
    updatedAt: work.now,
    updatedBy: work.principal.id,
  })
  if (!row) throw conflict('referral_changed', 'The referral changed meanwhile; read it again.')
  await work.audit({
    action: 'referral.close',
    resourceType: 'referral',
    resourceId: id,
    unitCode: row.wardCode,
    outcome: 'success',
    details: { from: current.state },
  })
  await recordEvent(work.tx, {
    type: 'referral.closed',
    occurredAt: work.now,
    unit: unitOf(row),
    resourceType: 'referral',
    resourceId: row.id,
    data: referralEventData(row, provider.code),
  })
  return present(work, row, provider)
}
