/**
 * Loading and correcting the residential-group mapping (unit_successions between groups): all or
 * nothing, each link versioned and the change audited; jurisdictions and re-homing follow at once.
 */
import { and, asc, eq, inArray, sql } from 'drizzle-orm'
import type { FastifyRequest } from 'fastify'
import type { Executor } from '../../db/client.js'
import { audit } from '../../platform/audit.js'
import { unprocessable } from '../../platform/problem.js'
import { addDays } from '../calendar/rules.js'
import { unitSuccessions, units } from '../units/tables.js'
import { mappingProblems, parseMappingCsv, type MappingEntry } from './mapping-rules.js'

export interface MappingLink {
  residentialGroupCode: string
  wardCode: string
  successorCode: string
  confirmed: boolean
  source: 'reference' | 'admin'
  version: number
  updatedAt: string | null
}

/** The group links, optionally of one abolished ward's groups. */
export async function listMapping(db: Executor, wardCode: string | undefined): Promise<MappingLink[]> {
  const rows = await db
    .select({ link: unitSuccessions, wardCode: units.parentCode })
    .from(unitSuccessions)
    .innerJoin(units, eq(units.code, unitSuccessions.predecessorCode))
    .where(and(eq(units.level, 'residential_group'), wardCode ? eq(units.parentCode, wardCode) : undefined))
    .orderBy(asc(unitSuccessions.predecessorCode), asc(unitSuccessions.successorCode))
  return rows.map(({ link, wardCode: ward }) => ({
    residentialGroupCode: link.predecessorCode,
    wardCode: ward ?? '',
    successorCode: link.successorCode,
    confirmed: link.confirmed,
    source: link.source,
    version: link.version,
    updatedAt: link.updatedAt?.toISOString() ?? null,
  }))
}

/** The entries of a JSON body or a CSV text; a CSV that cannot be read is 422 with its lines. */
type MappingInput = Omit<MappingEntry, 'confirmed'> & { confirmed?: boolean }

export function mappingEntries(body: string | { entries: MappingInput[] }): {
  entries: MappingEntry[]
  format: string
} {
  if (typeof body !== 'string') {
    return { entries: body.entries.map((entry) => ({ ...entry, confirmed: entry.confirmed ?? true })), format: 'json' }
  }
  const { entries, problems } = parseMappingCsv(body)
  if (problems.length > 0) throw unprocessable('invalid_mapping', 'The mapping cannot be read.', problems)
  return { entries, format: 'csv' }
}

/** Replaces each named group's links by the one given; the link's version follows the group's last. */
export async function saveMapping(
  request: FastifyRequest,
  entries: readonly MappingEntry[],
  format: string,
): Promise<MappingLink[]> {
  const { database, accounts, clock } = request.server
  const tree = await accounts.principals.unitTree()
  const problems = mappingProblems(tree, entries)
  if (entries.length === 0) {
    problems.push({ location: 'body', pointer: '/entries', message: 'names no group', code: 'empty_mapping' })
  }
  if (problems.length > 0) throw unprocessable('invalid_mapping', 'The mapping cannot be saved.', problems)
  const now = clock.now()
  const byCode = new Map(tree.map((unit) => [unit.code, unit]))
  // The day after the group's ward ceased (mappingProblems has checked it did).
  const effectiveDateOf = (group: string) => addDays(byCode.get(byCode.get(group)!.parentCode!)!.validTo!, 1)
  const groups = entries.map((entry) => entry.residentialGroupCode)
  await database.db.transaction(async (tx) => {
    // One correction at a time: two replacing the same group's links at once would collide.
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext('cps.reform.mapping'))`)
    const previous = await tx
      .select({ group: unitSuccessions.predecessorCode, version: sql<number>`max(${unitSuccessions.version})` })
      .from(unitSuccessions)
      .where(inArray(unitSuccessions.predecessorCode, groups))
      .groupBy(unitSuccessions.predecessorCode)
    const versions = new Map(previous.map((row) => [row.group, Number(row.version)]))
    await tx.delete(unitSuccessions).where(inArray(unitSuccessions.predecessorCode, groups))
    await tx.insert(unitSuccessions).values(
      entries.map((entry) => ({
        predecessorCode: entry.residentialGroupCode,
        successorCode: entry.successorCode,
        effectiveDate: effectiveDateOf(entry.residentialGroupCode),
        partial: false,
        confirmed: entry.confirmed,
        source: 'admin' as const,
        version: (versions.get(entry.residentialGroupCode) ?? 0) + 1,
        updatedAt: now,
        updatedBy: request.principal!.id,
      })),
    )
    await audit(tx, request, {
      action: 'reform.mapping.update',
      resourceType: 'unit_succession',
      outcome: 'success',
      details: { groups: entries.length, format },
    })
  })
  accounts.principals.invalidateUnits()
  const saved = new Set(groups)
  return (await listMapping(database.db, undefined)).filter((link) => saved.has(link.residentialGroupCode))
}
