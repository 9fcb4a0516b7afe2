/**
 * The hotline's intake: a report received by the hotline becomes an incident of the ward its address is
 * routed to, its 24-hour written report running from the receipt the hotline states. Scoped work under
 * the hotline client's units (platform/work.ts).
 */
import type { Static } from 'typebox'
import { notFound, unprocessable } from '../../platform/problem.js'
import { refuse, type Work } from '../../platform/work.js'
import { localDateOf } from '../calendar/rules.js'
import { getIncident, type IncidentRow } from '../incidents/repository.js'
import type { CreateIncidentBody } from '../incidents/schemas.js'
import { recordIncident } from '../incidents/service.js'
import { receiptProblems, routeAddress } from './rules.js'
import type { IntakeBody, IntakeReceiptSchema } from './schemas.js'

function toReceipt(row: IncidentRow): Static<typeof IntakeReceiptSchema> {
  return {
    incidentId: row.id,
    wardCode: row.wardCode,
    residentialGroupCode: row.residentialGroupCode,
    receivedAt: row.receivedAt.toISOString(),
    writtenReport: { dueAt: row.writtenReportDueAt.toISOString(), basis: row.writtenReportBasis },
    createdAt: row.createdAt.toISOString(),
  }
}

/**
 * Records the hotline's report as an incident (channel hotline_111) received, detected and phoned in at
 * the stated receipt, at the ward its address routes to; the incident is then the ward's like any other.
 */
export async function recordIntake(work: Work, body: Static<typeof IntakeBody>) {
  const receivedAt = new Date(body.receivedAt)
  const problems = receiptProblems(receivedAt, work.now)
  const routed = routeAddress(await work.unitTree(), body.address, localDateOf(work.now))
  if ('problem' in routed) problems.push(routed.problem)
  if (body.occurredAt !== undefined && Date.parse(body.occurredAt) > receivedAt.getTime())
    problems.push({
      location: 'body',
      pointer: '/occurredAt',
      message: 'must not be after receivedAt',
      code: 'occurred_after_receipt',
    })
  if (problems.length > 0 || 'problem' in routed)
    throw unprocessable('invalid_intake', 'The hotline report cannot be recorded.', problems)
  const { routing } = routed
  const incident: Static<typeof CreateIncidentBody> = {
    kind: body.kind,
    subKind: body.subKind ?? null,
    occurredAt: body.occurredAt ?? body.receivedAt,
    occurredAtPrecision: body.occurredAt === undefined ? 'approximate' : (body.occurredAtPrecision ?? 'exact'),
    detectedAt: body.receivedAt,
    channel: 'hotline_111',
    phoneReportedAt: body.receivedAt,
    receivedAt: body.receivedAt,
    emergency: body.emergency ?? false,
    address: { wardCode: routing.wardCode, residentialGroupCode: routing.residentialGroupCode },
    children: body.children.map((child) => ({ unregistered: child })),
    narrative: body.narrative ?? null,
    perpetratorRelation: body.perpetratorRelation ?? null,
    setting: body.setting ?? null,
  }
  const { row } = await recordIncident(work, incident)
  await work.audit({
    action: 'incident.intake',
    resourceType: 'incident',
    resourceId: row.id,
    unitCode: row.wardCode,
    outcome: 'success',
    details: { routedBy: routing.routedBy, statedWardCode: body.address.wardCode ?? null, kind: row.kind },
  })
  return { row, receipt: toReceipt(row) }
}

/** An incident this hotline client recorded, as its intake answered; any other answers 404. */
export async function readIntake(work: Work, id: string) {
  const found = await getIncident(work.tx, work.scope, id)
  const row = found?.createdBy === work.principal.id ? found : undefined
  await work.audit({
    action: 'incident.intake.read',
    resourceType: 'incident',
    resourceId: id,
    unitCode: row?.wardCode ?? null,
    outcome: row ? 'success' : 'not_found',
  })
  if (!row) return refuse(notFound('Incident', id))
  return toReceipt(row)
}
