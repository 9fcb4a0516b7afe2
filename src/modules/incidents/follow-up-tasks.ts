import type { TaskSource } from '../tasks/source.js'
import { followUpsForTasks } from './follow-up-repository.js'
import { followUpDueAt } from './follow-up-rules.js'

const kind = 'follow_up'

const labels = {
  home_visit: 'Home visit',
  phone_call: 'Phone call',
  school_visit: 'School visit',
  review: 'Case review',
} as const

/** Scheduled follow-ups of open cases in the caller's units that are theirs, or nobody's yet. */
export const followUpTasks: TaskSource = {
  kind,
  description:
    'a scheduled follow-up of an open case in your units, assigned to you or to nobody, due at the end of its due date; acted on by completing, rescheduling or cancelling it',
  async list(work, page) {
    const rows = await followUpsForTasks(work.tx, work.scope, work.principal.id, { kind, ...page })
    return rows.map(({ followUp }) => {
      const dueAt = followUpDueAt(followUp.dueDate)
      return {
        kind,
        id: followUp.id,
        subject: followUp.kind,
        label: labels[followUp.kind],
        dueAt,
        incidentId: followUp.incidentId,
        wardCode: followUp.wardCode,
        link: `/v1/incidents/${followUp.incidentId}/follow-ups/${followUp.id}`,
      }
    })
  },
}
