/**
 * The closed periods' tables as published to callers from whom small counts are withheld (migration 0042).
 * Each indicator's table of a period is computed, protected with every breakdown such a caller may ask for,
 * and stored on the first request; every later request reads it back. Two requests for the same period
 * therefore never show different cells: by sex in one and by age group in the next, or once before and
 * once after records were back-dated into the period.
 */
import { and, eq, isNull } from 'drizzle-orm'
import { createHash } from 'node:crypto'
import type { Tx } from '../../db/client.js'
import { canonicalJson } from '../../platform/canonical-json.js'
import type { IndicatorFigures, UnitWithWards } from './figures.js'
import { publicationMeta, publishFigures, publishedBreakdownSets, type PublishedFigure } from './publication.js'
import { listDefinitions, listTargets, type IndicatorDefinition } from './repository.js'
import type { Target } from './rules.js'
import { publishedIndicatorTables } from './tables.js'

export interface PublishedIndicator {
  definition: IndicatorDefinition
  target: Target | null
  available: boolean
  /** The wards' figures, then the unit's, each with every breakdown published (publishedBreakdownSets). */
  figures: PublishedFigure[]
}

export interface PublishedTable {
  indicators: PublishedIndicator[]
  /** When the first of its indicators was published. */
  publishedAt: Date
  /** Whether this request published any of them. */
  firstPublished: boolean
}

/** The breakdowns computed for a table to publish: all those a caller may ask for, protected together. */
export const publishedSets = (definition: IndicatorDefinition) => publishedBreakdownSets(definition.breakdowns)

/**
 * The map a reprojected table is laid on, as a digest of its wards and where each record counts: two
 * dates of one map give one table. Null on the window's own map.
 */
function mapKeyOf(table: UnitWithWards): string | null {
  if (!table.reprojected) return null
  const map = { wards: table.wards.map((ward) => ward.code), projection: table.projection }
  return createHash('sha256').update(canonicalJson(map)).digest('base64url')
}

/**
 * The period's table of `table`'s unit as published, publishing (through `compute`, which measures every
 * indicator with publishedSets) what has not been yet. Concurrent first requests publish once: the later
 * insert finds the earlier's rows and both read those.
 */
export async function publishedTable(
  tx: Tx,
  key: { year: number; asOf: string; table: UnitWithWards; now: Date },
  compute: () => Promise<IndicatorFigures[]>,
): Promise<PublishedTable> {
  const mapKey = mapKeyOf(key.table)
  const definitions = await listDefinitions(tx)
  const read = async () => {
    const rows = await tx
      .select()
      .from(publishedIndicatorTables)
      .where(
        and(
          eq(publishedIndicatorTables.planYear, key.year),
          eq(publishedIndicatorTables.asOf, key.asOf),
          eq(publishedIndicatorTables.unitCode, key.table.unit.code),
          mapKey === null ? isNull(publishedIndicatorTables.mapKey) : eq(publishedIndicatorTables.mapKey, mapKey),
        ),
      )
    return new Map(rows.map((row) => [`${row.indicatorCode}@${row.indicatorVersion}`, row]))
  }
  const keyOf = (definition: IndicatorDefinition) => `${definition.code}@${definition.version}`
  let stored = await read()
  const firstPublished = definitions.some((definition) => !stored.has(keyOf(definition)))
  if (firstPublished) {
    const computed = await compute()
    const missing = computed.filter((indicator) => !stored.has(keyOf(indicator.definition)))
    await tx
      .insert(publishedIndicatorTables)
      .values(
        missing.map((indicator) => ({
          planYear: key.year,
          asOf: key.asOf,
          unitCode: key.table.unit.code,
          mapKey,
          indicatorCode: indicator.definition.code,
          indicatorVersion: indicator.definition.version,
          available: indicator.available,
          figures: publishFigures(publicationMeta(indicator.definition), indicator.figures, true),
          publishedAt: key.now,
        })),
      )
      .onConflictDoNothing()
    stored = await read()
  }
  const targets = new Map(
    (await listTargets(tx, key.year)).map((row) => [
      row.indicatorCode,
      { comparator: row.comparator, value: row.value, unit: row.unit },
    ]),
  )
  const rows = definitions.map((definition) => {
    const row = stored.get(keyOf(definition))
    if (!row) throw new Error(`indicator ${keyOf(definition)} was not published`)
    return { definition, row }
  })
  return {
    indicators: rows.map(({ definition, row }) => ({
      definition,
      target: targets.get(definition.code) ?? null,
      available: row.available,
      figures: row.figures as PublishedFigure[],
    })),
    publishedAt: new Date(Math.min(...rows.map(({ row }) => row.publishedAt.getTime()))),
    firstPublished,
  }
}
