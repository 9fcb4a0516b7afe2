import { and, eq, sql } from 'drizzle-orm'
import { queryRows, type Executor } from '../../db/client.js'
import { textArray } from '../../platform/scope.js'
import { relocateChildParts } from '../children/repository.js'
import type { Home } from '../units/tree.js'
import type { PreviewRow, RecordType } from './rules.js'
import { rehomingBatches, rehomingMoves } from './tables.js'

export type BatchRow = typeof rehomingBatches.$inferSelect

/** The table each record type lives in: a fixed list, never a value from a request. */
const tableOf: Record<RecordType, string> = { household: 'households', child: 'children', incident: 'incidents' }

export interface PlacedRecord extends Home {
  id: string
}

/** How many records of each type sit at each abolished ward and group (the preview's input). */
export async function countsAt(tx: Executor, wards: readonly string[]): Promise<PreviewRow[]> {
  const rows: PreviewRow[] = []
  for (const [recordType, table] of Object.entries(tableOf) as [RecordType, string][]) {
    const found = await queryRows<{ ward: string; grp: string | null; n: number }>(
      tx,
      sql`select ward_code as ward, residential_group_code as grp, count(*)::int as n
            from ${sql.identifier(table)} where ward_code = any(${textArray(wards)}) group by 1, 2`,
    )
    for (const row of found) rows.push({ recordType, fromWard: row.ward, fromGroup: row.grp, count: row.n })
  }
  return rows
}

/** The next records of a type filed at the given wards, in id order after `after`. */
export async function recordsAt(
  tx: Executor,
  recordType: RecordType,
  wards: readonly string[],
  after: string | null,
  limit: number,
): Promise<PlacedRecord[]> {
  return queryRows<PlacedRecord>(
    tx,
    sql`select id, ward_code as "wardCode", residential_group_code as "residentialGroupCode"
          from ${sql.identifier(tableOf[recordType])}
         where ward_code = any(${textArray(wards)}) ${after ? sql`and id > ${after}::uuid` : sql``}
         order by id limit ${limit}`,
  )
}

export async function recordAt(tx: Executor, recordType: RecordType, id: string): Promise<PlacedRecord | undefined> {
  const [row] = await queryRows<PlacedRecord>(
    tx,
    sql`select id, ward_code as "wardCode", residential_group_code as "residentialGroupCode"
          from ${sql.identifier(tableOf[recordType])} where id = ${id}::uuid`,
  )
  return row
}

export interface Move {
  id: string
  from: Home
  to: Home
  provinceCode: string
}

export interface Mover {
  actorId: string
  actorName: string
  requestId: string
  now: Date
  /** What a child's revision calls the move. */
  action: 'rehome' | 'rehome_undo'
}

/**
 * Moves records to their new home, each only if it is still where the move found it (a record changed
 * meanwhile is left for the next pass): the record's version goes up, its parts follow it, and a
 * child's move is a revision of its record. Returns the moves made.
 */
export async function applyMoves(
  tx: Executor,
  recordType: RecordType,
  moves: readonly Move[],
  mover: Mover,
): Promise<Move[]> {
  if (moves.length === 0) return []
  const column = (pick: (move: Move) => string | null) => textArray(moves.map((move) => pick(move) ?? ''))
  const moved = await queryRows<{ id: string; version: number }>(
    tx,
    sql`update ${sql.identifier(tableOf[recordType])} r
           set ward_code = v.to_ward, residential_group_code = nullif(v.to_group, ''),
               province_code = v.province, version = r.version + 1,
               updated_at = ${mover.now}, updated_by = ${mover.actorId}
          from unnest(${column((m) => m.id)}::uuid[], ${column((m) => m.from.wardCode)}, ${column((m) => m.from.residentialGroupCode)},
                      ${column((m) => m.to.wardCode)}, ${column((m) => m.to.residentialGroupCode)}, ${column((m) => m.provinceCode)})
               as v(id, from_ward, from_group, to_ward, to_group, province)
         where r.id = v.id and r.ward_code = v.from_ward
           and coalesce(r.residential_group_code, '') = v.from_group
        returning r.id, r.version`,
  )
  const versions = new Map(moved.map((row) => [row.id, row.version]))
  const done = moves.filter((move) => versions.has(move.id))
  if (recordType === 'child') {
    await relocateChildParts(
      tx,
      done.map((move) => move.id),
    )
    await insertChildMoveRevisions(tx, done, versions, mover)
  }
  if (recordType === 'incident')
    await relocateIncidentParts(
      tx,
      done.map((move) => move.id),
    )
  return done
}

async function insertChildMoveRevisions(
  tx: Executor,
  moves: readonly Move[],
  versions: ReadonlyMap<string, number>,
  mover: Mover,
): Promise<void> {
  if (moves.length === 0) return
  const revisions = moves.map((move) => ({
    child_id: move.id,
    province_code: move.provinceCode,
    ward_code: move.to.wardCode,
    residential_group_code: move.to.residentialGroupCode,
    version: versions.get(move.id)!,
    changes: [
      { field: 'wardCode', from: move.from.wardCode, to: move.to.wardCode },
      { field: 'residentialGroupCode', from: move.from.residentialGroupCode, to: move.to.residentialGroupCode },
    ],
  }))
  await tx.execute(
    sql`insert into child_revisions (child_id, province_code, ward_code, residential_group_code, version, action,
                                     changes, sensitive, reason, changed_at, actor_id, actor_name, request_id)
        select r.child_id, r.province_code, r.ward_code, r.residential_group_code, r.version, ${mover.action}, r.changes,
               false, ${mover.action === 'rehome' ? 'Re-homed after the 2025 reorganisation' : 'A re-homing undone'},
               ${mover.now}, ${mover.actorId}, ${mover.actorName}, ${mover.requestId}
          from jsonb_to_recordset(${JSON.stringify(revisions)}::jsonb)
               as r(child_id uuid, province_code text, ward_code text, residential_group_code text, version int, changes jsonb)`,
  )
}

/** An incident's children, steps, revisions, follow-ups, forms and documents carry its place for row-level security: they follow it. */
async function relocateIncidentParts(tx: Executor, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return
  for (const table of [
    'incident_children',
    'incident_steps',
    'incident_revisions',
    'follow_ups',
    'case_forms',
    'case_form_revisions',
    'case_documents',
    'referrals',
  ]) {
    await tx.execute(
      sql`update ${sql.identifier(table)} p
             set province_code = i.province_code, ward_code = i.ward_code, residential_group_code = i.residential_group_code
            from incidents i
           where i.id = any(${textArray(ids)}::uuid[]) and p.incident_id = i.id
             and (p.ward_code, p.residential_group_code) is distinct from (i.ward_code, i.residential_group_code)`,
    )
  }
}

export async function insertMoves(
  tx: Executor,
  batchId: string,
  recordType: RecordType,
  moves: readonly Move[],
  now: Date,
): Promise<void> {
  if (moves.length === 0) return
  await tx.insert(rehomingMoves).values(
    moves.map((move) => ({
      batchId,
      recordType,
      recordId: move.id,
      fromWard: move.from.wardCode,
      fromGroup: move.from.residentialGroupCode,
      toWard: move.to.wardCode,
      toGroup: move.to.residentialGroupCode,
      movedAt: now,
    })),
  )
}

/** A batch's moves not yet undone, in record order after `after`. */
export async function movesToUndo(
  tx: Executor,
  batchId: string,
  recordType: RecordType,
  limit: number,
): Promise<Move[]> {
  const rows = await queryRows<{
    id: string
    fromWard: string
    fromGroup: string | null
    toWard: string
    toGroup: string | null
  }>(
    tx,
    sql`select record_id as id, from_ward as "fromWard", from_group as "fromGroup", to_ward as "toWard", to_group as "toGroup"
          from rehoming_moves
         where batch_id = ${batchId}::uuid and record_type = ${recordType} and undone_at is null
         order by record_id limit ${limit}`,
  )
  return rows.map((row) => ({
    id: row.id,
    from: { wardCode: row.fromWard, residentialGroupCode: row.fromGroup },
    to: { wardCode: row.toWard, residentialGroupCode: row.toGroup },
    provinceCode: '',
  }))
}

export async function markUndone(
  tx: Executor,
  batchId: string,
  recordType: RecordType,
  ids: readonly string[],
  now: Date,
): Promise<void> {
  if (ids.length === 0) return
  await tx.execute(
    sql`update rehoming_moves set undone_at = ${now}
         where batch_id = ${batchId}::uuid and record_type = ${recordType} and record_id = any(${textArray(ids)}::uuid[])`,
  )
}

export async function insertBatch(tx: Executor, values: typeof rehomingBatches.$inferInsert): Promise<BatchRow> {
  const [row] = await tx.insert(rehomingBatches).values(values).returning()
  return row!
}

export async function getBatch(db: Executor, id: string): Promise<BatchRow | undefined> {
  const [row] = await db.select().from(rehomingBatches).where(eq(rehomingBatches.id, id))
  return row
}

export async function updateBatch(
  tx: Executor,
  id: string,
  changes: Partial<typeof rehomingBatches.$inferInsert>,
  expectedState?: BatchRow['state'],
): Promise<BatchRow | undefined> {
  const [row] = await tx
    .update(rehomingBatches)
    .set(changes)
    .where(and(eq(rehomingBatches.id, id), expectedState ? eq(rehomingBatches.state, expectedState) : undefined))
    .returning()
  return row
}

export async function addToBatchCount(
  tx: Executor,
  id: string,
  column: 'moved' | 'undone',
  count: number,
): Promise<void> {
  if (count === 0) return
  await tx
    .update(rehomingBatches)
    .set({ [column]: sql`${rehomingBatches[column]} + ${count}` })
    .where(eq(rehomingBatches.id, id))
}

/** The wards a batch moved records into. */
export async function destinationsOf(db: Executor, batchId: string): Promise<string[]> {
  const rows = await queryRows<{ ward: string }>(
    db,
    sql`select distinct to_ward as ward from rehoming_moves where batch_id = ${batchId}::uuid`,
  )
  return rows.map((row) => row.ward)
}
