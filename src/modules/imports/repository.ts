import { and, asc, eq, gt, isNotNull, isNull, lt, sql, type SQL, type SQLWrapper } from 'drizzle-orm'
import { queryRows, type Executor } from '../../db/client.js'
import { appendAudit, type AuditActor } from '../../platform/audit.js'
import { arrayLiteral, type Scope } from '../../platform/scope.js'
import { childInScope, type ChildRow } from '../children/repository.js'
import { children, ethnicities } from '../children/tables.js'
import { householdInScope, type HouseholdRow } from '../households/repository.js'
import { households } from '../households/tables.js'
import type { RowProblem } from './rules.js'
import { importRows, imports } from './tables.js'

export type ImportRecord = typeof imports.$inferSelect
export type ImportRowRecord = typeof importRows.$inferSelect
type RowOutcome = ImportRowRecord['outcome']

/** `column = any(values)`, with the values as one array parameter. */
function anyOf(column: SQLWrapper, values: readonly string[], type: 'text' | 'uuid' | 'bigint' = 'text'): SQL {
  return sql`${column} = any(${arrayLiteral(values)}::${sql.raw(type)}[])`
}

/** Rows as one jsonb parameter, unpacked server-side: far cheaper than thousands of bind parameters. */
function recordset(rows: readonly Record<string, unknown>[], columns: string): SQL {
  return sql`jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as r(${sql.raw(columns)})`
}

export async function insertImport(db: Executor, values: typeof imports.$inferInsert): Promise<ImportRecord> {
  const [row] = await db.insert(imports).values(values).returning()
  return row!
}

export async function getImport(db: Executor, id: string): Promise<ImportRecord | undefined> {
  const [row] = await db.select().from(imports).where(eq(imports.id, id))
  return row
}

/** The import row locked for the rest of the transaction: finishing and counting take turns on it. */
export async function lockImport(tx: Executor, id: string): Promise<ImportRecord | undefined> {
  const [row] = await tx.select().from(imports).where(eq(imports.id, id)).for('update')
  return row
}

export async function updateImport(
  db: Executor,
  id: string,
  changes: Partial<typeof imports.$inferInsert>,
  onlyInState?: ImportRecord['state'],
) {
  const [row] = await db
    .update(imports)
    .set(changes)
    .where(and(eq(imports.id, id), onlyInState ? eq(imports.state, onlyInState) : undefined))
    .returning()
  return row
}

export interface Counts {
  rowsRead?: number
  rowsDone?: number
  created?: number
  updated?: number
  unchanged?: number
  rejected?: number
  warnings?: number
}

/** Adds to the counters; in the transaction of the rows counted, so the counts never run ahead of them. */
export async function addCounts(tx: Executor, id: string, counts: Counts): Promise<void> {
  const add = (column: keyof Counts) => sql`${sql.identifier(imports[column].name)} + ${counts[column] ?? 0}`
  await tx
    .update(imports)
    .set({
      rowsRead: add('rowsRead'),
      rowsDone: add('rowsDone'),
      created: add('created'),
      updated: add('updated'),
      unchanged: add('unchanged'),
      rejected: add('rejected'),
      warnings: add('warnings'),
    })
    .where(eq(imports.id, id))
}

export interface StagedRow {
  rowNumber: number
  data: Record<string, string>
  outcome?: RowOutcome
  problems?: RowProblem[] | null
}

export async function stageRows(tx: Executor, importId: string, rows: readonly StagedRow[]): Promise<void> {
  if (rows.length === 0) return
  const values = rows.map((row) => ({
    row_number: row.rowNumber,
    data: row.data,
    outcome: row.outcome ?? 'pending',
    problems: row.problems ?? null,
  }))
  await tx.execute(sql`
    insert into import_rows (import_id, row_number, data, outcome, problems)
    select ${importId}::uuid, r.row_number, r.data, r.outcome, r.problems
    from ${recordset(values, 'row_number int, data jsonb, outcome text, problems jsonb')}`)
}

/**
 * Rejects every later occurrence of a key that must be unique within the file (externalId, record id,
 * personal ID number), naming the row of the first. Keys are compared as the row rules read them:
 * trimmed, ids in lower case, personal IDs without spaces or dots and with the leading zeros a
 * spreadsheet drops put back (the same as readChildRow).
 */
const personalIdDigits = `regexp_replace(data->>'personalId', '[\\s.]', '', 'g')`

export async function rejectRepeatedKeys(
  tx: Executor,
  importId: string,
  keys: readonly ('externalId' | 'id' | 'personalId')[],
): Promise<number> {
  const expression: Record<(typeof keys)[number], string> = {
    externalId: `nullif(btrim(data->>'externalId', E' \\t\\r\\n'), '')`,
    id: `lower(nullif(btrim(data->>'id', E' \\t\\r\\n'), ''))`,
    personalId: `case when ${personalIdDigits} ~ '^\\d{9,11}$' then lpad(${personalIdDigits}, 12, '0') else nullif(${personalIdDigits}, '') end`,
  }
  const messages: Record<(typeof keys)[number], string> = {
    externalId: 'this externalId is already on row %s of the file',
    id: 'this record id is already on row %s of the file',
    personalId: 'this personal ID number is already on row %s of the file',
  }
  const codes: Record<(typeof keys)[number], string> = {
    externalId: 'duplicate_external_id',
    id: 'duplicate_id',
    personalId: 'duplicate_personal_id',
  }
  const firsts = keys.map(
    (key) =>
      `min(row_number) over (partition by ${expression[key]}) as first_${key}, ${expression[key]} is not null as has_${key}`,
  )
  const problems = keys.map(
    (key) => `case when has_${key} and first_${key} < keyed.row_number then jsonb_build_array(jsonb_build_object(
        'column', '${key}', 'code', '${codes[key]}', 'message', format('${messages[key]}', first_${key}), 'severity', 'error')) else '[]'::jsonb end`,
  )
  const repeated = keys.map((key) => `(has_${key} and first_${key} < keyed.row_number)`).join(' or ')
  const rows = await queryRows<{ n: number }>(
    tx,
    sql`with keyed as (
          select id, row_number, ${sql.raw(firsts.join(', '))}
          from import_rows where import_id = ${importId}::uuid and outcome = 'pending'
        ), marked as (
          update import_rows u set outcome = 'rejected', problems = ${sql.raw(problems.join(' || '))}
          from keyed where u.id = keyed.id and (${sql.raw(repeated)})
          returning u.id
        )
        select count(*)::int as n from marked`,
  )
  return rows[0]?.n ?? 0
}

export interface ClaimedRow {
  id: number
  rowNumber: number
  data: Record<string, string>
}

/**
 * The next pending rows after `afterRow` and at most `window` rows on, for this transaction only: SKIP
 * LOCKED lets several workers (on one instance or several) share an import without ever taking the same
 * row twice. `take` removes them as it claims them (the transaction puts back those with something to
 * report, see settleRows); `lock` leaves them in place, locked, for a pass that settles only some of them.
 *
 * The outcome is compared as an expression so that the planner walks the (import, row number) index over
 * the window: statistics taken before a large file was staged would otherwise send it through the
 * outcome index to fetch and sort every pending row of the import, on every claim.
 */
export async function claimRows(
  tx: Executor,
  importId: string,
  afterRow: number,
  window: number,
  limit: number,
  claim: 'take' | 'lock',
): Promise<ClaimedRow[]> {
  const pending = sql`select id from import_rows
        where import_id = ${importId}::uuid and row_number > ${afterRow} and row_number <= ${afterRow + window} and outcome || '' = 'pending'
        order by row_number limit ${limit} for update skip locked`
  const rows = await queryRows<{ id: string | number; row_number: number; data: Record<string, string> }>(
    tx,
    claim === 'take'
      ? sql`delete from import_rows where id in (${pending}) returning id, row_number, data`
      : sql`select id, row_number, data from import_rows where id in (${pending})`,
  )
  return rows
    .map((row) => ({ id: Number(row.id), rowNumber: row.row_number, data: row.data }))
    .sort((a, b) => a.rowNumber - b.rowNumber)
}

/**
 * Brings the registry's planner statistics up to date when an import has changed a fifth of a table
 * since its last analysis (cps_refresh_registry_statistics, migration 0014); returns the tables
 * analysed. Called between batches: without it a first load slowed down as the table grew.
 */
export async function refreshRegistryStatistics(db: Executor): Promise<string[]> {
  const [row] = await queryRows<{ analysed: string[] }>(db, sql`select cps_refresh_registry_statistics() as analysed`)
  return row?.analysed ?? []
}

/** The last row number staged for an import: where claiming stops. */
export async function lastRowNumber(db: Executor, importId: string): Promise<number> {
  const [row] = await db
    .select({ last: sql<number | null>`max(${importRows.rowNumber})` })
    .from(importRows)
    .where(eq(importRows.importId, importId))
  return Number(row?.last ?? 0)
}

export interface SettledRow {
  row: ClaimedRow
  outcome: Exclude<RowOutcome, 'pending'>
  problems: RowProblem[]
  recordId: string | null
}

/**
 * Records what became of processed rows. Rows with nothing to report are not kept: a second copy of
 * children's data has no business outliving the import. Rows with warnings keep their problems (not
 * their data); rejected rows keep their data too, for errors.csv. Rows claimed with `take` are put back
 * when they have something to report; rows claimed with `lock` are updated in place.
 */
export async function settleRows(
  tx: Executor,
  importId: string,
  rows: readonly SettledRow[],
  claim: 'take' | 'lock',
): Promise<void> {
  const reported = rows
    .filter((settled) => settled.problems.length > 0)
    .map((settled) => ({
      id: settled.row.id,
      row_number: settled.row.rowNumber,
      data: settled.outcome === 'rejected' ? settled.row.data : {},
      outcome: settled.outcome,
      problems: settled.problems,
      record_id: settled.recordId,
    }))
  if (claim === 'lock') {
    const quiet = rows.filter((settled) => settled.problems.length === 0).map((settled) => String(settled.row.id))
    if (quiet.length > 0) await tx.execute(sql`delete from import_rows where ${anyOf(sql`id`, quiet, 'bigint')}`)
  }
  if (reported.length === 0) return
  const columns = 'id bigint, row_number int, data jsonb, outcome text, problems jsonb, record_id uuid'
  if (claim === 'take') {
    await tx.execute(sql`
      insert into import_rows (id, import_id, row_number, data, outcome, problems, record_id)
      select r.id, ${importId}::uuid, r.row_number, r.data, r.outcome, r.problems, r.record_id from ${recordset(reported, columns)}`)
  } else {
    await tx.execute(sql`
      update import_rows u set outcome = r.outcome, problems = r.problems, record_id = r.record_id, data = r.data
      from ${recordset(reported, columns)}
      where u.id = r.id`)
  }
}

/** The rows of an atomic import that did not go in because others were rejected: only the rejections are kept. */
export async function dropUnrejectedRows(tx: Executor, importId: string, headerKey: string): Promise<void> {
  await tx.execute(
    sql`delete from import_rows where import_id = ${importId}::uuid and outcome <> 'rejected' and not (data ? ${headerKey})`,
  )
}

/** Rows no run will process any more (the import failed): their data is not kept. */
export async function dropPendingRows(tx: Executor, importId: string): Promise<void> {
  await tx.delete(importRows).where(and(eq(importRows.importId, importId), eq(importRows.outcome, 'pending')))
}

export async function countPendingRows(db: Executor, importId: string): Promise<number> {
  const [row] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(importRows)
    .where(and(eq(importRows.importId, importId), eq(importRows.outcome, 'pending')))
  return row?.n ?? 0
}

export async function deleteImportRows(db: Executor, importId: string): Promise<void> {
  await db.delete(importRows).where(eq(importRows.importId, importId))
}

/** The header row: the one carrying the file's column mapping under `headerKey` (CSV and XLSX only). */
export async function headerRow(
  db: Executor,
  importId: string,
  headerKey: string,
): Promise<ImportRowRecord | undefined> {
  const [row] = await db
    .select()
    .from(importRows)
    .where(and(eq(importRows.importId, importId), sql`${importRows.data} ? ${headerKey}`))
    .orderBy(asc(importRows.rowNumber))
    .limit(1)
  return row
}

/** Rows with something to report (problems), in file order, keyset-paginated on the row number. */
export async function rowsWithProblems(
  db: Executor,
  importId: string,
  afterRow: number,
  limit: number,
): Promise<ImportRowRecord[]> {
  return db
    .select()
    .from(importRows)
    .where(
      and(
        eq(importRows.importId, importId),
        gt(importRows.rowNumber, afterRow),
        isNotNull(importRows.problems),
        sql`${importRows.outcome} <> 'pending'`,
      ),
    )
    .orderBy(asc(importRows.rowNumber))
    .limit(limit)
}

export async function rejectedRows(
  db: Executor,
  importId: string,
  afterRow: number,
  limit: number,
): Promise<ImportRowRecord[]> {
  return db
    .select()
    .from(importRows)
    .where(
      and(eq(importRows.importId, importId), gt(importRows.rowNumber, afterRow), eq(importRows.outcome, 'rejected')),
    )
    .orderBy(asc(importRows.rowNumber))
    .limit(limit)
}

/**
 * Imports a stopped process left behind: uploads it was still reading an hour ago (state running, not
 * started), and runs started over a quarter of an hour ago that no worker finished.
 */
export async function abandonedImports(
  db: Executor,
  now: Date,
): Promise<{ reading: ImportRecord[]; running: ImportRecord[] }> {
  const readingSince = new Date(now.getTime() - 60 * 60 * 1000)
  const runningSince = new Date(now.getTime() - 15 * 60 * 1000)
  const reading = await db
    .select()
    .from(imports)
    .where(and(eq(imports.state, 'running'), isNull(imports.startedAt), lt(imports.createdAt, readingSince)))
    .limit(100)
  const running = await db
    .select()
    .from(imports)
    .where(and(eq(imports.state, 'running'), lt(imports.startedAt, runningSince)))
    .limit(100)
  return { reading, running }
}

export async function ethnicityCodes(db: Executor): Promise<Set<string>> {
  const rows = await db.select({ code: ethnicities.code }).from(ethnicities)
  return new Set(rows.map((row) => row.code))
}

// ---------------------------------------------------------------------------------------------
// Children

/**
 * Children by id, in scope and live. Not locked: an update writes only over the version it read (see
 * updateChildren), so re-importing a million unchanged rows takes no row locks at all.
 */
export async function childrenById(tx: Executor, scope: Scope, ids: readonly string[]): Promise<ChildRow[]> {
  if (ids.length === 0) return []
  return tx
    .select()
    .from(children)
    .where(and(anyOf(children.id, ids, 'uuid'), childInScope(scope), sql`${children.deletedAt} is null`))
}

/** Children by (source, externalId) in scope, deleted ones included (a deleted key is not reused). */
export async function childrenByKey(
  tx: Executor,
  scope: Scope,
  source: string,
  externalIds: readonly string[],
): Promise<ChildRow[]> {
  if (externalIds.length === 0) return []
  return tx
    .select()
    .from(children)
    .where(and(eq(children.source, source), anyOf(children.externalId, externalIds), childInScope(scope)))
}

export async function personalIdOwners(
  tx: Executor,
  scope: Scope,
  personalIds: readonly string[],
): Promise<Map<string, string>> {
  if (personalIds.length === 0) return new Map()
  const rows = await tx
    .select({ id: children.id, personalId: children.personalId })
    .from(children)
    .where(and(anyOf(children.personalId, personalIds), sql`${children.deletedAt} is null`, childInScope(scope)))
  return new Map(rows.map((row) => [row.personalId!, row.id]))
}

export async function knownHouseholds(tx: Executor, scope: Scope, ids: readonly string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set()
  const rows = await tx
    .select({ id: households.id })
    .from(households)
    .where(and(anyOf(households.id, ids, 'uuid'), householdInScope(scope), sql`${households.deletedAt} is null`))
  return new Set(rows.map((row) => row.id))
}

export interface Membership {
  id: string
  childId: string
  groupCode: string
  startDate: string
  endDate: string | null
}

/** Group memberships not over before `asOf` (in effect, starting later, or ending today or later). */
export async function openMemberships(tx: Executor, childIds: readonly string[], asOf: string): Promise<Membership[]> {
  if (childIds.length === 0) return []
  const rows = await queryRows<{
    id: string
    child_id: string
    group_code: string
    start_date: string
    end_date: string | null
  }>(
    tx,
    sql`select id, child_id, group_code, start_date::text, end_date::text from child_circumstances
        where ${anyOf(sql`child_id`, childIds, 'uuid')} and kind = 'group' and group_code is not null
          and (end_date is null or end_date >= ${asOf}::date)`,
  )
  return rows.map((row) => ({
    id: row.id,
    childId: row.child_id,
    groupCode: row.group_code,
    startDate: row.start_date,
    endDate: row.end_date,
  }))
}

export interface Lookalike {
  nameFolded: string
  dateOfBirth: string
  wardCode: string
}

export const lookalikeKey = (candidate: Lookalike) =>
  `${candidate.nameFolded}|${candidate.dateOfBirth}|${candidate.wardCode}`

/**
 * Live children in scope with the same folded name and date of birth in the same ward as a candidate
 * (the registry's duplicate pairs are sought within a ward too): lookalikeKey → id.
 *
 * One probe of the (date of birth, ward, name) index per candidate. As a plain join the planner hashed
 * every child of the caller's wards for each batch, so a first load slowed down as it grew (28 ms a
 * batch at 20,000 children, against 2–5 ms of probes); `offset 0` keeps the subquery from being merged
 * back into such a join. The name is compared as a range because the trigram index also answers `=`:
 * with statistics a growing table had outrun, the planner probed that instead (0.45 ms a candidate).
 */
export async function sameNameAndBirth(
  tx: Executor,
  scope: Scope,
  candidates: readonly Lookalike[],
): Promise<Map<string, string>> {
  if (candidates.length === 0) return new Map()
  const rows = await queryRows<{ id: string; name_folded: string; date_of_birth: string; ward_code: string }>(
    tx,
    sql`select found.id, k.name as name_folded, k.dob::text as date_of_birth, k.ward as ward_code
        from unnest(${arrayLiteral(candidates.map((c) => c.nameFolded))}::text[], ${arrayLiteral(candidates.map((c) => c.dateOfBirth))}::date[],
                    ${arrayLiteral(candidates.map((c) => c.wardCode))}::text[]) as k(name, dob, ward)
        cross join lateral (
          select children.id from children
          where children.date_of_birth = k.dob and children.ward_code = k.ward
            and children.name_folded >= k.name and children.name_folded <= k.name
            and children.deleted_at is null and ${childInScope(scope)}
          offset 0
        ) as found`,
  )
  return new Map(
    rows.map((row) => [
      lookalikeKey({ nameFolded: row.name_folded, dateOfBirth: row.date_of_birth, wardCode: row.ward_code }),
      row.id,
    ]),
  )
}

const childColumns = `id uuid, province_code text, ward_code text, residential_group_code text, street_address text, household_id uuid,
  full_name text, date_of_birth date, birth_year int, birth_date_precision text, sex text, ethnicity_code text, personal_id text,
  birth_registered boolean, schooling_status text, has_disability boolean, disability_note text, health_note text,
  source text, external_id text, created_at timestamptz, updated_at timestamptz, created_by text, updated_by text`

export async function insertChildren(tx: Executor, rows: readonly Record<string, unknown>[]): Promise<void> {
  if (rows.length === 0) return
  await tx.execute(sql`
    insert into children (id, province_code, ward_code, residential_group_code, street_address, household_id, full_name,
      date_of_birth, birth_year, birth_date_precision, sex, ethnicity_code, personal_id, birth_registered, schooling_status,
      has_disability, disability_note, health_note, source, external_id, created_at, updated_at, created_by, updated_by)
    select id, province_code, ward_code, residential_group_code, street_address, household_id, full_name,
      date_of_birth, birth_year, birth_date_precision, sex, ethnicity_code, personal_id, birth_registered, schooling_status,
      has_disability, disability_note, health_note, source, external_id, created_at, updated_at, created_by, updated_by
    from ${recordset(rows, childColumns)}`)
}

/**
 * Writes the new values of stored children (in scope), each only over the version it was read at;
 * returns the new version of each child written. A child missing from the result changed meanwhile.
 */
export async function updateChildren(
  tx: Executor,
  scope: Scope,
  rows: readonly Record<string, unknown>[],
): Promise<Map<string, number>> {
  if (rows.length === 0) return new Map()
  const updated = await queryRows<{ id: string; version: number }>(
    tx,
    sql`update children set province_code = r.province_code, ward_code = r.ward_code, residential_group_code = r.residential_group_code,
          street_address = r.street_address, household_id = r.household_id, full_name = r.full_name, date_of_birth = r.date_of_birth,
          birth_year = r.birth_year, birth_date_precision = r.birth_date_precision, sex = r.sex, ethnicity_code = r.ethnicity_code,
          personal_id = r.personal_id, birth_registered = r.birth_registered, schooling_status = r.schooling_status,
          has_disability = r.has_disability, disability_note = r.disability_note, health_note = r.health_note,
          source = coalesce(r.source, children.source), external_id = coalesce(r.external_id, children.external_id),
          version = children.version + 1, updated_at = r.updated_at, updated_by = r.updated_by
        from ${recordset(rows, `${childColumns}, expected_version int`)}
        where children.id = r.id and children.version = r.expected_version and ${childInScope(scope)}
        returning children.id, children.version`,
  )
  return new Map(updated.map((row) => [row.id, row.version]))
}

export async function insertRevisions(tx: Executor, rows: readonly Record<string, unknown>[]): Promise<void> {
  if (rows.length === 0) return
  await tx.execute(sql`
    insert into child_revisions (child_id, province_code, ward_code, residential_group_code, version, action, changes, sensitive,
      reason, changed_at, actor_id, actor_name, request_id)
    select child_id, province_code, ward_code, residential_group_code, version, action, changes, sensitive,
      reason, changed_at, actor_id, actor_name, request_id
    from ${recordset(
      rows,
      `child_id uuid, province_code text, ward_code text, residential_group_code text, version int, action text,
      changes jsonb, sensitive boolean, reason text, changed_at timestamptz, actor_id text, actor_name text, request_id text`,
    )}`)
}

export async function insertMemberships(tx: Executor, rows: readonly Record<string, unknown>[]): Promise<void> {
  if (rows.length === 0) return
  await tx.execute(sql`
    insert into child_circumstances (child_id, province_code, ward_code, residential_group_code, kind, group_code, start_date,
      created_at, created_by, updated_at)
    select child_id, province_code, ward_code, residential_group_code, 'group', group_code, start_date, created_at, created_by, created_at
    from ${recordset(
      rows,
      `child_id uuid, province_code text, ward_code text, residential_group_code text, group_code text,
      start_date date, created_at timestamptz, created_by text`,
    )}`)
}

export async function endMemberships(tx: Executor, ids: readonly string[], endDate: string, now: Date): Promise<void> {
  if (ids.length === 0) return
  await tx.execute(sql`
    update child_circumstances set end_date = ${endDate}::date, end_reason = 'import', version = version + 1, updated_at = ${now.toISOString()}::timestamptz
    where ${anyOf(sql`id`, ids, 'uuid')}`)
}

// ---------------------------------------------------------------------------------------------
// Households

export async function householdsById(tx: Executor, scope: Scope, ids: readonly string[]): Promise<HouseholdRow[]> {
  if (ids.length === 0) return []
  return tx
    .select()
    .from(households)
    .where(and(anyOf(households.id, ids, 'uuid'), householdInScope(scope), sql`${households.deletedAt} is null`))
}

export async function householdsByKey(
  tx: Executor,
  scope: Scope,
  source: string,
  externalIds: readonly string[],
): Promise<HouseholdRow[]> {
  if (externalIds.length === 0) return []
  return tx
    .select()
    .from(households)
    .where(and(eq(households.source, source), anyOf(households.externalId, externalIds), householdInScope(scope)))
}

const householdColumns = `id uuid, province_code text, ward_code text, residential_group_code text, street_address text, head_name text,
  poverty_status text, poverty_from date, poverty_to date, source text, external_id text, created_at timestamptz, updated_at timestamptz,
  created_by text, updated_by text`

export async function insertHouseholds(tx: Executor, rows: readonly Record<string, unknown>[]): Promise<void> {
  if (rows.length === 0) return
  await tx.execute(sql`
    insert into households (id, province_code, ward_code, residential_group_code, street_address, head_name, poverty_status,
      poverty_from, poverty_to, source, external_id, created_at, updated_at, created_by, updated_by)
    select id, province_code, ward_code, residential_group_code, street_address, head_name, poverty_status,
      poverty_from, poverty_to, source, external_id, created_at, updated_at, created_by, updated_by
    from ${recordset(rows, householdColumns)}`)
}

/** As updateChildren: each household only over the version it was read at; returns the ids written. */
export async function updateHouseholds(
  tx: Executor,
  scope: Scope,
  rows: readonly Record<string, unknown>[],
): Promise<Set<string>> {
  if (rows.length === 0) return new Set()
  const updated = await queryRows<{ id: string }>(
    tx,
    sql`update households set province_code = r.province_code, ward_code = r.ward_code, residential_group_code = r.residential_group_code,
          street_address = r.street_address, head_name = r.head_name, poverty_status = r.poverty_status, poverty_from = r.poverty_from,
          poverty_to = r.poverty_to, source = coalesce(r.source, households.source), external_id = coalesce(r.external_id, households.external_id),
          version = households.version + 1, updated_at = r.updated_at, updated_by = r.updated_by
        from ${recordset(rows, `${householdColumns}, expected_version int`)}
        where households.id = r.id and households.version = r.expected_version and ${householdInScope(scope)}
        returning households.id`,
  )
  return new Set(updated.map((row) => row.id))
}

// ---------------------------------------------------------------------------------------------
// Audit

/**
 * One audit event per record written, in the batch's transaction. The same events `audit()` writes for
 * a single request, appended a batch at a time: an import of a million rows cannot afford a million
 * round trips, and every record it touched must still answer "who changed this, and when".
 */
export async function auditRecords(
  tx: Executor,
  actor: AuditActor,
  occurredAt: Date,
  requestId: string,
  events: readonly {
    action: string
    resourceType: string
    resourceId: string
    unitCode: string | null
    details: Record<string, unknown>
  }[],
): Promise<void> {
  await appendAudit(
    tx,
    events.map((event) => ({ ...event, actor, occurredAt, requestId, outcome: 'success' as const })),
  )
}
