import { and, asc, eq, isNull, sql, type SQL } from 'drizzle-orm'
import { likeLiteral, type Executor } from '../../db/client.js'
import { scopeCondition, type Scope } from '../../platform/scope.js'
import { childInScope } from '../children/repository.js'
import { consentGivenOn } from '../children/consent-repository.js'
import { children } from '../children/tables.js'
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
