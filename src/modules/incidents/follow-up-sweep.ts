import type { Database } from '../../db/client.js'
import type { JobDefinition } from '../../platform/jobs.js'
import { inScope, systemScope } from '../../platform/scope.js'
import { recordEvent } from '../webhooks/repository.js'
import { followUpEventKey, followUpsNeedingAlerts } from './follow-up-repository.js'
import { followUpDueAt, followUpStanding } from './follow-up-rules.js'

export const followUpSweepQueue = 'incidents.follow-up-sweep'
const batchSize = 500

/**
 * Records follow_up.due_soon and follow_up.overdue: once per follow-up and due date. Each event carries a
 * dedupe key (the outbox's unique index), so a repeated sweep, or two instances sweeping at once, record
 * nothing the second time; a follow-up found already overdue gets the overdue event alone. The events
 * carry codes, dates and ids only: never a note or a name.
 */
export async function sweepFollowUps(
  database: Database,
  now: Date,
  dueSoonDays: number,
): Promise<{ recorded: number }> {
  let recorded = 0
  await inScope(database.db, systemScope, async (tx) => {
    for (const { followUp } of await followUpsNeedingAlerts(tx, now, dueSoonDays, batchSize)) {
      const type =
        followUpStanding(followUp.dueDate, now, dueSoonDays) === 'overdue' ? 'follow_up.overdue' : 'follow_up.due_soon'
      const inserted = await recordEvent(tx, {
        type,
        occurredAt: now,
        unit: {
          provinceCode: followUp.provinceCode,
          wardCode: followUp.wardCode,
          residentialGroupCode: followUp.residentialGroupCode,
        },
        resourceType: 'follow_up',
        resourceId: followUp.id,
        data: {
          followUpId: followUp.id,
          incidentId: followUp.incidentId,
          wardCode: followUp.wardCode,
          kind: followUp.kind,
          dueDate: followUp.dueDate,
          dueAt: followUpDueAt(followUp.dueDate).toISOString(),
          assigneeId: followUp.assigneeId,
        },
        dedupeKey: followUpEventKey(type, followUp.id, followUp.dueDate),
      })
      if (inserted) recorded++
    }
  })
  return { recorded }
}

export function followUpSweepJob(database: Database, dueSoonDays: number): JobDefinition {
  return {
    queue: followUpSweepQueue,
    maxAttempts: 3,
    handler: async (_payload, { now }) => {
      await sweepFollowUps(database, now, dueSoonDays)
    },
  }
}
