import type { Database } from '../../db/client.js'
import type { JobDefinition } from '../../platform/jobs.js'
import { inScope, systemScope } from '../../platform/scope.js'
import { recordEvent } from '../webhooks/repository.js'
import { referralsNeedingOverdueEvent } from './repository.js'
import { referralEventData } from './views.js'

export const referralSweepQueue = 'referrals.overdue-sweep'
const batchSize = 500

/**
 * Records `referral.overdue` for each referral of an open case still unanswered past its clock, once per referral: the
 * event's dedupe key makes a second run, or a run on another instance, record nothing new.
 */
export async function sweepOverdueReferrals(database: Database, now: Date): Promise<{ recorded: number }> {
  let recorded = 0
  await inScope(database.db, systemScope, async (tx) => {
    for (const row of await referralsNeedingOverdueEvent(tx, now, batchSize)) {
      const type = 'referral.overdue'
      const isNew = await recordEvent(tx, {
        type,
        occurredAt: now,
        unit: {
          provinceCode: row.provinceCode,
          wardCode: row.wardCode,
          residentialGroupCode: row.residentialGroupCode,
        },
        resourceType: 'referral',
        resourceId: row.id,
        data: { ...referralEventData(row, row.providerCode), overdueSince: row.dueAt.toISOString() },
        dedupeKey: `${type}:${row.id}`,
      })
      if (isNew) recorded++
    }
  })
  return { recorded }
}

export function referralSweepJob(database: Database): JobDefinition {
  return {
    queue: referralSweepQueue,
    maxAttempts: 3,
    handler: async (_payload, { now }) => {
      await sweepOverdueReferrals(database, now)
    },
  }
}
