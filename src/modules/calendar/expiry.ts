/**
 * A warning before the working calendar runs out: every working-day deadline past its last covered year
 * is counted on weekends only (`calendarMissing`). From 60 days before, the job records one
 * `calendar.expiring` event per ward in force (each ward's deadlines depend on it, and each ward's
 * readers and subscriptions see their own), once per ward and uncovered year.
 */
import type { Database } from '../../db/client.js'
import type { JobDefinition } from '../../platform/jobs.js'
import { inScope, systemScope } from '../../platform/scope.js'
import { wardsInForce } from '../units/repository.js'
import { recordEvent } from '../webhooks/repository.js'
import { loadWorkingCalendar } from './repository.js'
import { calendarRunsOut, localDateOf } from './rules.js'

export const calendarExpiryQueue = 'calendar.expiry'

async function warnOfCalendarExpiry(database: Database, now: Date): Promise<{ recorded: number }> {
  const today = localDateOf(now)
  let recorded = 0
  await inScope(database.db, systemScope, async (tx) => {
    const runsOut = calendarRunsOut((await loadWorkingCalendar(tx)).coveredYears ?? new Set(), today)
    if (!runsOut) return
    for (const ward of await wardsInForce(tx, today)) {
      const saved = await recordEvent(tx, {
        type: 'calendar.expiring',
        occurredAt: now,
        unit: { provinceCode: ward.provinceCode, wardCode: ward.code, residentialGroupCode: null },
        resourceType: 'calendar_year',
        resourceId: String(runsOut.year),
        data: { year: runsOut.year, coveredUntil: runsOut.coveredUntil, daysLeft: runsOut.daysLeft },
        dedupeKey: `calendar.expiring:${runsOut.year}:${ward.code}`,
      })
      if (saved) recorded++
    }
  })
  return { recorded }
}

export function calendarExpiryJob(database: Database): JobDefinition {
  return {
    queue: calendarExpiryQueue,
    maxAttempts: 3,
    handler: async (_payload, { now }) => {
      await warnOfCalendarExpiry(database, now)
    },
  }
}
