import type { TaskSource } from '../tasks/source.js'
import { followUpsForTasks, type FollowUpRow } from './follow-up-repository.js'
import { followUpDueAt } from './follow-up-rules.js'

const labels = {
  home_visit: 'Home visit',
  phone_call: 'Phone call',
  school_visit: 'School visit',
  review: 'Case review',
} as const

/**
 * A task source over the follow-ups of open cases in the caller's units that are theirs or nobody's yet: those
 * the support plan scheduled (`fromPlan`) or those scheduled by hand, so that each follow-up is one task.
 */
function followUpSource(
  kind: string,
  fromPlan: boolean,
  description: string,
  describe: (followUp: FollowUpRow) => { subject: string; label: string },
): TaskSource {
  return {
    kind,
    description,
    async list(work, page) {
      const rows = await followUpsForTasks(work.tx, work.scope, work.principal.id, { kind, fromPlan, ...page })
      return rows.map(({ followUp }) => ({
        kind,
        id: followUp.id,
        ...describe(followUp),
        dueAt: followUpDueAt(followUp.dueDate),
        incidentId: followUp.incidentId,
        wardCode: followUp.wardCode,
        link: `/v1/incidents/${followUp.incidentId}/follow-ups/${followUp.id}`,
      }))
    },
  }
}

export const followUpTasks = followUpSource(
  'follow_up',
  false,
  'a follow-up scheduled by hand of an open case in your units, assigned to you or to nobody, due at the end of its due date; acted on by completing, rescheduling or cancelling it',
  (followUp) => ({ subject: followUp.kind, label: labels[followUp.kind] }),
)

/** The actions of approved support plans still to be done, each through the follow-up its approval scheduled. */
export const planActionTasks = followUpSource(
  'plan_action',
  true,
  'an action of the approved support plan of an open case in your units, whose responsible officer is you or who names no officer, due at the end of its due date, until its follow-up is completed or cancelled; acted on through that follow-up',
  (followUp) => ({
    subject: followUp.planActionKey!,
    label: `Check support plan action ${followUp.planActionKey!}`,
  }),
)
