import { and, asc, eq, isNull, sql, type SQL } from 'drizzle-orm'
import { alias } from 'drizzle-orm/pg-core'
import { likeLiteral, type Executor } from '../../db/client.js'
import { scopeCondition, type Scope } from '../../platform/scope.js'
import {
  activeGroupCodes,
  atRiskOn,
  childConditions,
  childInScope,
  type ChildFilter,
  type ChildRow,
} from '../children/repository.js'
import { consentGivenOn } from '../children/consent-repository.js'
import { children, ethnicities } from '../children/tables.js'
import { units } from '../units/tables.js'
import type { BookPlace } from './book-rules.js'
import { households } from './tables.js'

export type HouseholdRow = typeof households.$inferSelect

export function householdInScope(scope: Scope): SQL {
  return scopeCondition(scope, { ward: households.wardCode, group: households.residentialGroupCode })
}

export async function getHouseholdRow(db: Executor, scope: Scope, id: string): Promise<HouseholdRow | undefined> {
  const [row] = await db
    .select()
    .from(households)
    .where(and(eq(households.id, id), householdInScope(scope), isNull(households.deletedAt)))
  return row
}

export async function listHouseholds(
  db: Executor,
  scope: Scope,
  filter: {
    unitScope?: Scope
    residentialGroup?: string
    povertyStatus?: string
    q?: string
    after?: [string, string]
    limit: number
  },
): Promise<HouseholdRow[]> {
  const conditions: SQL[] = [householdInScope(scope), isNull(households.deletedAt)]
  if (filter.unitScope)
    conditions.push(
      scopeCondition(filter.unitScope, { ward: households.wardCode, group: households.residentialGroupCode }),
    )
  if (filter.residentialGroup) conditions.push(eq(households.residentialGroupCode, filter.residentialGroup))
  if (filter.povertyStatus) conditions.push(eq(households.povertyStatus, filter.povertyStatus as 'poor'))
  if (filter.q) {
    const pattern = `%${likeLiteral(filter.q)}%`
    conditions.push(sql`(${households.headNameFolded} % ${filter.q} or ${households.headNameFolded} like ${pattern})`)
  }
  if (filter.after)
    conditions.push(
      sql`(${households.headNameFolded}, ${households.id}) > (${filter.after[0]}, ${filter.after[1]}::uuid)`,
    )
  return db
    .select()
    .from(households)
    .where(and(...conditions))
    .orderBy(asc(households.headNameFolded), asc(households.id))
    .limit(filter.limit)
}

export async function insertHousehold(tx: Executor, values: typeof households.$inferInsert): Promise<HouseholdRow> {
  const [row] = await tx.insert(households).values(values).returning()
  return row!
}

export async function updateHousehold(
  tx: Executor,
  scope: Scope,
  id: string,
  expectedVersion: number,
  changes: Partial<typeof households.$inferInsert>,
): Promise<HouseholdRow | undefined> {
  const [row] = await tx
    .update(households)
    .set({ ...changes, version: sql`${households.version} + 1` })
    .where(
      and(
        eq(households.id, id),
        eq(households.version, expectedVersion),
        householdInScope(scope),
        isNull(households.deletedAt),
      ),
    )
    .returning()
  return row
}

/**
 * The children registered in a household (in scope), for the household book view; with
 * `sharingConsentOn`, only those whose information sharing is consented to that day.
 */
export async function householdChildren(db: Executor, scope: Scope, householdId: string, sharingConsentOn?: string) {
  return db
    .select({
      id: children.id,
      fullName: children.fullName,
      dateOfBirth: children.dateOfBirth,
      birthYear: children.birthYear,
      sex: children.sex,
      relationshipToHead: children.relationshipToHead,
    })
    .from(children)
    .where(
      and(
        eq(children.householdId, householdId),
        isNull(children.deletedAt),
        childInScope(scope),
        sharingConsentOn ? consentGivenOn('information_sharing', sharingConsentOn) : undefined,
      ),
    )
    .orderBy(asc(children.effectiveBirthDate), asc(children.id))
}

/** A child as the household child book lists it, with its household (none when not recorded in one) and where it lives. */
export interface ChildBookRow extends BookPlace {
  child: ChildRow
  headName: string | null
  householdStreetAddress: string | null
  povertyStatus: HouseholdRow['povertyStatus'] | null
  povertyFrom: string | null
  povertyTo: string | null
  wardName: string | null
  residentialGroupName: string | null
  /** Only when read with `sensitive`. */
  ethnicityName: string | null
  groupCodes: string[]
  atRisk: boolean
  /** The health insurance card valid on the day, the one running longest. */
  cardNumber: string | null
  cardValidTo: string | null
  /** The kinds of care and support the child receives on the day. */
  careKinds: string[]
  /** Where the book continues after this child (`after` of the next page). */
  bookKey: string[]
}

/**
 * One page of the household child book, in book order: by ward, residential group (none last), the group's
 * households by address and head (children of no household after them), each household's children by age,
 * oldest first. Keyset-paginated on that order, compared in the "C" collation so that PostgreSQL and the
 * embedded database agree. A child's place is its household's when it has one in the caller's units.
 */
export async function childBookPage(
  db: Executor,
  scope: Scope,
  filter: ChildFilter,
  options: { sensitive: boolean; after?: readonly string[]; limit: number },
): Promise<ChildBookRow[]> {
  const { asOf } = filter
  const groupUnit = alias(units, 'group_unit')
  const wardUnit = alias(units, 'ward_unit')
  const inHousehold = sql`${households.id} is not null`
  const wardCode = sql<string>`case when ${inHousehold} then ${households.wardCode} else ${children.wardCode} end`
  const residentialGroupCode = sql<
    string | null
  >`case when ${inHousehold} then ${households.residentialGroupCode} else ${children.residentialGroupCode} end`
  const bookOrder = [
    wardCode,
    sql`case when ${residentialGroupCode} is null then '1' else '0' end`,
    sql`coalesce(${residentialGroupCode}, '')`,
    sql`case when ${inHousehold} then '0' else '1' end`,
    sql`coalesce(cps_fold(${households.streetAddress}), '')`,
    sql`coalesce(${households.headNameFolded}, '')`,
    sql`coalesce(${households.id}::text, '')`,
    sql`coalesce(${children.effectiveBirthDate}::text, '9999-12-31')`,
    sql`${children.id}::text`,
  ].map((key) => sql`(${key}) collate "C"`)
  const after = options.after
    ? sql`(${sql.join(bookOrder, sql`, `)}) > (${sql.join(
        options.after.map((value) => sql`${value}`),
        sql`, `,
      )})`
    : undefined
  const childRef = sql.raw('"children"."id"')
  const validCard = sql`from health_insurance_cards h where h.child_id = ${childRef} and h.valid_from <= ${asOf}::date and h.valid_to >= ${asOf}::date order by h.valid_to desc limit 1`
  const rows = await db
    .select({
      child: children,
      householdId: households.id,
      headName: households.headName,
      householdStreetAddress: households.streetAddress,
      povertyStatus: households.povertyStatus,
      povertyFrom: households.povertyFrom,
      povertyTo: households.povertyTo,
      wardCode,
      residentialGroupCode,
      wardName: wardUnit.nameVi,
      residentialGroupName: groupUnit.nameVi,
      ethnicityName: options.sensitive ? ethnicities.nameVi : sql<string | null>`null`,
      groupCodes: activeGroupCodes(asOf, options.sensitive),
      atRisk: atRiskOn(asOf, options.sensitive),
      cardNumber: sql<string | null>`(select h.card_number ${validCard})`,
      cardValidTo: sql<string | null>`(select h.valid_to::text ${validCard})`,
      careKinds: sql<
        string[]
      >`array(select distinct cr.kind from care_records cr where cr.child_id = ${childRef} and cr.start_date <= ${asOf}::date and (cr.end_date is null or cr.end_date >= ${asOf}::date) order by 1)`,
      bookKey: sql<string[]>`array[${sql.join(bookOrder, sql`, `)}]`,
    })
    .from(children)
    .leftJoin(
      households,
      and(eq(households.id, children.householdId), householdInScope(scope), isNull(households.deletedAt)),
    )
    .leftJoin(wardUnit, sql`${wardUnit.code} = ${wardCode}`)
    .leftJoin(groupUnit, sql`${groupUnit.code} = ${residentialGroupCode}`)
    .leftJoin(ethnicities, eq(ethnicities.code, children.ethnicityCode))
    .where(and(childInScope(scope), ...childConditions(filter), after))
    .orderBy(...bookOrder)
    .limit(options.limit)
  return rows
}
