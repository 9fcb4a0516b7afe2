import type { TaskSource } from '../tasks/source.js'
import { referralsAwaitingAnswer } from './repository.js'

const kind = 'referral'

/** Referrals sent from cases in the caller's units that their provider has not answered yet. */
export const referralTasks: TaskSource = {
  kind,
  description:
    'a referral sent from a case in your units that its provider has not yet accepted or declined, due when its response clock runs out; acted on by following it up with the provider, or closing it',
  async list(work, page) {
    const rows = await referralsAwaitingAnswer(work.tx, work.scope, { kind, ...page })
    return rows.map((referral) => ({
      kind,
      id: referral.id,
      subject: referral.urgency,
      label: 'Referral awaiting the provider’s answer',
      dueAt: referral.dueAt,
      incidentId: referral.incidentId,
      wardCode: referral.wardCode,
      link: `/v1/referrals/${referral.id}`,
    }))
  },
}
