import type { Database } from '../../db/client.js'
import type { JobDefinition } from '../../platform/jobs.js'
import { inScope, systemScope } from '../../platform/scope.js'
import { recordEvent } from '../webhooks/repository.js'
import { reportsNeedingAlerts, stepsNeedingAlerts, type IncidentRow } from './repository.js'
import { writtenReportCompliance } from './rules.js'

export const sweepQueue = 'incidents.deadline-sweep'
const batchSize = 500

function unitOf(row: IncidentRow) {
  return { provinceCode: row.provinceCode, wardCode: row.wardCode, residentialGroupCode: row.residentialGroupCode }
}

/**
 * Records the deadline events (written report due soon / overdue, case step overdue). Exactly once per
 * incident and step: each event carries a dedupe key, so running the sweep twice, or from two instances
 * at once, records nothing new the second time.
 */
export async function sweepDeadlines(database: Database, now: Date): Promise<{ recorded: number }> {
  let recorded = 0
  await inScope(database.db, systemScope, async (tx) => {
    for (const row of await reportsNeedingAlerts(tx, now, batchSize)) {
      const compliance = writtenReportCompliance(row.writtenReportDueAt, null, now)
      const type = compliance === 'overdue' ? 'incident.written_report.overdue' : 'incident.written_report.due_soon'
      const data = {
        incidentId: row.id,
        kind: row.kind,
        wardCode: row.wardCode,
        dueAt: row.writtenReportDueAt.toISOString(),
      }
      if (
        await recordEvent(tx, {
          type,
          occurredAt: now,
          unit: unitOf(row),
          resourceType: 'incident',
          resourceId: row.id,
          data,
          dedupeKey: `${type}:${row.id}`,
        })
      ) {
        recorded++
      }
    }
    for (const row of await stepsNeedingAlerts(tx, now, batchSize)) {
      const type = 'incident.step.overdue'
      const data = {
        incidentId: row.id,
        kind: row.kind,
        wardCode: row.wardCode,
        step: row.nextStep,
        dueAt: row.nextStepDueAt?.toISOString() ?? null,
      }
      const dedupeKey = `${type}:${row.id}:${row.nextStep}`
      if (
        await recordEvent(tx, {
          type,
          occurredAt: now,
          unit: unitOf(row),
          resourceType: 'incident',
          resourceId: row.id,
          data,
          dedupeKey,
        })
      )
        recorded++
    }
  })
  return { recorded }
}

export function deadlineSweepJob(database: Database): JobDefinition {
  return {
    queue: sweepQueue,
    maxAttempts: 3,
    handler: async (_payload, { now }) => {
      await sweepDeadlines(database, now)
    },
  }
}
