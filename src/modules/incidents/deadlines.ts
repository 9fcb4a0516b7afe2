/**
 * The deadline oversight of incidents: the 24-hour written-report discipline per ward, and the deadline
 * alerts the sweep (sweep.ts) recorded. Scoped work (platform/work.ts) that the routes call.
 */
import type { Static } from 'typebox'
import { decodeCursor, toPage } from '../../platform/pagination.js'
import { HttpProblem } from '../../platform/problem.js'
import type { Work } from '../../platform/work.js'
import { unitFilterScope } from '../units/tree.js'
import { complianceByWard, listAlertEvents } from './repository.js'
import type { AlertsQuery, ComplianceQuery } from './schemas.js'
import { toAlert, toComplianceReport } from './views.js'

/** Counts by written-report compliance of the incidents that occurred between `from` and `to`, per ward. */
export async function complianceReport(work: Work, query: Static<typeof ComplianceQuery>) {
  const { from, to, unit } = query
  if (to < from)
    throw new HttpProblem(400, 'invalid_range', '`to` is before `from`.', {
      errors: [{ location: 'querystring', pointer: '/to', message: 'must not be before from' }],
    })
  const unitScope = unitFilterScope(await work.unitTree(), unit)
  const rows = await complianceByWard(work.tx, work.scope, { from, to, unitScope }, work.now)
  return toComplianceReport({ from, to }, work.now, rows)
}

/** A page of deadline alerts in the caller's units (and `unit`), newest first. */
export async function alertPage(work: Work, query: Static<typeof AlertsQuery>) {
  const { limit = 50, cursor, unit } = query
  const before = decodeCursor(cursor, ['integer'])?.[0]
  const unitScope = unitFilterScope(await work.unitTree(), unit)
  const rows = await listAlertEvents(
    work.tx,
    work.scope,
    { unitScope },
    { before: before === undefined ? undefined : Number(before), limit: limit + 1 },
  )
  const page = toPage(rows, limit, (event) => [event.id])
  return { items: page.items.map(toAlert), nextCursor: page.nextCursor }
}
