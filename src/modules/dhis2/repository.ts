import { and, eq, sql } from 'drizzle-orm'
import type { Executor } from '../../db/client.js'
import type { Dhis2Mapping } from './rules.js'
import { dhis2Mappings } from './tables.js'

export type MappingRow = typeof dhis2Mappings.$inferSelect

const mappingId = 'default'

/** The mapping (migration 0035 creates its one row). */
export async function readMapping(db: Executor): Promise<MappingRow> {
  const [row] = await db.select().from(dhis2Mappings).where(eq(dhis2Mappings.id, mappingId))
  if (!row) throw new Error('the DHIS2 mapping row is missing: migration 0035 creates it')
  return row
}

/** Replaces the mapping when `expectedVersion` is still its version; undefined when it is not. */
export async function replaceMapping(
  db: Executor,
  mapping: Dhis2Mapping,
  expectedVersion: number,
  by: string,
  now: Date,
): Promise<MappingRow | undefined> {
  const [row] = await db
    .update(dhis2Mappings)
    .set({ ...mapping, version: sql`${dhis2Mappings.version} + 1`, updatedAt: now, updatedBy: by })
    .where(and(eq(dhis2Mappings.id, mappingId), eq(dhis2Mappings.version, expectedVersion)))
    .returning()
  return row
}
