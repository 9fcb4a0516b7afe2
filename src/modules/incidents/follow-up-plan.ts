/**
 * The follow-ups an approved support plan schedules: a review of each action, due on the action's due date
 * and assigned to the officer the plan names (else the ward's). Approving a revised plan applies what it
 * changed (follow-up-rules.ts, planFollowUpChanges) and never schedules an action twice.
 */
import type { Work } from '../../platform/work.js'
import { planActions, type SupportPlanContent } from './forms-rules.js'
import { insertFollowUp, planFollowUps, updateFollowUp } from './follow-up-repository.js'
import { planFollowUpChanges } from './follow-up-rules.js'
import { audited } from './follow-ups.js'
import type { IncidentRow } from './repository.js'

export async function followUpsFromPlan(
  work: Work,
  incident: IncidentRow,
  plan: SupportPlanContent,
  planVersion: number,
): Promise<void> {
  const actions = planActions(plan).map((action) => ({
    key: action.key,
    dueOn: action.dueOn,
    assigneeId: action.userId,
  }))
  const existing = await planFollowUps(work.tx, work.scope, incident.id)
  const changes = planFollowUpChanges(
    actions,
    existing.map((row) => ({
      id: row.id,
      key: row.planActionKey!,
      status: row.status,
      dueDate: row.dueDate,
      assigneeId: row.assigneeId,
      planDueOn: row.planDueOn!,
      planAssigneeId: row.planAssigneeId,
      cancelledByPlan: row.cancelledByPlan,
    })),
  )
  const current = new Map(existing.map((row) => [row.id, row]))
  const stamp = { updatedAt: work.now, updatedBy: work.principal.id }
  for (const change of changes) {
    if (change.change === 'schedule') {
      const row = await insertFollowUp(work.tx, {
        incidentId: incident.id,
        provinceCode: incident.provinceCode,
        wardCode: incident.wardCode,
        residentialGroupCode: incident.residentialGroupCode,
        kind: 'review',
        dueDate: change.action.dueOn,
        assigneeId: change.action.assigneeId,
        planActionKey: change.action.key,
        planVersion,
        planDueOn: change.action.dueOn,
        planAssigneeId: change.action.assigneeId,
        createdAt: work.now,
        createdBy: work.principal.id,
        ...stamp,
      })
      await audited(work, 'follow_up.create', row, {
        kind: row.kind,
        assigned: row.assigneeId !== null,
        planVersion,
      })
    } else if (change.change === 'update') {
      const before = current.get(change.id)!
      const { dueDate, assigneeId } = change.set
      const row = await updateFollowUp(work.tx, change.id, {
        ...(dueDate
          ? {
              dueDate,
              rescheduleCount: before.rescheduleCount + 1,
              rescheduleReason: `support plan version ${planVersion} moved the action’s due date`,
            }
          : {}),
        ...(assigneeId !== undefined ? { assigneeId } : {}),
        planVersion,
        planDueOn: change.action.dueOn,
        planAssigneeId: change.action.assigneeId,
        ...stamp,
      })
      const fields = [
        ...(dueDate ? ['dueDate'] : []),
        ...(assigneeId !== undefined ? ['assigneeId'] : []),
        'planAction',
      ]
      await audited(work, dueDate ? 'follow_up.reschedule' : 'follow_up.update', row, {
        fields,
        planVersion,
        ...(dueDate ? { from: before.dueDate, to: dueDate } : {}),
      })
    } else {
      const reason = `support plan version ${planVersion} no longer has the action`
      const row = await updateFollowUp(work.tx, change.id, {
        status: 'cancelled',
        cancelReason: reason,
        cancelledByPlan: true,
        ...stamp,
      })
      await audited(work, 'follow_up.cancel', row, { reason, planVersion })
    }
  }
}
