import type { TaskSource } from '../tasks/source.js'
import { followUpsForTasks } from './follow-up-repository.js'
import { followUpDueAt } from './follow-up-rules.js'

const followUpKind = 'follow_up'
const planActionKind = 'plan_action'

const labels = {
  home_visit: 'Home visit',
  phone_call: 'Phone call',
  school_visit: 'School visit',
  review: 'Case review',
} as const

/** Follow-ups scheduled by hand, of open cases in the caller's units, that are theirs or nobody's yet. */
export const followUpTasks: TaskSource = {
  kind: followUpKind,
  description:
    'a follow-up scheduled by hand of an open case in your units, assigned to you or to nobody, due at the end of its due date; acted on by completing, rescheduling or cancelling it',
  async list(work, page) {
    const rows = await followUpsForTasks(work.tx, work.scope, work.principal.id, {
      kind: followUpKind,
      fromPlan: false,
      ...page,
    })
    return rows.map(({ followUp }) => ({
      kind: followUpKind,
      id: followUp.id,
      subject: followUp.kind,
      label: labels[followUp.kind],
      dueAt: followUpDueAt(followUp.dueDate),
      incidentId: followUp.incidentId,
      wardCode: followUp.wardCode,
      link: `/v1/incidents/${followUp.incidentId}/follow-ups/${followUp.id}`,
    }))
  },
}

/**
 * The actions of approved support plans that are still to be done: each is the follow-up the approval
 * scheduled for it, listed here rather than with the follow-ups, so that one piece of work is one task.
 */
export const planActionTasks: TaskSource = {
  kind: planActionKind,
  description:
    'an action of the approved support plan of an open case in your units, whose responsible officer is you or who names no officer, due at the end of its due date, until its follow-up is completed or cancelled; acted on through that follow-up',
  async list(work, page) {
    const rows = await followUpsForTasks(work.tx, work.scope, work.principal.id, {
      kind: planActionKind,
      fromPlan: true,
      ...page,
    })
    return rows.map(({ followUp }) => ({
      kind: planActionKind,
      id: followUp.id,
      subject: followUp.planActionKey!,
      label: `Check support plan action ${followUp.planActionKey!}`,
      dueAt: followUpDueAt(followUp.dueDate),
      incidentId: followUp.incidentId,
      wardCode: followUp.wardCode,
      link: `/v1/incidents/${followUp.incidentId}/follow-ups/${followUp.id}`,
    }))
  },
}
