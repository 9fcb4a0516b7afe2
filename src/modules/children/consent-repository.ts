import { and, asc, eq, sql, type SQL } from 'drizzle-orm'
import type { Executor } from '../../db/client.js'
import { childConsentAge, type ConsentPurpose } from './consent-rules.js'
import { childConsents, children } from './tables.js'

export type ConsentRow = typeof childConsents.$inferSelect

/** The outer row in correlated subqueries; drizzle leaves columns unqualified in select lists. */
const childIdRef = sql.raw('"children"."id"')

/**
 * The condition consentStanding (consent-rules.ts) decides, over the children of the outer query: the
 * guardian's consent to `purpose` in force on `on`, and the child's too unless the child is known to be
 * under 7 then (born, at the earliest, less than 7 years before).
 */
export function consentGivenOn(purpose: ConsentPurpose, on: string): SQL {
  const inForce = (party: 'guardian' | 'child') =>
    sql`exists (select 1 from child_consents k where k.child_id = ${childIdRef} and k.purpose = ${purpose}
          and k.party = ${party} and k.given_on <= ${on}::date and (k.withdrawn_on is null or k.withdrawn_on > ${on}::date))`
  // earliestBirthDate (consent-rules.ts) in SQL.
  const earliestBirth = sql`case
    when ${children.dateOfBirth} is not null and ${children.birthDatePrecision} = 'exact' then ${children.dateOfBirth}
    when ${children.dateOfBirth} is not null and ${children.birthDatePrecision} = 'month' then date_trunc('month', ${children.dateOfBirth})::date
    else make_date(coalesce(${children.birthYear}, extract(year from ${children.dateOfBirth})::int), 1, 1) end`
  const under7 = sql`${earliestBirth} > (${on}::date - make_interval(years => ${childConsentAge}))::date`
  return sql`(${inForce('guardian')} and (coalesce(${under7}, false) or ${inForce('child')}))`
}

export async function listConsents(db: Executor, childId: string): Promise<ConsentRow[]> {
  return db
    .select()
    .from(childConsents)
    .where(eq(childConsents.childId, childId))
    .orderBy(asc(childConsents.givenOn), asc(childConsents.createdAt), asc(childConsents.id))
}

export async function getConsent(db: Executor, childId: string, id: string): Promise<ConsentRow | undefined> {
  const [row] = await db
    .select()
    .from(childConsents)
    .where(and(eq(childConsents.id, id), eq(childConsents.childId, childId)))
  return row
}

export async function insertConsent(tx: Executor, values: typeof childConsents.$inferInsert): Promise<ConsentRow> {
  const [row] = await tx.insert(childConsents).values(values).returning()
  return row!
}

/** Dates a withdrawal at `expectedVersion`; undefined when the version has moved on. */
export async function withdrawConsentRow(
  tx: Executor,
  id: string,
  expectedVersion: number,
  change: { withdrawnOn: string; updatedAt: Date },
): Promise<ConsentRow | undefined> {
  const [row] = await tx
    .update(childConsents)
    .set({ ...change, version: sql`${childConsents.version} + 1` })
    .where(and(eq(childConsents.id, id), eq(childConsents.version, expectedVersion)))
    .returning()
  return row
}

/** A merged duplicate's consents belong to the child who survives. */
export async function moveConsents(tx: Executor, fromId: string, toId: string): Promise<number> {
  const moved = await tx
    .update(childConsents)
    .set({ childId: toId })
    .where(eq(childConsents.childId, fromId))
    .returning({ id: childConsents.id })
  return moved.length
}
