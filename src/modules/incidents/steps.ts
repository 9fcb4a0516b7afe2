/**
 * The Decree 56/2017 case process: recording a step of an incident's case, and on closure the
 * special-circumstance group the case is evidence for (offered, and added to the registry on request).
 * Scoped work (platform/work.ts) that the routes call.
 */
import type { Static } from 'typebox'
import { hasPermission } from '../../platform/auth.js'
import { permissionFor, type Permission, type PermissionByCase } from '../../platform/permissions.js'
import { HttpProblem, notFound, unprocessable } from '../../platform/problem.js'
import { refuse, type Refusal, type Work } from '../../platform/work.js'
import { localDateOf } from '../calendar/rules.js'
import { getChildRow, insertCircumstance, insertRevision } from '../children/repository.js'
import { sensitiveGroupCodes } from '../children/rules.js'
import { stepTimeProblems } from './checks.js'
import {
  getIncident,
  incidentDetails,
  insertStep,
  loadDeadlineRulesForWrite,
  updateIncident,
  type IncidentRow,
} from './repository.js'
import { allowedNextSteps, circumstanceGroupForKind, rulesInForce, stepDeadline, type CaseStep } from './rules.js'
import type { StepBody } from './schemas.js'
import { nextStepFields, presentIncident } from './service.js'
import { doneSteps, type IncidentView } from './views.js'

/** The incident after a step, and on closure the group it offers (IncidentStepResult). */
export interface StepResult {
  incident: IncidentView
  circumstanceOffer: { groupCode: string; childIds: string[]; applied: boolean } | null
}

/**
 * Approval and closure are the ward chair's: a case officer asks for closure through the closure form, which
 * the chair approves. Every other step is the case officer's.
 */
export const stepPermissions: PermissionByCase<CaseStep> = {
  decidedBy: 'the step recorded',
  byCase: {
    receipt: 'incidents:write',
    initial_assessment: 'incidents:write',
    emergency_protection: 'incidents:write',
    specific_assessment: 'incidents:write',
    support_plan: 'incidents:write',
    plan_approval: 'plans:approve',
    implementation: 'incidents:write',
    monitoring: 'incidents:write',
    closure: 'plans:approve',
  },
}

/**
 * Records a case step in the order Decree 56 allows, with the deadline it had, and keeps the incident's
 * next deadline. A caller without the step's permission is refused once the denial is audited.
 */
export async function recordCaseStep(
  work: Work,
  id: string,
  body: Static<typeof StepBody>,
): Promise<StepResult | Refusal> {
  const { principal } = work
  const step = body.step
  const needed = permissionFor(stepPermissions, step)
  if (!hasPermission(principal, needed)) {
    await work.audit({ action: 'access.denied', outcome: 'denied', details: { permission: needed, step } })
    return refuse(
      new HttpProblem(403, 'forbidden', `Recording the ${step} step needs the ${needed} permission.`, {
        extensions: { requiredPermission: needed },
      }),
    )
  }
  return recordPermittedStep(work, id, body)
}

/**
 * Records a step for a caller whose right to it was decided elsewhere: the chair's approval of a closure
 * form is what closes the case, though closing is otherwise the case officer's step.
 */
export async function recordPermittedStep(work: Work, id: string, body: Static<typeof StepBody>): Promise<StepResult> {
  const { now, principal } = work
  const step = body.step
  if (step === 'closure' && !body.closureReason) {
    throw unprocessable('invalid_step', 'Closing a case needs a reason.', [
      {
        location: 'body',
        pointer: '/closureReason',
        message: 'is required for closure',
        code: 'closure_reason_required',
      },
    ])
  }
  const at = body.at ? new Date(body.at) : now
  const rules = await loadDeadlineRulesForWrite(work.tx)
  const current = await getIncident(work.tx, work.scope, id)
  if (!current) throw notFound('Incident', id)
  const details = await incidentDetails(work.tx, current.id)
  const done = doneSteps(details.steps)
  const allowed =
    current.status === 'open'
      ? allowedNextSteps(
          done.map((d) => d.step),
          current.emergency,
        )
      : []
  if (!allowed.includes(step)) {
    throw new HttpProblem(
      409,
      'step_not_allowed',
      `The ${step} step cannot come now; allowed next: ${allowed.join(', ') || 'none (the case is closed)'}.`,
      { extensions: { allowedNextSteps: allowed } },
    )
  }
  const problems = stepTimeProblems(at, current.receivedAt, now)
  if (problems.length > 0) throw unprocessable('invalid_step', 'The step cannot be recorded.', problems)
  await insertStep(work.tx, {
    provinceCode: current.provinceCode,
    wardCode: current.wardCode,
    residentialGroupCode: current.residentialGroupCode,
    incidentId: current.id,
    step,
    at,
    dueAt: stepDeadline(step, current.receivedAt, rules.calendar, rulesInForce(rules.stepRules, current.receivedAt)),
    note: body.note ?? null,
    actorId: principal.id,
    actorName: principal.name,
    createdAt: now,
  })
  const closing = step === 'closure'
  const status = closing ? ('closed' as const) : current.status
  const updated = await updateIncident(work.tx, work.scope, current.id, null, {
    ...nextStepFields({ ...current, status }, [...done, { step, at }], rules, now),
    status,
    closedAt: closing ? at : current.closedAt,
    closureReason: closing ? (body.closureReason ?? null) : current.closureReason,
    updatedAt: now,
    updatedBy: principal.id,
  })
  await work.audit({
    action: 'incident.step',
    resourceType: 'incident',
    resourceId: current.id,
    unitCode: current.wardCode,
    outcome: 'success',
    details: { step },
  })
  const groupCode = closing ? circumstanceGroupForKind(current.kind) : null
  let offer: StepResult['circumstanceOffer'] = null
  if (groupCode) {
    const childIds = details.children.map((c) => c.childId).filter((childId): childId is string => childId !== null)
    const apply = body.applyCircumstanceGroup === true && childIds.length > 0
    if (apply) await addCircumstanceGroup(work, current, groupCode, childIds)
    offer = { groupCode, childIds, applied: apply }
  }
  return { incident: (await presentIncident(work, updated!, rules)).view, circumstanceOffer: offer }
}

/**
 * Adds the group a closed case is evidence for to its registry children (those still in scope), each
 * with its child revision and audit event. Needs registry:write, and registry:sensitive for a sensitive group.
 */
async function addCircumstanceGroup(
  work: Work,
  incident: IncidentRow,
  groupCode: string,
  childIds: readonly string[],
): Promise<void> {
  const { now, principal } = work
  const sensitive = sensitiveGroupCodes.has(groupCode)
  const needs: Permission[] = sensitive ? ['registry:write', 'registry:sensitive'] : ['registry:write']
  const missing = needs.filter((permission) => !hasPermission(principal, permission))
  if (missing.length > 0) {
    throw new HttpProblem(
      403,
      'forbidden',
      `Adding group ${groupCode} to the registry needs ${missing.join(' and ')}.`,
      {
        extensions: { requiredPermission: missing[0] },
      },
    )
  }
  const startDate = localDateOf(incident.occurredAt)
  for (const childId of childIds) {
    const child = await getChildRow(work.tx, work.scope, childId)
    if (!child) continue
    const unit = {
      provinceCode: child.provinceCode,
      wardCode: child.wardCode,
      residentialGroupCode: child.residentialGroupCode,
    }
    await insertCircumstance(work.tx, {
      childId,
      ...unit,
      kind: 'group',
      groupCode,
      startDate,
      note: `from incident ${incident.id}`,
      createdAt: now,
      updatedAt: now,
      createdBy: principal.id,
    })
    await insertRevision(work.tx, {
      childId,
      ...unit,
      version: child.version,
      action: 'circumstance.add',
      changes: [
        { field: 'circumstance', from: null, to: { kind: 'group', groupCode, startDate, incidentId: incident.id } },
      ],
      sensitive,
      changedAt: now,
      actorId: principal.id,
      actorName: principal.name,
      requestId: work.request.id,
    })
    await work.audit({
      action: 'child.circumstance.add',
      resourceType: 'child',
      resourceId: childId,
      unitCode: child.wardCode,
      outcome: 'success',
      details: { incidentId: incident.id },
    })
  }
}
