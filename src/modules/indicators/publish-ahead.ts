/**
 * Tables published ahead of the first request. A closed period's table is published when it is first asked for
 * (published.ts), and the first publication of a district's table for a closing day after others, protected together
 * with the year's other closing days, takes seconds (up to 9.3 s on the generated district, docs/benchmarks.md) and
 * grows quickly with the table and the closing days before it: publishing it ahead keeps that off the city system's
 * request, and keeps a larger unit's from running past a gateway's timeout. So once a closing day has passed, the
 * tables of the units whose tables were read for an earlier closing day of the same or the previous year are published
 * by this job, an hour after midnight (a transaction that recorded a record just before midnight has committed by
 * then). A city system could ask for the table from midnight on and publish it itself: the job publishes nothing
 * earlier than a request could.
 */
import { and, gte, lte, sql } from 'drizzle-orm'
import type { Database } from '../../db/client.js'
import type { JobQueue } from '../../platform/jobs.js'
import { inScope, systemScope } from '../../platform/scope.js'
import { addDays, localDateOf } from '../calendar/rules.js'
import { resolveUnit } from './figures.js'
import { publishedTable } from './published.js'
import { listUnitRows, periodsOfYear } from './repository.js'
import { closedDay, closingDays } from './rules.js'
import { publishedIndicatorTables } from './tables.js'

/** Hourly: finds the tables to publish ahead and queues a job for each. */
const publishAheadQueue = 'indicators.publish-ahead'
/** One table: a unit's indicators to one closing day. A job each, so that no job outlasts its lease. */
const publishTableQueue = 'indicators.publish-table'

/** How long after the midnight that ends a closing day its tables are published. */
const releaseDelayMs = 60 * 60 * 1000
/** Days after a closing day that its tables are still published ahead: one missed while the service was down too. */
const daysLookedBack = 7

export type TableToPublish = { unitCode: string; year: number; asOf: string }

/** The units whose tables were published for a closing day of `year` or the year before. */
async function unitsRead(database: Database, year: number): Promise<string[]> {
  const rows = await inScope(database.db, systemScope, (tx) =>
    tx
      .selectDistinct({ unitCode: publishedIndicatorTables.unitCode })
      .from(publishedIndicatorTables)
      .where(and(gte(publishedIndicatorTables.planYear, year - 1), lte(publishedIndicatorTables.planYear, year)))
      .orderBy(sql`1`),
  )
  return rows.map((row) => row.unitCode)
}

/**
 * The tables to publish ahead at `now`: the latest closing day of this year and of the last, where it passed
 * within daysLookedBack, for every unit read before.
 */
export async function tablesToPublish(database: Database, now: Date): Promise<TableToPublish[]> {
  const today = localDateOf(new Date(now.getTime() - releaseDelayMs))
  const thisYear = Number(today.slice(0, 4))
  const tables: TableToPublish[] = []
  for (const year of [thisYear - 1, thisYear]) {
    const periods = await inScope(database.db, systemScope, (tx) => periodsOfYear(tx, year))
    const asOf = closedDay(undefined, closingDays(year, periods), today)
    if (typeof asOf !== 'string' || asOf < addDays(today, -daysLookedBack)) continue
    for (const unitCode of await unitsRead(database, year)) tables.push({ unitCode, year, asOf })
  }
  return tables
}

/**
 * Publishes one table, as a city system's first request for it would: whether this published any of its
 * indicators, or null where the unit has no ward on the closing day's map (a district dissolved since) and so
 * no table.
 */
export async function publishTableAhead(database: Database, table: TableToPublish, now: Date): Promise<boolean | null> {
  return inScope(database.db, systemScope, async (tx) => {
    const rows = await listUnitRows(tx)
    if (!rows.some((row) => row.code === table.unitCode)) return null
    const target = resolveUnit(rows, { units: [], scope: systemScope }, table.unitCode, {
      from: `${table.year}-01-01`,
      to: table.asOf,
    })
    if (target.wards.length === 0) return null
    const published = await publishedTable(tx, {
      scope: systemScope,
      year: table.year,
      asOf: table.asOf,
      table: target,
      now,
    })
    return published.firstPublished
  })
}

export function registerPublishAhead(jobs: JobQueue, database: Database): void {
  jobs.register({
    queue: publishAheadQueue,
    maxAttempts: 3,
    handler: async (_payload, { now }) => {
      for (const table of await tablesToPublish(database, now)) {
        // Once for each table: a run an hour later finds it queued, or published, already.
        await jobs.send(database.db, publishTableQueue, table, {
          singletonKey: `${publishTableQueue}:${table.year}:${table.asOf}:${table.unitCode}`,
        })
      }
    },
  })
  jobs.register<TableToPublish>({
    queue: publishTableQueue,
    maxAttempts: 3,
    handler: async (table, { now }) => {
      await publishTableAhead(database, table, now)
    },
  })
  jobs.schedule({ queue: publishAheadQueue, everyMs: 60 * 60_000 })
}
