/**
 * The criteria-set catalogue: reference data, not personal data, so it is read straight from the
 * database; publishing a version is audited work (platform/work.ts).
 */
import type { Static } from 'typebox'
import type { Executor } from '../../db/client.js'
import { toPage } from '../../platform/pagination.js'
import { bodyErrors, notFound, unprocessable } from '../../platform/problem.js'
import type { Work } from '../../platform/work.js'
import { criteriaSetForYear, criteriaSetProblems } from './criteria-set-rules.js'
import {
  getCriteriaSetRow,
  insertCriteriaSet,
  latestVersionOf,
  listCriteriaSetRows,
  type CriteriaSetRow,
} from './repository.js'
import type { PublishCriteriaSetBody } from './schemas.js'
import { toCriteriaSet } from './views.js'

/**
 * The latest version of every set, or with `year` only the version that governs assessments of that
 * year (the same choice a new assessment makes).
 */
export async function criteriaSetList(db: Executor, year: number | undefined) {
  const rows = await listCriteriaSetRows(db)
  const latest = new Map<string, CriteriaSetRow>()
  for (const row of rows) if ((latest.get(row.id)?.version ?? 0) < row.version) latest.set(row.id, row)
  let listed = [...latest.values()]
  if (year !== undefined) {
    const governing = criteriaSetForYear(
      rows.map((r) => r.definition),
      year,
    )
    const row = governing && rows.find((r) => r.id === governing.id && r.version === governing.version)
    listed = row ? [row] : []
  }
  // The catalogue holds a handful of sets and is never cut: one page, which toPage closes.
  const page = toPage(listed, listed.length, (row) => [row.id, row.version])
  return {
    items: page.items.map((row) => toCriteriaSet(row, latest.get(row.id)!.version)),
    nextCursor: page.nextCursor,
  }
}

/** One version of a set, or its latest when `version` is omitted. */
export async function readCriteriaSet(db: Executor, id: string, version: number | undefined) {
  const found = await getCriteriaSetRow(db, id, version)
  if (!found) throw notFound('Criteria set', version === undefined ? id : `${id} version ${version}`)
  return toCriteriaSet(found.row, found.latestVersion)
}

/** Publishes the next version of a set (its first when the id is new), once the set is consistent. */
export async function publishCriteriaSet(work: Work, body: Static<typeof PublishCriteriaSetBody>) {
  const { note, ...definition } = body
  const problems = criteriaSetProblems({ ...definition, version: 0 })
  if (problems.length > 0)
    throw unprocessable('invalid_criteria_set', 'The criteria set is not consistent.', bodyErrors(problems))
  const version = (await latestVersionOf(work.tx, definition.id)) + 1
  const created = await insertCriteriaSet(work.tx, {
    id: definition.id,
    version,
    definition: { ...definition, version },
    publishedAt: work.now,
    publishedBy: work.principal.id,
    note: note ?? null,
  })
  await work.audit({
    action: 'criteria_set.publish',
    resourceType: 'criteria_set',
    resourceId: `${created.id}@${created.version}`,
    outcome: 'success',
    details: { id: created.id, version: created.version },
  })
  return toCriteriaSet(created, created.version)
}
