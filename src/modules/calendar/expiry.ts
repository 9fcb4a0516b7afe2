/**
 * A warning before the working calendar runs out: every working-day deadline past its last covered year
 * is counted on weekends only (`calendarMissing`). From 60 days before, the job records one
 * `calendar.expiring` event per ward in force (each ward's deadlines depend on it, and each ward's
 * readers and subscriptions see their own), once per ward and uncovered year.
 */
import { sql } from 'drizzle-orm'
import { queryRows, type Database } from '../../db/client.js'
import type { JobDefinition } from '../../platform/jobs.js'
import { inScope, systemScope } from '../../platform/scope.js'
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
    const wards = await queryRows<{ code: string; province_code: string }>(
      tx,
      sql`select code, province_code from units
          where level = 'ward' and valid_from <= ${today}::date and (valid_to is null or valid_to >= ${today}::date)
          order by code`,
    )
    for (const ward of wards) {
      const saved = await recordEvent(tx, {
        type: 'calendar.expiring',
        occurredAt: now,
        unit: { provinceCode: ward.province_code, wardCode: ward.code, residentialGroupCode: null },
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
