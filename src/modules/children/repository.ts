import { and, asc, eq, inArray, isNull, sql, type SQL } from 'drizzle-orm'
import { likeLiteral, queryRows, quoteLiteral, type Db, type Executor, type OpenedRows } from '../../db/client.js'
import { insertRowsAsJson, rowFromJson } from '../../db/json-rows.js'
import type { AuditActor } from '../../platform/audit.js'
import type { CircumstanceGroupsData } from '../../reference/index.js'
import {
  arrayLiteral,
  scopeCondition,
  scopeConditionText,
  scopeSettings,
  textArray,
  type Scope,
} from '../../platform/scope.js'
import {
  childRevisions,
  careRecords,
  children,
  childCircumstances,
  circumstanceGroups,
  ethnicities,
  healthInsuranceCards,
} from './tables.js'
import { consentGivenOn } from './consent-repository.js'
import { isBhytValidOn, sensitiveGroupCodes, type ChildStatus } from './rules.js'
import {
  nearestSyllables,
  searchTerms,
  searchTierNamed,
  type SearchTerms,
  tiersToRun,
  type Correction,
  type SearchTier,
} from './search-rules.js'

export type ChildRow = typeof children.$inferSelect
export type CircumstanceRow = typeof childCircumstances.$inferSelect
export type CareRow = typeof careRecords.$inferSelect
export type CardRow = typeof healthInsuranceCards.$inferSelect

/** The outer row in correlated subqueries; drizzle leaves columns unqualified in select lists. */
const childIdRef = sql.raw('"children"."id"')
const sensitiveList = sql.raw(`(${[...sensitiveGroupCodes].map((code) => `'${code}'`).join(',')})`)

export function childInScope(scope: Scope): SQL {
  return scopeCondition(scope, { ward: children.wardCode, group: children.residentialGroupCode })
}

export interface ChildFilter {
  /** The `unit` filter, resolved to the wards and groups below it. */
  unitScope?: Scope
  residentialGroup?: string
  group?: string
  atRisk?: boolean
  ageFrom?: number
  ageTo?: number
  under6?: boolean
  withoutValidHealthInsurance?: boolean
  status?: ChildStatus
  householdId?: string
  sex?: string
  birthYear?: number
  /** Folded name query. */
  q?: string
  asOf: string
  /** Only children whose information sharing is consented to on this day (a reader without the duty). */
  sharingConsentOn?: string
}

function yearsBefore(asOf: string, years: number): SQL {
  return sql`(${asOf}::date - make_interval(years => ${years}))::date`
}

function activeOn(asOf: string): SQL {
  return sql`cc.start_date <= ${asOf}::date and (cc.end_date is null or cc.end_date >= ${asOf}::date)`
}

/** The caller's filters of a registry list; the jurisdiction is added where the list is read. */
export function childConditions(filter: ChildFilter): SQL[] {
  const conditions: SQL[] = [isNull(children.deletedAt)]
  const { asOf } = filter
  if (filter.sharingConsentOn) conditions.push(consentGivenOn('information_sharing', filter.sharingConsentOn))
  if (filter.unitScope)
    conditions.push(scopeCondition(filter.unitScope, { ward: children.wardCode, group: children.residentialGroupCode }))
  if (filter.residentialGroup) conditions.push(eq(children.residentialGroupCode, filter.residentialGroup))
  if (filter.householdId) conditions.push(eq(children.householdId, filter.householdId))
  if (filter.sex) conditions.push(eq(children.sex, filter.sex as ChildRow['sex']))
  if (filter.birthYear !== undefined)
    conditions.push(
      sql`${children.effectiveBirthDate} between ${`${filter.birthYear}-01-01`}::date and ${`${filter.birthYear}-12-31`}::date`,
    )
  if (filter.group) {
    conditions.push(
      sql`exists (select 1 from child_circumstances cc where cc.child_id = ${childIdRef} and cc.kind = 'group' and cc.group_code = ${filter.group} and ${activeOn(asOf)})`,
    )
  }
  if (filter.atRisk !== undefined) {
    const risk = sql`exists (select 1 from child_circumstances cc where cc.child_id = ${childIdRef} and cc.kind = 'risk' and ${activeOn(asOf)})`
    conditions.push(filter.atRisk ? risk : sql`not ${risk}`)
  }
  if (filter.ageFrom !== undefined)
    conditions.push(sql`${children.effectiveBirthDate} <= ${yearsBefore(asOf, filter.ageFrom)}`)
  if (filter.ageTo !== undefined)
    conditions.push(sql`${children.effectiveBirthDate} > ${yearsBefore(asOf, filter.ageTo + 1)}`)
  if (filter.under6 !== undefined) {
    const under6 = sql`${children.effectiveBirthDate} > ${yearsBefore(asOf, 6)}`
    conditions.push(filter.under6 ? under6 : sql`not (${under6})`)
  }
  if (filter.withoutValidHealthInsurance) {
    conditions.push(
      sql`not exists (select 1 from health_insurance_cards h where h.child_id = ${childIdRef} and h.valid_from <= ${asOf}::date and h.valid_to >= ${asOf}::date)`,
    )
  }
  if (filter.status) {
    const agedOut = sql`${children.effectiveBirthDate} <= ${yearsBefore(asOf, 16)}`
    if (filter.status === 'aged_out') conditions.push(sql`${children.status} = 'active' and ${agedOut}`)
    else if (filter.status === 'active') {
      conditions.push(sql`${children.status} = 'active' and (${children.effectiveBirthDate} is null or not ${agedOut})`)
    } else conditions.push(eq(children.status, filter.status))
  }
  return conditions
}

/**
 * The syllables typed that no child's name has, or with `everySyllable` all of them, each with the
 * syllables in use it may stand for (search-rules.ts, nearestSyllables).
 */
async function correctionsFor(
  db: Executor,
  syllables: readonly string[],
  everySyllable: boolean,
): Promise<Correction[]> {
  if (syllables.length === 0) return []
  const known = new Set(
    (
      await queryRows<{ syllable: string }>(
        db,
        sql`select distinct syllable from name_syllables where syllable = any(${textArray(syllables)})`,
      )
    ).map((row) => row.syllable),
  )
  const targets = syllables.filter((syllable) => everySyllable || !known.has(syllable))
  if (targets.length === 0) return []
  const last = syllables.at(-1)!
  const shortest = Math.min(...targets.map((syllable) => syllable.length)) - 2
  const longest = Math.max(...targets.map((syllable) => syllable.length)) + 2
  // The last syllable may be one still being typed: the syllables it begins count among its corrections.
  const begun = targets.includes(last) ? sql` or syllable like ${`${likeLiteral(last)}%`}` : sql``
  const vocabulary = (
    await queryRows<{ syllable: string }>(
      db,
      sql`select distinct syllable from name_syllables where length(syllable) between ${shortest} and ${longest}${begun}`,
    )
  ).map((row) => row.syllable)
  return targets.map((typed) => ({
    typed,
    known: known.has(typed),
    nearest: nearestSyllables(
      typed,
      vocabulary.filter((syllable) => syllable !== typed),
      typed === last,
    ),
  }))
}

/**
 * The name as the exact-name index holds it (migration 0028): in the "C" collation, so that only the exact
 * tier, which asks for it, reads that index, and listings by name keep their own plans.
 */
const exactName = sql`${children.nameFolded} collate "C"`

/** The tiers whose page is read in order from the exact-name index (0028) or the given-name index (0032). */
const tiersInIndexOrder: ReadonlySet<SearchTier> = new Set(['exact', 'family_and_given', 'given_name'])

/** What a tier asks of a name, from the query's syllables and their corrections. */
function tierCondition(tier: SearchTier, q: string, terms: SearchTerms, corrections: readonly Correction[]): SQL {
  const has = (syllables: readonly string[]) => sql`${children.nameSyllables} @> ${textArray(syllables)}`
  const hasOneOf = (syllables: readonly string[]) => sql`${children.nameSyllables} && ${textArray(syllables)}`
  const all = has(terms.syllables)
  const given = sql`${children.nameSyllables}[cardinality(${children.nameSyllables})] = ${terms.givenName}`
  // A prefix in the "C" collation, which the given-name index (migration 0032) reads as a range of names.
  const beginsWith = (syllable: string) => sql`${exactName} like ${`${likeLiteral(syllable)} %`}`
  switch (tier) {
    case 'exact':
      // Byte equality, in the collation of the exact-name index (migration 0028), which reads the page in
      // the order it is answered in; the trigram index, which would also serve '=' (slowly, rechecking
      // thousands of rows of a common name), is not in that collation. The syllables are not asked as well:
      // the name holds them, and the syllables' index would only add reading their long lists.
      return sql`${exactName} = ${q}`
    case 'family_and_given': {
      const { familyName } = terms
      // Never run without a family name (tiersToRun); with none, no name is one.
      if (familyName === undefined) return sql`false`
      const others = terms.syllables.filter((syllable) => syllable !== terms.givenName && syllable !== familyName)
      return sql`${given} and ${beginsWith(familyName)}${others.length > 0 ? sql` and ${has(others)}` : sql``} and ${exactName} <> ${q}`
    }
    case 'given_name': {
      // A given name alone: read in order from the given-name index, and not asked of the syllables'
      // index as well (taking the two for independent, the planner would expect a few hundred of a common
      // given name's thousands in one ward).
      if (terms.familyName === undefined) return sql`${given} and ${exactName} <> ${q}`
      // With a family name, what is left once the family-and-given tier has taken the names beginning with
      // it (the family name in the middle) is rare: walking the given name's thousands in order to find a
      // few would read them all. The syllables' index bounds the read instead; the given name is written
      // so that the given-name index does not serve it (array_upper is cardinality for these arrays).
      const givenUnindexed = sql`${children.nameSyllables}[array_upper(${children.nameSyllables}, 1)] = ${terms.givenName}`
      return sql`${all} and ${givenUnindexed} and not ${beginsWith(terms.familyName)} and ${exactName} <> ${q}`
    }
    case 'all_syllables':
      return sql`${all} and not (${given}) and ${children.nameFolded} <> ${q}`
    case 'corrected': {
      const unknown = corrections.filter((correction) => !correction.known)
      if (unknown.length > 0) {
        // No name has these syllables: each stands for its nearest, the others are kept.
        const wrong = new Set(unknown.map((correction) => correction.typed))
        const kept = terms.syllables.filter((syllable) => !wrong.has(syllable))
        return sql.join([has(kept), ...unknown.map((correction) => hasOneOf(correction.nearest))], sql` and `)
      }
      // Every syllable is in use: one of them, in turn, stands for its neighbours; names with them all came before.
      const turns = corrections
        .filter((correction) => correction.nearest.length > 0)
        .map(
          (correction) =>
            sql`(${has(terms.syllables.filter((syllable) => syllable !== correction.typed))} and ${hasOneOf(correction.nearest)})`,
        )
      return sql`(${sql.join(turns, sql` or `)}) and not (${all})`
    }
    case 'similar':
      return sql`${children.nameFolded} % ${q}`
  }
}

/** The search's answer on a name short of the corrected and the merely similar (an export by name uses it). */
function nameMatches(q: string, terms: SearchTerms, unknownCorrections: readonly Correction[]): SQL {
  const tiers = tiersToRun('exact', unknownCorrections, terms).filter(
    (tier) => tier !== 'similar' && (tier !== 'corrected' || unknownCorrections.length > 0),
  )
  if (tiers.length === 0) return sql`false`
  return sql`(${sql.join(
    tiers.map((tier) => sql`(${tierCondition(tier, q, terms, unknownCorrections)})`),
    sql` or `,
  )})`
}

/** A child's special-circumstance groups on `asOf`, by code; without `sensitive`, the sensitive groups left out. */
export function activeGroupCodes(asOf: string, sensitive: boolean): SQL<string[]> {
  const hideSensitive = sensitive ? sql`` : sql` and cc.group_code not in ${sensitiveList}`
  return sql<
    string[]
  >`array(select distinct cc.group_code from child_circumstances cc where cc.child_id = ${childIdRef} and cc.kind = 'group' and ${activeOn(asOf)}${hideSensitive} order by 1)`
}

/** Whether a child is at risk on `asOf`; without `sensitive`, a risk of falling into a sensitive group does not count. */
export function atRiskOn(asOf: string, sensitive: boolean): SQL<boolean> {
  return sql<boolean>`exists (select 1 from child_circumstances cc where cc.child_id = ${childIdRef} and cc.kind = 'risk' and ${activeOn(asOf)} and (cc.group_code is null${sensitive ? sql` or true` : sql` or cc.group_code not in ${sensitiveList}`}))`
}

export interface ChildSummaryRow extends ChildRow {
  groupCodes: string[]
  atRisk: boolean
  hasValidHealthInsurance: boolean
  /** For a search: the tier that found the child and its place in it (the name, or the trigram distance). */
  match?: { tier: SearchTier; key: string }
}

/**
 * One page of children, keyset-paginated on a stable key: by name, or for a name search (`q`) tier by tier
 * (searchTiers), each by name, the merely similar by trigram distance. A search cursor is
 * [tier name, key, id].
 */
export async function listChildren(
  db: Executor,
  scope: Scope,
  filter: ChildFilter,
  options: { sensitive: boolean; after?: (string | number)[]; limit: number; orderByName?: boolean },
): Promise<ChildSummaryRow[]> {
  const { asOf } = filter
  const search = Boolean(filter.q) && !options.orderByName
  const q = filter.q ?? ''
  const conditions = childConditions(filter)
  const terms = searchTerms(q)
  const unknownCorrections = q ? await correctionsFor(db, terms.syllables, false) : []
  if (q && !search) conditions.push(nameMatches(q, terms, unknownCorrections))
  const groupCodes = activeGroupCodes(asOf, options.sensitive)
  const atRisk = atRiskOn(asOf, options.sensitive)
  const hasValidHealthInsurance = sql<boolean>`exists (select 1 from health_insurance_cards h where h.child_id = ${childIdRef} and h.valid_from <= ${asOf}::date and h.valid_to >= ${asOf}::date)`
  const byName = [asc(children.nameFolded), asc(children.id)]
  if (!search) {
    const after = options.after
      ? sql`(${children.nameFolded}, ${children.id}) > (${String(options.after[0])}, ${String(options.after[1])}::uuid)`
      : undefined
    const rows = await db
      .select({ child: children, groupCodes, atRisk, hasValidHealthInsurance })
      .from(children)
      .where(and(childInScope(scope), ...conditions, after))
      .orderBy(...byName)
      .limit(options.limit)
    return rows.map((row) => ({
      ...row.child,
      groupCodes: row.groupCodes,
      atRisk: row.atRisk,
      hasValidHealthInsurance: row.hasValidHealthInsurance,
    }))
  }
  // Through children_in_scope (migration 0026), as the one place the name indexes can serve a scoped read.
  // The name indexes drive each tier; the scope and the caller's filters only filter their candidates ("is
  // true" keeps them out of any index): ANDing a few hundred candidates' bitmap with a ward's 161,000 rows
  // took 19 ms of a 26 ms tier in the largest ward, and a birth year's would cost the same.
  // The page is chosen first and only its children are then described: asked of every candidate, the
  // planner (expecting tens of thousands for a common name) would read every risk and every insurance card
  // of the registry once into a hash instead of looking up fifty children's.
  const tierPage = async (where: SQL[], orderBy: SQL[], limit: number, key: SQL) => {
    const rows = await queryRows<{
      child: Record<string, unknown>
      group_codes: string[]
      at_risk: boolean
      has_valid_health_insurance: boolean
      key: string
    }>(
      db,
      sql`select row_to_json(children) as child, ${groupCodes} as group_codes, ${atRisk} as at_risk,
                 ${hasValidHealthInsurance} as has_valid_health_insurance, ${key}::text as key
          from (select * from children_in_scope as children
                where (${and(childInScope(scope), ...conditions)}) is true and ${and(...where)}
                order by ${sql.join(orderBy, sql`, `)}
                limit ${limit}) as children
          order by ${sql.join(orderBy, sql`, `)}`,
    )
    return rows.map((row) => ({
      ...rowFromJson(children, row.child),
      groupCodes: row.group_codes,
      atRisk: row.at_risk,
      hasValidHealthInsurance: row.has_valid_health_insurance,
      key: row.key,
    }))
  }

  const [cursorTier, cursorKey, cursorId] = options.after ?? []
  const from = cursorTier === undefined ? 'exact' : searchTierNamed(cursorTier)
  if (from === undefined) return []
  const found: ChildSummaryRow[] = []
  for (const tier of tiersToRun(from, unknownCorrections, terms)) {
    // Merely similar names are offered only when nothing closer exists: from the first page, or its own cursor.
    if (tier === 'similar' && (found.length > 0 || (cursorTier !== undefined && from !== 'similar'))) break
    let corrections = unknownCorrections
    if (tier === 'corrected' && corrections.length === 0) {
      // Every syllable in use: corrections are offered, as similar names are, only when nothing matched as typed.
      if (found.length > 0 || (cursorTier !== undefined && from !== 'corrected')) continue
      corrections = await correctionsFor(db, terms.syllables, true)
      if (!corrections.some((correction) => correction.nearest.length > 0)) continue
    }
    const resumes = tier === from && cursorKey !== undefined
    const condition = tierCondition(tier, q, terms, corrections)
    const remaining = options.limit - found.length
    let rows
    if (tier === 'similar') {
      const distance = sql`(${children.nameFolded} <-> ${q})`
      const after = resumes
        ? [sql`(${distance}, ${children.id}) > (${String(cursorKey)}::real, ${String(cursorId)}::uuid)`]
        : []
      rows = await tierPage([condition, ...after], [distance, asc(children.id)], remaining, distance)
    } else {
      // The tiers that name read straight from an index do so in its order, the "C" collation's (the exact
      // tier's names are all the same: by id, as byName).
      const name = tiersInIndexOrder.has(tier) ? exactName : sql`${children.nameFolded}`
      const after = resumes ? [sql`(${name}, ${children.id}) > (${String(cursorKey)}, ${String(cursorId)}::uuid)`] : []
      const order = tiersInIndexOrder.has(tier) ? [name, asc(children.id)] : byName
      rows = await tierPage([condition, ...after], order, remaining, sql`${children.nameFolded}`)
    }
    found.push(...rows.map(({ key, ...row }) => ({ ...row, match: { tier, key } })))
    if (found.length >= options.limit) break
  }
  return found
}

export async function getChildRow(db: Executor, scope: Scope, id: string): Promise<ChildRow | undefined> {
  const [row] = await db
    .select()
    .from(children)
    .where(and(eq(children.id, id), childInScope(scope), isNull(children.deletedAt)))
  return row
}

export interface ChildParts {
  circumstances: CircumstanceRow[]
  care: CareRow[]
  cards: CardRow[]
}

export async function getChildParts(db: Executor, childId: string): Promise<ChildParts> {
  // In turn, not side by side: inside a transaction one connection runs one statement at a time.
  const circumstances = await db
    .select()
    .from(childCircumstances)
    .where(eq(childCircumstances.childId, childId))
    .orderBy(asc(childCircumstances.startDate), asc(childCircumstances.id))
  const care = await db
    .select()
    .from(careRecords)
    .where(eq(careRecords.childId, childId))
    .orderBy(asc(careRecords.startDate), asc(careRecords.id))
  const cards = await db
    .select()
    .from(healthInsuranceCards)
    .where(eq(healthInsuranceCards.childId, childId))
    .orderBy(asc(healthInsuranceCards.validFrom))
  return { circumstances, care, cards }
}

/**
 * A child with its parts, read and audited in one statement (`cps_read_child`, one round trip, one
 * commit): the caller's scope applies as the first wall and through row-level security, and the audit
 * event ('child.read', success or not_found) commits with the read. Undefined when missing or out of scope.
 */
export async function readChildAudited(
  // Never an open transaction: the function's scope settings would replace that transaction's own.
  db: Db,
  scope: Scope,
  id: string,
  audit: { occurredAt: Date; actor: AuditActor; requestId: string },
): Promise<{ row: ChildRow; parts: ChildParts } | undefined> {
  const { actor } = audit
  const settings = scopeSettings(scope)
  const [result] = await queryRows<{ found: ChildJson | null }>(
    db,
    sql`select cps_read_child(${id}, ${settings.all}, ${settings.wards}, ${settings.groups},
          ${audit.occurredAt.toISOString()}, ${actor.type}, ${actor.id}, ${actor.name}, ${actor.role}, ${audit.requestId}) as found`,
  )
  const found = result?.found
  if (!found) return undefined
  return {
    row: rowFromJson(children, found.child),
    parts: {
      circumstances: found.circumstances.map((json) => rowFromJson(childCircumstances, json)),
      care: found.care.map((json) => rowFromJson(careRecords, json)),
      cards: found.cards.map((json) => rowFromJson(healthInsuranceCards, json)),
    },
  }
}

interface ChildJson {
  child: Record<string, unknown>
  circumstances: Record<string, unknown>[]
  care: Record<string, unknown>[]
  cards: Record<string, unknown>[]
}

export function hasValidCardOn(cards: readonly CardRow[], asOf: string): boolean {
  return cards.some((card) => isBhytValidOn(card, asOf))
}

/** The statement that registers a child, returning the row written, for a caller that writes it with other rows. */
export function childInsert(values: typeof children.$inferInsert): SQL {
  return insertRowsAsJson(children, [values])
}

/** Applies changes when the stored version is `expectedVersion` (and the row is in scope). */
export async function updateChild(
  tx: Executor,
  scope: Scope,
  id: string,
  expectedVersion: number,
  changes: Partial<typeof children.$inferInsert>,
): Promise<ChildRow | undefined> {
  const [row] = await tx
    .update(children)
    .set({ ...changes, version: sql`${children.version} + 1` })
    .where(
      and(eq(children.id, id), eq(children.version, expectedVersion), childInScope(scope), isNull(children.deletedAt)),
    )
    .returning()
  return row
}

export async function insertRevision(tx: Executor, values: typeof childRevisions.$inferInsert): Promise<void> {
  await tx.execute(revisionInsert(values))
}

/** The statement insertRevision runs, for a caller that writes the revision together with other rows. */
export function revisionInsert(values: typeof childRevisions.$inferInsert): SQL {
  return insertRowsAsJson(childRevisions, [values])
}

export async function listRevisions(db: Executor, childId: string, sensitive: boolean) {
  return db
    .select()
    .from(childRevisions)
    .where(and(eq(childRevisions.childId, childId), sensitive ? undefined : eq(childRevisions.sensitive, false)))
    .orderBy(asc(childRevisions.id))
}

export interface DuplicateCandidate {
  nameFolded: string
  dateOfBirth: string | null
  householdId: string | null
  excludeId?: string
}

/**
 * The statement that finds a candidate's likely duplicates in the caller's units (the same folded name and
 * birth date, or a similar name in the same household), as SQL text with literals: it opens a
 * registration's transaction (`ScopedOptions.openWith`), in the round trip of its BEGIN. Undefined when the
 * candidate has no date of birth, which nothing is matched without.
 */
export function possibleDuplicatesStatement(scope: Scope, candidate: DuplicateCandidate): string | undefined {
  if (!candidate.dateOfBirth) return undefined
  const name = quoteLiteral(candidate.nameFolded)
  const similarInHousehold = candidate.householdId
    ? `(c.household_id = ${quoteLiteral(candidate.householdId)}::uuid and similarity(c.name_folded, ${name}) >= 0.5)`
    : 'false'
  const excluded = candidate.excludeId ? `and c.id <> ${quoteLiteral(candidate.excludeId)}::uuid` : ''
  return `select c.id, c.full_name as "fullName", c.date_of_birth::text as "dateOfBirth", c.ward_code as "wardCode",
                 c.household_id as "householdId", c.name_folded as "nameFolded",
                 similarity(c.name_folded, ${name})::float8 as similarity
            from children c
           where ${scopeConditionText(scope, { ward: 'c.ward_code', group: 'c.residential_group_code' })}
             and c.deleted_at is null and c.date_of_birth = ${quoteLiteral(candidate.dateOfBirth)}::date
             and (c.name_folded = ${name} or ${similarInHousehold}) ${excluded}
           order by similarity desc, c.id
           limit 10`
}

/** The likely duplicates `possibleDuplicatesStatement` found, as the registration answers them. */
export function possibleDuplicatesFrom(rows: OpenedRows, candidate: DuplicateCandidate) {
  return (rows as unknown as readonly DuplicateRow[]).map((row) => ({
    id: row.id,
    fullName: row.fullName,
    dateOfBirth: row.dateOfBirth,
    wardCode: row.wardCode,
    householdId: row.householdId,
    similarity: Math.round(row.similarity * 1000) / 1000,
    reason:
      row.nameFolded === candidate.nameFolded
        ? ('same_name_and_birth_date' as const)
        : ('similar_name_same_birth_date_same_household' as const),
  }))
}

interface DuplicateRow {
  id: string
  fullName: string
  dateOfBirth: string
  wardCode: string
  householdId: string | null
  nameFolded: string
  similarity: number
}

/** A candidate's likely duplicates, read on their own (`possibleDuplicatesStatement`). */
export async function findPossibleDuplicates(db: Executor, scope: Scope, candidate: DuplicateCandidate) {
  const statement = possibleDuplicatesStatement(scope, candidate)
  if (!statement) return []
  return possibleDuplicatesFrom(await queryRows(db, sql.raw(statement)), candidate)
}

/**
 * Candidate duplicate pairs in the caller's units: same birth date within one ward and the same or a
 * very similar folded name. Pairs across wards are not searched (children who moved are re-registered
 * deliberately; see docs).
 */
export async function listDuplicatePairs(
  db: Executor,
  scope: Scope,
  options: { unitScope?: Scope; after?: [string, string]; limit: number },
) {
  const inScope = (alias: string) => {
    const parts: SQL[] = []
    const wards = scope.all ? null : scope.wards
    if (wards !== null) {
      const groups = scope.groups
      parts.push(
        sql`(${sql.raw(alias)}.ward_code = any(${textArray(wards)}) or ${sql.raw(alias)}.residential_group_code = any(${textArray(groups)}))`,
      )
    }
    if (options.unitScope) {
      parts.push(
        sql`(${sql.raw(alias)}.ward_code = any(${textArray(options.unitScope.wards)}) or ${sql.raw(alias)}.residential_group_code = any(${textArray(options.unitScope.groups)}))`,
      )
    }
    return parts.length ? sql.join(parts, sql` and `) : sql`true`
  }
  const after = options.after ? sql`and (a.id, b.id) > (${options.after[0]}::uuid, ${options.after[1]}::uuid)` : sql``
  const result = (await db.execute(sql`
    select a.id as a_id, a.full_name as a_name, a.date_of_birth::text as a_dob, a.ward_code as a_ward, a.household_id as a_household,
           b.id as b_id, b.full_name as b_name, b.date_of_birth::text as b_dob, b.ward_code as b_ward, b.household_id as b_household,
           similarity(a.name_folded, b.name_folded) as similarity,
           (a.name_folded = b.name_folded) as same_name
    from children a
    join children b on b.date_of_birth = a.date_of_birth and b.ward_code = a.ward_code and a.id < b.id
    where a.deleted_at is null and b.deleted_at is null
      and ${inScope('a')} and ${inScope('b')}
      and (a.name_folded = b.name_folded or similarity(a.name_folded, b.name_folded) >= 0.6)
      ${after}
    order by a.id, b.id
    limit ${options.limit}`)) as {
    rows: {
      a_id: string
      a_name: string
      a_dob: string
      a_ward: string
      a_household: string | null
      b_id: string
      b_name: string
      b_dob: string
      b_ward: string
      b_household: string | null
      similarity: number
      same_name: boolean
    }[]
  }
  return result.rows.map((row) => {
    const score = Math.round(Number(row.similarity) * 1000) / 1000
    const reason = row.same_name ? ('same_name_and_birth_date' as const) : ('similar_name_same_birth_date' as const)
    const side = (prefix: 'a' | 'b') => ({
      id: row[`${prefix}_id`],
      fullName: row[`${prefix}_name`],
      dateOfBirth: row[`${prefix}_dob`],
      wardCode: row[`${prefix}_ward`],
      householdId: row[`${prefix}_household`],
      similarity: score,
      reason: row.same_name
        ? ('same_name_and_birth_date' as const)
        : ('similar_name_same_birth_date_same_household' as const),
    })
    return { first: side('a'), second: side('b'), similarity: score, reason }
  })
}

/** Where a child lives: the parts of the file carry it too, so that scope and ward indicators follow the child. */
export interface ChildLocation {
  provinceCode: string
  wardCode: string
  residentialGroupCode: string | null
}

/** Moves a duplicate's memberships, care and cards to the survivor; the caller tombstones the duplicate. */
export async function moveChildParts(
  tx: Executor,
  fromId: string,
  to: { id: string } & ChildLocation,
): Promise<{ circumstances: number; care: number; cards: number }> {
  const values = {
    childId: to.id,
    provinceCode: to.provinceCode,
    wardCode: to.wardCode,
    residentialGroupCode: to.residentialGroupCode,
  }
  const circumstances = await tx
    .update(childCircumstances)
    .set(values)
    .where(eq(childCircumstances.childId, fromId))
    .returning({ id: childCircumstances.id })
  const care = await tx
    .update(careRecords)
    .set(values)
    .where(eq(careRecords.childId, fromId))
    .returning({ id: careRecords.id })
  const cards = await tx
    .update(healthInsuranceCards)
    .set(values)
    .where(eq(healthInsuranceCards.childId, fromId))
    .returning({ id: healthInsuranceCards.id })
  return { circumstances: circumstances.length, care: care.length, cards: cards.length }
}

/**
 * After a change of address (one child, or every child an import wrote): circumstances, care, cards and
 * revisions take the unit each child now lives in.
 */
export async function relocateChildParts(tx: Executor, childIds: readonly string[]): Promise<void> {
  if (childIds.length === 0) return
  const ids = arrayLiteral(childIds)
  for (const table of [childCircumstances, careRecords, healthInsuranceCards, childRevisions]) {
    await tx.execute(
      sql`update ${table} p set province_code = c.province_code, ward_code = c.ward_code, residential_group_code = c.residential_group_code
          from children c
          where c.id = any(${ids}::uuid[]) and p.child_id = any(${ids}::uuid[]) and p.child_id = c.id
            and (p.ward_code, p.residential_group_code) is distinct from (c.ward_code, c.residential_group_code)`,
    )
  }
}

/**
 * Folds the registry tallies' deltas into settled rows (migration 0015), a bounded number per
 * transaction, so that the indicators read fewer rows. Returns how many deltas were folded, or null
 * when another instance was folding them.
 */
export async function settleRegistryTallies(db: Db, deltasPerTransaction = 50_000): Promise<number | null> {
  let total = 0
  for (;;) {
    const [row] = await queryRows<{ folded: number | null }>(
      db,
      sql`select cps_settle_registry_tallies(${deltasPerTransaction}::int) as folded`,
    )
    const folded = row?.folded ?? null
    if (folded === null) return total > 0 ? total : null
    total += folded
    if (folded < deltasPerTransaction) return total
  }
}

export async function insertCircumstance(
  tx: Executor,
  values: typeof childCircumstances.$inferInsert,
): Promise<CircumstanceRow> {
  const [row] = await tx.insert(childCircumstances).values(values).returning()
  return row!
}

export async function getCircumstance(db: Executor, childId: string, id: string): Promise<CircumstanceRow | undefined> {
  const [row] = await db
    .select()
    .from(childCircumstances)
    .where(and(eq(childCircumstances.id, id), eq(childCircumstances.childId, childId)))
  return row
}

export async function updateCircumstance(
  tx: Executor,
  id: string,
  expectedVersion: number,
  changes: Partial<typeof childCircumstances.$inferInsert>,
): Promise<CircumstanceRow | undefined> {
  const [row] = await tx
    .update(childCircumstances)
    .set({ ...changes, version: sql`${childCircumstances.version} + 1` })
    .where(and(eq(childCircumstances.id, id), eq(childCircumstances.version, expectedVersion)))
    .returning()
  return row
}

export async function insertCare(tx: Executor, values: typeof careRecords.$inferInsert): Promise<CareRow> {
  const [row] = await tx.insert(careRecords).values(values).returning()
  return row!
}

export async function getCare(db: Executor, childId: string, id: string): Promise<CareRow | undefined> {
  const [row] = await db
    .select()
    .from(careRecords)
    .where(and(eq(careRecords.id, id), eq(careRecords.childId, childId)))
  return row
}

export async function updateCare(
  tx: Executor,
  id: string,
  expectedVersion: number,
  changes: Partial<typeof careRecords.$inferInsert>,
) {
  const [row] = await tx
    .update(careRecords)
    .set({ ...changes, version: sql`${careRecords.version} + 1` })
    .where(and(eq(careRecords.id, id), eq(careRecords.version, expectedVersion)))
    .returning()
  return row
}

export async function insertCard(tx: Executor, values: typeof healthInsuranceCards.$inferInsert): Promise<CardRow> {
  const [row] = await tx.insert(healthInsuranceCards).values(values).returning()
  return row!
}

/** Which personal ID numbers already belong to a live child (anywhere: the number is unique). */
export async function childIdWithPersonalId(
  db: Executor,
  scope: Scope,
  personalId: string,
  excludeId?: string,
): Promise<string | undefined> {
  const [row] = await db
    .select({ id: children.id })
    .from(children)
    .where(
      and(
        eq(children.personalId, personalId),
        isNull(children.deletedAt),
        childInScope(scope),
        excludeId ? sql`${children.id} <> ${excludeId}::uuid` : undefined,
      ),
    )
  return row?.id
}

export async function listCircumstanceGroups(db: Executor) {
  return db.select().from(circumstanceGroups).orderBy(asc(circumstanceGroups.sortOrder))
}

export async function listEthnicities(db: Executor) {
  return db.select().from(ethnicities).orderBy(asc(ethnicities.code))
}

export async function ethnicityExists(db: Executor, code: string): Promise<boolean> {
  const rows = await db
    .select({ code: ethnicities.code })
    .from(ethnicities)
    .where(inArray(ethnicities.code, [code]))
  return rows.length > 0
}

export async function applyCircumstanceGroupsReference(tx: Executor, data: CircumstanceGroupsData): Promise<void> {
  for (const group of data.groups) {
    const { code: _code, ...changes } = group
    await tx
      .insert(circumstanceGroups)
      .values(group)
      .onConflictDoUpdate({ target: circumstanceGroups.code, set: changes })
  }
}

export async function applyEthnicitiesReference(
  tx: Executor,
  data: { ethnicities: { code: string; nameVi: string; nameEn: string }[] },
): Promise<void> {
  for (const ethnicity of data.ethnicities) {
    await tx
      .insert(ethnicities)
      .values(ethnicity)
      .onConflictDoUpdate({ target: ethnicities.code, set: { nameVi: ethnicity.nameVi, nameEn: ethnicity.nameEn } })
  }
}
