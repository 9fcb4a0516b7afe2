/**
 * A case's follow-ups as scoped work (platform/work.ts) that the routes call: scheduled, read, listed,
 * reassigned, completed, rescheduled and cancelled. The deadline events are the sweep's
 * (follow-up-sweep.ts); the task list reads them through follow-up-tasks.ts.
 */
import type { Static } from 'typebox'
import { staleVersion } from '../../platform/concurrency.js'
import { decodeCursor, toPage } from '../../platform/pagination.js'
import { bodyErrors, conflict, HttpProblem, notFound, unprocessable, type FieldError } from '../../platform/problem.js'
import { isUnitInScope, resolveScope } from '../../platform/scope.js'
import { omitWhen } from '../../platform/views.js'
import { refuse, type Work } from '../../platform/work.js'
import { localDateOf } from '../calendar/rules.js'
import {
  assigneeCandidate,
  assigneeName,
  getFollowUp,
  insertFollowUp,
  listFollowUps,
  updateFollowUp,
  type FollowUpRecord,
  type FollowUpRow,
} from './follow-up-repository.js'
import {
  completionProblems,
  dueDateProblems,
  followUpDueAt,
  followUpStanding,
  rescheduleProblems,
} from './follow-up-rules.js'
import type {
  CancelFollowUpBody,
  CompleteFollowUpBody,
  CreateFollowUpBody,
  FollowUpListQuery,
  RescheduleFollowUpBody,
  UpdateFollowUpBody,
} from './follow-up-schemas.js'
import { getIncident, type IncidentRow } from './repository.js'
import { canSeeIncidentDetails } from './views.js'

type FollowUpView = ReturnType<typeof toFollowUp>
type FollowUpIds = { incidentId: string; followUpId: string }

/** The follow-up as the caller may see it (FollowUpSchema): its notes only with incidents:sensitive. */
function toFollowUp({ followUp: row, assigneeName: name }: FollowUpRecord, work: Work) {
  const dueSoonDays = work.request.server.config.followUpDueSoonDays
  return omitWhen(
    {
      id: row.id,
      incidentId: row.incidentId,
      wardCode: row.wardCode,
      kind: row.kind,
      dueDate: row.dueDate,
      dueAt: followUpDueAt(row.dueDate).toISOString(),
      status: row.status,
      standing: row.status === 'scheduled' ? followUpStanding(row.dueDate, work.now, dueSoonDays) : null,
      assignee: row.assigneeId ? { id: row.assigneeId, name: name ?? '' } : null,
      note: row.note,
      outcome: row.outcome,
      outcomeNote: row.outcomeNote,
      completedOn: row.completedOn,
      rescheduleCount: row.rescheduleCount,
      rescheduleReason: row.rescheduleReason,
      cancelReason: row.cancelReason,
      planAction: row.planActionKey ? { key: row.planActionKey, planVersion: row.planVersion! } : null,
      version: row.version,
      createdAt: row.createdAt.toISOString(),
      updatedAt: row.updatedAt.toISOString(),
    },
    ['note', 'outcomeNote'],
    !canSeeIncidentDetails(work.principal),
  )
}

async function present(work: Work, row: FollowUpRow): Promise<FollowUpView> {
  return toFollowUp({ followUp: row, assigneeName: await assigneeName(work.tx, row.assigneeId) }, work)
}

/**
 * Why `assigneeId` cannot be given this case's follow-up: it must be an active person whose units cover
 * the case's ward (or its residential group) and who may record case work.
 */
export async function assigneeProblems(
  work: Work,
  incident: IncidentRow,
  assigneeId: string,
  pointer = '/assigneeId',
): Promise<FieldError[]> {
  const candidate = await assigneeCandidate(work.tx, assigneeId)
  const covers =
    candidate &&
    isUnitInScope(
      resolveScope(await work.unitTree(), candidate.units),
      incident.wardCode,
      incident.residentialGroupCode,
    )
  const mayAct = candidate && [...candidate.permissions, ...candidate.grants].includes('incidents:write')
  if (candidate?.active && candidate.kind === 'person' && covers && mayAct) return []
  return [
    {
      location: 'body',
      pointer,
      message: 'is not an active officer of the case’s ward who may record case work',
      code: 'invalid_assignee',
    },
  ]
}

/**
 * Refuses notes (sensitive, like an incident's narrative) from a caller without incidents:sensitive; a
 * change clears a note too (`null`), which is as much a write of what the caller may not see.
 */
function assertNotesAllowed(work: Work, notes: Record<string, unknown>, clearing = false): void {
  const fields = Object.keys(notes).filter((field) => notes[field] !== undefined && (clearing || notes[field] !== null))
  if (fields.length === 0 || canSeeIncidentDetails(work.principal)) return
  throw new HttpProblem(
    403,
    'sensitive_field_forbidden',
    `Writing ${fields.join(', ')} needs the incidents:sensitive permission.`,
    { extensions: { requiredPermission: 'incidents:sensitive', fields } },
  )
}

function invalid(problems: FieldError[]): never {
  throw unprocessable('invalid_follow_up', 'The follow-up cannot be recorded.', problems)
}

const today = (work: Work) => localDateOf(work.now)

/** A case's open follow-up, locked for the change; 404 out of scope, 412 stale, 409 once completed or cancelled. */
async function followUpToChange(work: Work, ids: FollowUpIds, expectedVersion: number) {
  const row = await getFollowUp(work.tx, work.scope, ids, { forUpdate: true })
  if (!row) throw notFound('Follow-up', ids.followUpId)
  if (row.version !== expectedVersion) throw staleVersion(row.version)
  if (row.status !== 'scheduled')
    throw conflict('follow_up_closed', `The follow-up is ${row.status}: it can no longer change.`, {
      state: row.status,
    })
  return row
}

export async function audited(work: Work, action: string, row: FollowUpRow, details: Record<string, unknown>) {
  await work.audit({
    action,
    resourceType: 'follow_up',
    resourceId: row.id,
    unitCode: row.wardCode,
    outcome: 'success',
    details: { incidentId: row.incidentId, ...details },
  })
}

/** Schedules a follow-up of an open case in scope. */
export async function scheduleFollowUp(work: Work, incidentId: string, body: Static<typeof CreateFollowUpBody>) {
  assertNotesAllowed(work, { note: body.note })
  const incident = await getIncident(work.tx, work.scope, incidentId)
  if (!incident) throw notFound('Incident', incidentId)
  if (incident.status !== 'open') throw conflict('case_closed', 'The case is closed: it takes no new follow-up.')
  const problems = bodyErrors(dueDateProblems(body.dueDate, today(work)))
  if (body.assigneeId) problems.push(...(await assigneeProblems(work, incident, body.assigneeId)))
  if (problems.length > 0) invalid(problems)
  const row = await insertFollowUp(work.tx, {
    incidentId,
    provinceCode: incident.provinceCode,
    wardCode: incident.wardCode,
    residentialGroupCode: incident.residentialGroupCode,
    kind: body.kind,
    dueDate: body.dueDate,
    assigneeId: body.assigneeId ?? null,
    note: body.note ?? null,
    createdAt: work.now,
    createdBy: work.principal.id,
    updatedAt: work.now,
    updatedBy: work.principal.id,
  })
  await audited(work, 'follow_up.create', row, { kind: row.kind, assigned: row.assigneeId !== null })
  return present(work, row)
}

export async function readFollowUp(work: Work, ids: FollowUpIds) {
  const row = await getFollowUp(work.tx, work.scope, ids)
  await work.audit({
    action: 'follow_up.read',
    resourceType: 'follow_up',
    resourceId: ids.followUpId,
    unitCode: row?.wardCode ?? null,
    outcome: row ? 'success' : 'not_found',
  })
  if (!row) return refuse(notFound('Follow-up', ids.followUpId))
  return present(work, row)
}

/** A page of a case's follow-ups, by due date. */
export async function followUpPage(work: Work, incidentId: string, query: Static<typeof FollowUpListQuery>) {
  const { limit = 50, cursor, status } = query
  const after = decodeCursor(cursor, ['text', 'uuid']) as [string, string] | undefined
  const incident = await getIncident(work.tx, work.scope, incidentId)
  await work.audit({
    action: 'follow_up.list',
    resourceType: 'incident',
    resourceId: incidentId,
    unitCode: incident?.wardCode ?? null,
    outcome: incident ? 'success' : 'not_found',
  })
  if (!incident) return refuse(notFound('Incident', incidentId))
  const rows = await listFollowUps(work.tx, work.scope, incidentId, { status }, { after, limit: limit + 1 })
  const page = toPage(rows, limit, ({ followUp }) => [followUp.dueDate, followUp.id])
  return { items: page.items.map((record) => toFollowUp(record, work)), nextCursor: page.nextCursor }
}

/** Reassigns a scheduled follow-up, or changes its note. */
export async function changeFollowUp(
  work: Work,
  ids: FollowUpIds,
  body: Static<typeof UpdateFollowUpBody>,
  expectedVersion: number,
) {
  assertNotesAllowed(work, { note: body.note }, true)
  const current = await followUpToChange(work, ids, expectedVersion)
  if (body.assigneeId) {
    const incident = (await getIncident(work.tx, work.scope, ids.incidentId))!
    const problems = await assigneeProblems(work, incident, body.assigneeId)
    if (problems.length > 0) invalid(problems)
  }
  const row = await updateFollowUp(work.tx, current.id, {
    ...(body.assigneeId !== undefined ? { assigneeId: body.assigneeId } : {}),
    ...(body.note !== undefined ? { note: body.note } : {}),
    updatedAt: work.now,
    updatedBy: work.principal.id,
  })
  await audited(work, 'follow_up.update', row, { fields: Object.keys(body).sort() })
  return present(work, row)
}

/** Records that a follow-up took place, with what it came to. */
export async function completeFollowUp(
  work: Work,
  ids: FollowUpIds,
  body: Static<typeof CompleteFollowUpBody>,
  expectedVersion: number,
) {
  assertNotesAllowed(work, { outcomeNote: body.outcomeNote })
  const current = await followUpToChange(work, ids, expectedVersion)
  const incident = (await getIncident(work.tx, work.scope, ids.incidentId))!
  const completedOn = body.completedOn ?? today(work)
  const problems = completionProblems(completedOn, today(work), localDateOf(incident.receivedAt))
  if (problems.length > 0) invalid(bodyErrors(problems))
  const row = await updateFollowUp(work.tx, current.id, {
    status: 'completed',
    outcome: body.outcome,
    outcomeNote: body.outcomeNote ?? null,
    completedOn,
    updatedAt: work.now,
    updatedBy: work.principal.id,
  })
  await audited(work, 'follow_up.complete', row, { outcome: row.outcome, late: completedOn > row.dueDate })
  return present(work, row)
}

/** Moves a follow-up to another day, with the reason. */
export async function rescheduleFollowUp(
  work: Work,
  ids: FollowUpIds,
  body: Static<typeof RescheduleFollowUpBody>,
  expectedVersion: number,
) {
  const current = await followUpToChange(work, ids, expectedVersion)
  const problems = rescheduleProblems(body.dueDate, current.dueDate, today(work))
  if (problems.length > 0) invalid(bodyErrors(problems))
  const row = await updateFollowUp(work.tx, current.id, {
    dueDate: body.dueDate,
    rescheduleCount: current.rescheduleCount + 1,
    rescheduleReason: body.reason,
    updatedAt: work.now,
    updatedBy: work.principal.id,
  })
  await audited(work, 'follow_up.reschedule', row, { from: current.dueDate, to: row.dueDate, reason: body.reason })
  return present(work, row)
}

/** Cancels a follow-up that is no longer needed, with the reason. */
export async function cancelFollowUp(
  work: Work,
  ids: FollowUpIds,
  body: Static<typeof CancelFollowUpBody>,
  expectedVersion: number,
) {
  const current = await followUpToChange(work, ids, expectedVersion)
  const row = await updateFollowUp(work.tx, current.id, {
    status: 'cancelled',
    cancelReason: body.reason,
    updatedAt: work.now,
    updatedBy: work.principal.id,
  })
  await audited(work, 'follow_up.cancel', row, { reason: body.reason })
  return present(work, row)
}
