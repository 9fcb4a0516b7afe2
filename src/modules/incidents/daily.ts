/**
 * What city systems learn of incidents: once a local day has closed, one `incidents.daily` event per ward
 * in force that day that recorded an incident, with the number of incidents recorded there that day by kind, through the same
 * disclosure control as the indicator tables (a count of 1 to 4 withheld with the counts it could be
 * narrowed down from). Never one incident's kind with the sex, age or hour of the children in it: city
 * systems receive no `incident.*` event (webhooks/rules.ts).
 */
import type { Database } from '../../db/client.js'
import type { JobDefinition } from '../../platform/jobs.js'
import { inScope, systemScope } from '../../platform/scope.js'
import { addDays, localDateOf, startOfLocalDay } from '../calendar/rules.js'
import { isSmallCount, partsOfSmallTotals, protect, relationAmong } from '../disclosure/control.js'
import { lockResource } from '../indicators/repository.js'
import { wardsInForce } from '../units/repository.js'
import { hasEventUnder, recordEvent } from '../webhooks/repository.js'
import { recordedCountsByWardAndKind } from './repository.js'
import { incidentKinds } from './rules.js'

export const dailyIncidentCountsQueue = 'incidents.daily'

/** Days looked back on: a day missed while the service was down is still released within a week. */
const daysLookedBack = 7
/**
 * How long after midnight a day is released: a transaction that recorded an incident just before midnight
 * has committed by then, so the day's counts no longer change.
 */
const releaseDelayMs = 60 * 60 * 1000

type Count = number | { suppressed: true }

export interface WardDay {
  wardCode: string
  provinceCode: string
  /** Incidents recorded at the ward that day, by kind: every kind, in the order of the kinds' list. */
  kinds: { kind: string; count: Count }[]
  total: Count
}

/**
 * One day's counts per ward and kind as published: each ward's row is a total and its parts, and a
 * count of 1 to 4 is withheld with as few other counts as keep it from being narrowed down (every ward
 * with no incident shows its zeros).
 */
export function publishWardDays(
  rows: readonly { wardCode: string; provinceCode: string; counts: ReadonlyMap<string, number> }[],
): WardDay[] {
  const values: number[] = []
  const relations = rows.map((row) => {
    const parts = incidentKinds.map((kind) => values.push(row.counts.get(kind) ?? 0) - 1)
    const total = values.push(parts.reduce((sum, cell) => sum + values[cell]!, 0)) - 1
    return { total, parts }
  })
  const table = {
    values,
    relations: relations.map(({ total, parts }) => relationAmong(values, total, parts)),
  }
  const withheld = protect(table, values.map(isSmallCount), { alsoWithheld: partsOfSmallTotals(table) })
  const shown = (cell: number): Count => (withheld[cell] ? { suppressed: true } : values[cell]!)
  return rows.map((row, index) => ({
    wardCode: row.wardCode,
    provinceCode: row.provinceCode,
    kinds: incidentKinds.map((kind, k) => ({ kind, count: shown(relations[index]!.parts[k]!) })),
    total: shown(relations[index]!.total),
  }))
}

async function releaseClosedDays(database: Database, now: Date): Promise<void> {
  const lastClosed = localDateOf(new Date(now.getTime() - releaseDelayMs - 24 * 60 * 60 * 1000))
  for (let back = daysLookedBack - 1; back >= 0; back--) {
    const day = addDays(lastClosed, -back)
    await inScope(database.db, systemScope, async (tx) => {
      // Released whole in one transaction, one instance at a time (the others wait, then find it done):
      // two runs over counts that changed in between must not mix their patterns of withheld cells.
      await lockResource(tx, 'incident_day', day)
      if (await hasEventUnder(tx, `incidents.daily:${day}:`)) return
      const countsOf = new Map<string, Map<string, number>>()
      for (const row of await recordedCountsByWardAndKind(tx, startOfLocalDay(day), startOfLocalDay(addDays(day, 1)))) {
        const counts = countsOf.get(row.wardCode) ?? new Map<string, number>()
        counts.set(row.kind, row.count)
        countsOf.set(row.wardCode, counts)
      }
      const published = publishWardDays(
        (await wardsInForce(tx, day)).map((ward) => ({
          wardCode: ward.code,
          provinceCode: ward.provinceCode,
          counts: countsOf.get(ward.code) ?? new Map(),
        })),
      )
      // Only wards with an incident that day: a ward without one would show only zeros, which its silence says as well.
      for (const ward of published.filter((row) => row.total !== 0)) {
        await recordEvent(tx, {
          type: 'incidents.daily',
          occurredAt: startOfLocalDay(addDays(day, 1)),
          unit: { provinceCode: ward.provinceCode, wardCode: ward.wardCode, residentialGroupCode: null },
          resourceType: 'incident_day',
          resourceId: `${day}:${ward.wardCode}`,
          data: { date: day, wardCode: ward.wardCode, kinds: ward.kinds, total: ward.total },
          dedupeKey: `incidents.daily:${day}:${ward.wardCode}`,
        })
      }
    })
  }
}

export function dailyIncidentCountsJob(database: Database): JobDefinition {
  return {
    queue: dailyIncidentCountsQueue,
    maxAttempts: 3,
    handler: (_payload, { now }) => releaseClosedDays(database, now),
  }
}
