/**
 * The closed periods' tables as published to callers from whom small counts are withheld (migrations 0042,
 * 0043). Each indicator's table of a period is computed, protected with every breakdown such a caller may
 * ask for, and stored on the first request; every later request reads it back. Two requests for the same
 * period therefore never show different cells: by sex in one and by age group in the next, or once before
 * and once after records were back-dated into the period.
 *
 * The figures of a unit are the same for every caller who may read it: `resolveUnit` admits only a caller
 * whose jurisdiction covers every ward of the table, and within it every record counts.
 */
import { and, eq, inArray, isNotNull, ne } from 'drizzle-orm'
import { createHash } from 'node:crypto'
import type { Tx } from '../../db/client.js'
import { canonicalJson } from '../../platform/canonical-json.js'
import { localDateOf } from '../calendar/rules.js'
import type { Scope } from '../../platform/scope.js'
import { indicatorFigures, isAvailable, type Figure, type UnitWithWards } from './figures.js'
import {
  countsOnlyGrow,
  metAsShown,
  publicationMeta,
  publishedBreakdownSets,
  sumOfPublished,
  type OtherPeriod,
  type PublishedFigure,
} from './publication.js'
import { listDefinitions, lockResource, targetsByIndicator, type IndicatorDefinition } from './repository.js'
import type { Target } from './rules.js'
import { publishOffThread } from './publication-thread.js'
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

/**
 * The version of the rules a table is published by (the breakdowns protected together, disclosure control):
 * raised when they change, so that tables are published afresh by the new rules rather than served as the
 * old ones left them.
 */
const publicationRules = 1

/** The breakdowns computed for a table to publish: all those a caller may ask for, protected together. */
const publishedSets = (definition: IndicatorDefinition) => publishedBreakdownSets(definition.breakdowns)

const digest = (value: unknown) => createHash('sha256').update(canonicalJson(value)).digest('base64url')

/**
 * The map a table is laid on, as the rows it lists: a unit tree corrected so that other wards are listed is
 * another table. Where each record counts is not part of it: wards created after the period add places its
 * records may have been re-homed to, and the period's table stays as first published.
 */
const mapKeyOf = (table: UnitWithWards) =>
  digest({ reprojected: table.reprojected, wards: table.wards.map((ward) => [ward.code, ward.offMap ?? null]) })

/** What a definition's figures are computed and protected by: a version that changes none of it is the same table. */
const definitionKeyOf = (definition: IndicatorDefinition) =>
  digest({
    publicationRules,
    measure: definition.measure,
    available: isAvailable(definition),
    kind: definition.kind,
    numerator: definition.numerator,
    denominator: definition.denominator,
    breakdowns: definition.breakdowns,
    source: definition.source,
  })

/** The rows of one year's tables of a unit on one map, whatever their closing day. */
const ofTable = (key: { year: number; table: UnitWithWards }, mapKey: string) =>
  and(
    eq(publishedIndicatorTables.planYear, key.year),
    eq(publishedIndicatorTables.unitCode, key.table.unit.code),
    eq(publishedIndicatorTables.mapKey, mapKey),
  )

/** A stored row's indicator and definition, as keyOf names them. */
const rowKeyOf = (row: { indicatorCode: string; definitionKey: string }) => `${row.indicatorCode} ${row.definitionKey}`

/**
 * The figures' verdicts against the plan's targets as they stand today, from what is shown (targets are
 * not personal data, and may be set after the period was published): none beside a withheld count.
 */
function judged(figures: readonly PublishedFigure[], target: Target | null, table: UnitWithWards): PublishedFigure[] {
  return figures.map((figure) => ({
    ...figure,
    met: metAsShown(figure, target, figure.unitCode === table.unit.code ? table.unit.level : 'ward'),
  }))
}

/**
 * The period's table of `table`'s unit (1 January to the closing day `asOf`) as published, publishing what
 * has not been yet: every indicator measured with publishedSets in the caller's scope. Every response of the
 * period drawn from it (indicator values and their exports, DHIS2 data value sets, report figures) shows the
 * same cells. A table of counts that only grow is protected together with the year's tables already
 * published for other closing days (publishFigures). Publications of one unit, map and year take turns, so
 * that each is protected with all those before it; concurrent first requests publish once.
 */
export async function publishedTable(
  tx: Tx,
  key: { scope: Scope; year: number; asOf: string; table: UnitWithWards; now: Date },
): Promise<PublishedTable> {
  // Published once and for good: a period still open would be frozen without the records still to come.
  if (key.asOf >= localDateOf(key.now)) throw new Error(`the period to ${key.asOf} has not closed`)
  const compute = () =>
    indicatorFigures(tx, {
      scope: key.scope,
      year: key.year,
      target: key.table,
      windowFrom: `${key.year}-01-01`,
      asOf: key.asOf,
      now: key.now,
      setsFor: publishedSets,
    })
  const mapKey = mapKeyOf(key.table)
  const keyOf = (definition: IndicatorDefinition) => `${definition.code} ${definitionKeyOf(definition)}`
  const read = async () => {
    const rows = await tx
      .select()
      .from(publishedIndicatorTables)
      .where(and(ofTable(key, mapKey), eq(publishedIndicatorTables.asOf, key.asOf)))
    return new Map(rows.map((row) => [rowKeyOf(row), row]))
  }
  let definitions = await listDefinitions(tx)
  let stored = await read()
  let firstPublished = false
  const missingAny = () => definitions.some((definition) => !stored.has(keyOf(definition)))
  if (missingAny()) {
    await lockResource(tx, 'indicator_publication', `${key.year} ${key.table.unit.code} ${mapKey}`)
    stored = await read()
  }
  if (missingAny()) {
    const computed = await compute()
    // The definitions the figures were computed by: a version published meanwhile waits for the next request.
    definitions = computed.map((indicator) => indicator.definition)
    const missing = computed.filter((indicator) => !stored.has(keyOf(indicator.definition)))
    if (missing.length > 0) {
      const others = await otherPeriods(tx, key, mapKey, missing)
      // Protected on the publication thread, in turn: the thread that answers requests goes on meanwhile.
      const published = await Promise.all(
        missing.map((indicator) =>
          publishOffThread({
            meta: publicationMeta(indicator.definition),
            figures: indicator.figures,
            together: { asOf: key.asOf, others: others.get(keyOf(indicator.definition)) ?? [] },
          }),
        ),
      )
      const inserted = await tx
        .insert(publishedIndicatorTables)
        .values(
          missing.map((indicator, index) => ({
            planYear: key.year,
            asOf: key.asOf,
            unitCode: key.table.unit.code,
            mapKey,
            indicatorCode: indicator.definition.code,
            indicatorVersion: indicator.definition.version,
            definitionKey: definitionKeyOf(indicator.definition),
            available: indicator.available,
            figures: published[index]!,
            // Kept only where the year's next tables are protected with it: no other counts rest unprotected.
            counted: countsOnlyGrow(indicator.definition.source) ? indicator.figures : null,
            publishedAt: key.now,
          })),
        )
        .onConflictDoNothing()
        .returning({ code: publishedIndicatorTables.indicatorCode })
      // A concurrent request that published first leaves nothing for this one to add.
      firstPublished = inserted.length > 0
      stored = await read()
    }
  }
  const targets = await targetsByIndicator(tx, key.year)
  const rows = definitions.map((definition) => {
    const row = stored.get(keyOf(definition))
    if (!row) throw new Error(`indicator ${definition.code} ${definition.version} was not published`)
    return { definition, row }
  })
  return {
    indicators: rows.map(({ definition, row }) => {
      const target = targets.get(definition.code) ?? null
      return {
        definition,
        target,
        available: row.available,
        figures: judged(row.figures as PublishedFigure[], target, key.table),
      }
    }),
    publishedAt: new Date(Math.min(...rows.map(({ row }) => row.publishedAt.getTime()))),
    firstPublished,
  }
}

/** The rows of `figures` of the wards `table` lists, in its order. */
function rowsOfWards(figures: readonly PublishedFigure[], table: UnitWithWards): PublishedFigure[] {
  const order = new Map(table.wards.map((ward, index) => [ward.code, index]))
  return figures
    .filter((figure) => order.has(figure.unitCode))
    .sort((a, b) => order.get(a.unitCode)! - order.get(b.unitCode)!)
}

/**
 * The period's table of a unit whose wards are exactly its parts' (tablesBelow: the city's as its districts' on
 * the 2024 map, and for a 2025 closing day from July as its district's old wards and each of its new wards' own
 * tables): each ward's row as its part's table shows it, and the unit's own figure the sum of the parts' totals,
 * each count shown only where every part shows it (sumOfPublished). Protected as a table of its own, it would list
 * the same wards as its parts' tables and could withhold other cells of them (each table protected with the
 * closing days it was read for), and the two read side by side would give a ward's count away.
 */
export async function composedTable(
  tx: Tx,
  key: { scope: Scope; year: number; asOf: string; now: Date },
  table: UnitWithWards,
  parts: readonly UnitWithWards[],
): Promise<PublishedTable> {
  const sealed: PublishedTable[] = []
  for (const part of parts) sealed.push(await publishedTable(tx, { ...key, table: part }))
  return acrossTables(sealed, ({ definition, target }, same) => {
    const wards = rowsOfWards(
      same.flatMap((indicator) => indicator.figures),
      table,
    )
    const totals = same.map((indicator, index) =>
      indicator.figures.find((figure) => figure.unitCode === parts[index]!.unit.code),
    )
    const shown = totals.filter((figure) => figure !== undefined)
    const own = shown.length === parts.length ? [sumOfPublished(definition.kind, table.unit.code, shown)] : []
    return judged([...wards, ...own], target, table)
  })
}

/**
 * One table made of several published ones: each indicator of the first, with the figures `figuresOf` makes of
 * the same indicator in every table (in their order), published when the first of them was.
 */
function acrossTables(
  tables: readonly PublishedTable[],
  figuresOf: (indicator: PublishedIndicator, same: PublishedIndicator[]) => PublishedFigure[],
): PublishedTable {
  const keyOf = (definition: IndicatorDefinition) => `${definition.code} ${definition.version}`
  return {
    indicators: tables[0]!.indicators.map((indicator) => {
      const wanted = keyOf(indicator.definition)
      const same = tables.map((table) => table.indicators.find((other) => keyOf(other.definition) === wanted))
      if (same.some((other) => !other)) throw new Error(`indicator ${wanted} was not published`)
      const found = same as PublishedIndicator[]
      return {
        ...indicator,
        available: found.every((other) => other.available),
        figures: figuresOf(indicator, found),
      }
    }),
    publishedAt: new Date(Math.min(...tables.map((table) => table.publishedAt.getTime()))),
    firstPublished: tables.some((table) => table.firstPublished),
  }
}

/**
 * A named group of wards read off a published table that lists all its wards (groupRoot): its wards' rows as
 * that table shows them, and its own figure their sum, each count shown only where every row shows it
 * (sumOfPublished), so that it tells nothing the table does not.
 */
export function groupOfTable(published: PublishedTable, group: UnitWithWards): PublishedTable {
  return {
    ...published,
    indicators: published.indicators.map((indicator) => {
      const wards = rowsOfWards(indicator.figures, group)
      const own = wards.length > 0 ? [sumOfPublished(indicator.definition.kind, group.unit.code, wards)] : []
      return { ...indicator, figures: judged([...wards, ...own], indicator.target, group) }
    }),
  }
}

/**
 * A named group of wards where no unit above them that the caller may read lists them all (a caller whose
 * jurisdiction is some wards): each ward's row as the table it is read in shows it (its parent's, or its own),
 * and the group's own figure their sum (groupOfTable). Protected as a table of its own, the group's total less
 * a ward shown in that ward's table would give the group's other wards away.
 */
export function groupOfWardTables(
  read: readonly { wardCode: string; table: PublishedTable }[],
  group: UnitWithWards,
): PublishedTable {
  const rows = acrossTables(
    read.map(({ table }) => table),
    (_indicator, same) =>
      same.flatMap((indicator, index) =>
        indicator.figures.filter((figure) => figure.unitCode === read[index]!.wardCode),
      ),
  )
  return groupOfTable(rows, group)
}

/**
 * The year's tables of the same unit and map published for other closing days, per indicator and definition
 * (keyOf), for the indicators whose counts only grow; those published before their counts were kept
 * (migration 0044) cannot be protected with and are left out.
 */
async function otherPeriods(
  tx: Tx,
  key: { year: number; asOf: string; table: UnitWithWards },
  mapKey: string,
  indicators: readonly { definition: IndicatorDefinition }[],
): Promise<Map<string, OtherPeriod[]>> {
  const codes = indicators
    .filter((indicator) => countsOnlyGrow(indicator.definition.source))
    .map((indicator) => indicator.definition.code)
  const others = new Map<string, OtherPeriod[]>()
  if (codes.length === 0) return others
  const rows = await tx
    .select()
    .from(publishedIndicatorTables)
    .where(
      and(
        ofTable(key, mapKey),
        ne(publishedIndicatorTables.asOf, key.asOf),
        inArray(publishedIndicatorTables.indicatorCode, codes),
        isNotNull(publishedIndicatorTables.counted),
      ),
    )
  for (const row of rows) {
    const id = rowKeyOf(row)
    const list = others.get(id) ?? []
    list.push({
      asOf: row.asOf,
      counted: row.counted as Figure[],
      published: row.figures as PublishedFigure[],
    })
    others.set(id, list)
  }
  return others
}
