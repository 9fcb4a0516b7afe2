/**
 * Publication of indicator figures to the caller: small cells withheld from machine clients (city
 * systems) and from people who may not read the sensitive records counted, with the cells they could be
 * recovered from.
 */
import { hasPermission, type Principal } from '../../platform/auth.js'
import type { Dimension } from './measures.js'
import type { IndicatorDefinition } from './repository.js'
import {
  isSmallCount,
  narrowedCells,
  partsOfSmallTotals,
  protect,
  protectionWorkLimit,
  relationAmong,
  renamed,
  type LinkedTable,
  type Reading,
  type Relation,
} from '../disclosure/control.js'
import { WorkMeter } from '../disclosure/simplex.js'
import { cellCodes, figureMet, figureValue, orderCells, type IndicatorKind, type Target } from './rules.js'
import type { Figure } from './figures.js'

export interface Suppressed {
  suppressed: true
}

export type Count = number | Suppressed

interface PublishedCell {
  key: Record<string, string>
  numerator: Count
  denominator: Count | null
  value: number | Suppressed | null
}

export interface PublishedFigure {
  unitCode: string
  numerator: Count | null
  denominator: Count | null
  value: number | Suppressed | null
  met: boolean | null
  breakdowns: { dimensions: Dimension[]; cells: PublishedCell[] }[]
}

const withheld: Suppressed = { suppressed: true }

/**
 * Small counts are withheld from machine clients (city systems) and from anyone without
 * registry:sensitive (a partner agency's viewer): a count of 1 to 4 children living with HIV in a ward
 * is as telling as the records it counts. Officers who may read those records see the counts as they
 * are. Counts of wards and reports identify nobody and are never withheld.
 */
export function withholdsSmallCells(principal: Principal): boolean {
  return principal.kind === 'client' || !hasPermission(principal, 'registry:sensitive')
}

/** Figures of children and incidents, whose small counts are withheld; counts of wards and reports identify nobody. */
export const protectsCounts = (source: IndicatorDefinition['source']): boolean =>
  source === 'registry' || source === 'incidents'

/**
 * Figures of incidents counted from 1 January to a closing day, which only grow from one closing day to the
 * next: a reader who sees two of them knows each count of the later is at least that of the earlier, so a
 * period's table is protected together with the year's other tables (OtherPeriod). Counts of children in
 * the registry are counted as of the day (children come and go), so no such order between them is known.
 */
export const countsOnlyGrow = (source: IndicatorDefinition['source']): boolean => source === 'incidents'

/**
 * Another closing day's table of the same indicator, unit and map (the same wards, the same breakdowns),
 * as it was counted and as it was published: fixed, since it has been shown.
 */
export interface OtherPeriod {
  asOf: string
  counted: readonly Figure[]
  published: readonly PublishedFigure[]
}

/** Whether a table's every cell is withheld: a table withheld whole, which tells a reader nothing. */
const withheldWhole = (withheld: readonly boolean[]): boolean => withheld.every((hidden) => hidden)

/** One indicator's table to publish for city systems, as publishFigures is given it (publication-thread.ts). */
export interface PublishJob {
  meta: PublicationMeta
  figures: readonly Figure[]
  together: { asOf: string; others: readonly OtherPeriod[] }
}

/** What publication needs to know of an indicator; a report snapshot keeps it beside the figures. */
export interface PublicationMeta {
  kind: IndicatorKind
  source: IndicatorDefinition['source']
  hasDenominator: boolean
}

export function publicationMeta(
  definition: Pick<IndicatorDefinition, 'kind' | 'source' | 'denominator'>,
): PublicationMeta {
  return {
    kind: definition.kind,
    source: definition.source,
    hasDenominator: definition.kind === 'percentage' || definition.denominator !== null,
  }
}

function publishValue(
  kind: IndicatorKind,
  value: number | null,
  numeratorHidden: boolean,
  denominatorHidden: boolean,
): number | Suppressed | null {
  if (numeratorHidden || (kind === 'percentage' && denominatorHidden)) return withheld
  return value
}

/** A cell's key as one string (codes never hold a NUL). */
const keyId = (key: Record<string, string>, dimensions: readonly string[]) =>
  dimensions.map((dimension) => key[dimension] ?? '').join('\u0000')

/**
 * Every key of a breakdown, so that a withheld figure's cells are all listed and none reveals by its
 * absence or presence where the figure's records are: each dimension's codes, "unknown" included where the
 * dimension has it (and any other value a cell holds), crossed.
 */
function fullGrid(
  dimensions: readonly Dimension[],
  present: readonly Record<string, string>[],
): Record<string, string>[] {
  let keys: Record<string, string>[] = [{}]
  for (const dimension of dimensions) {
    const values = [...new Set([...cellCodes(dimension), ...present.map((key) => key[dimension]!)])]
    keys = keys.flatMap((key) => values.map((value) => ({ ...key, [dimension]: value })))
  }
  return orderCells(
    keys.map((key) => ({ key })),
    dimensions,
  ).map((cell) => cell.key)
}

/**
 * The figures of one indicator laid out as a linked table of counts (one of numerators, one of
 * denominators): each figure, each of its breakdown cells over the full grid, and every additive relation
 * a reader can see among them — the wards make the unit, the cells make their figure, the wards' cells make
 * the unit's cell of the same key, and a breakdown's cells make those of any breakdown with fewer
 * dimensions. Each relation is as strong as the counts bear out (relationAmong): the attacker is given every
 * comparison a reader could come to know.
 */
class FigureTable {
  readonly values: number[] = []
  readonly relations: Relation[] = []
  readonly readings: Reading[] = []
  /** Per figure: its own cell, then per breakdown the cell of each grid key. */
  readonly figureCells: number[] = []
  readonly breakdownCells: Map<string, number>[][] = []

  constructor(
    figures: readonly Figure[],
    grids: readonly { dimensions: Dimension[]; keys: Record<string, string>[] }[],
    count: (item: { numerator: number; denominator: number }) => number,
  ) {
    for (const figure of figures) {
      this.figureCells.push(this.cell(count(figure)))
      this.breakdownCells.push(
        grids.map((grid, index) => {
          const breakdown = figure.breakdowns[index]
          // A figure given without its breakdowns (a report's wards beside its own figure) has no cells to relate.
          if (!breakdown) return new Map<string, number>()
          const counted = new Map(breakdown.cells.map((cell) => [keyId(cell.key, grid.dimensions), count(cell)]))
          return new Map(
            grid.keys.map((key) => {
              const id = keyId(key, grid.dimensions)
              return [id, this.cell(counted.get(id) ?? 0)]
            }),
          )
        }),
      )
    }
    const unit = figures.length - 1
    if (unit > 0) this.relate(this.figureCells[unit]!, this.figureCells.slice(0, unit))
    const hasCells = (figure: number, index: number) => this.breakdownCells[figure]![index]!.size > 0
    grids.forEach((grid, index) => {
      for (let figure = 0; figure <= unit; figure++) {
        if (!hasCells(figure, index)) continue
        this.relate(this.figureCells[figure]!, [...this.breakdownCells[figure]![index]!.values()])
        grids.forEach((finer, finerIndex) => {
          if (finer.dimensions.length <= grid.dimensions.length) return
          if (!grid.dimensions.every((dimension) => finer.dimensions.includes(dimension))) return
          for (const key of grid.keys) {
            const parts = finer.keys
              .filter((finerKey) => grid.dimensions.every((dimension) => finerKey[dimension] === key[dimension]))
              .map((finerKey) => this.breakdownCells[figure]![finerIndex]!.get(keyId(finerKey, finer.dimensions))!)
            this.relate(this.breakdownCells[figure]![index]!.get(keyId(key, grid.dimensions))!, parts)
          }
        })
      }
      if (grid.dimensions.length > 1) {
        for (let figure = 0; figure <= unit; figure++) {
          if (hasCells(figure, index))
            this.readCross(this.figureCells[figure]!, grid, this.breakdownCells[figure]![index]!)
        }
      }
      if (unit > 0 && figures.every((_, figure) => hasCells(figure, index))) {
        for (const key of grid.keys) {
          const id = keyId(key, grid.dimensions)
          this.relate(
            this.breakdownCells[unit]![index]!.get(id)!,
            this.breakdownCells.slice(0, unit).map((cells) => cells[index]!.get(id)!),
          )
        }
      }
    })
  }

  /**
   * What a reader adds up from a cross: the figure by each of its dimensions (its codes' sums), and each
   * code's sum by the cells that make it. Where some records count in no cell, no such reading holds.
   */
  private readCross(
    figureCell: number,
    grid: { dimensions: Dimension[]; keys: Record<string, string>[] },
    cells: ReadonlyMap<string, number>,
  ): void {
    const all = grid.keys.map((key) => cells.get(keyId(key, grid.dimensions))!)
    if (relationAmong(this.values, figureCell, all).sum === '>=') return
    for (const dimension of grid.dimensions) {
      const byCode = new Map<string, number[]>()
      grid.keys.forEach((key, index) => {
        const list = byCode.get(key[dimension]!) ?? []
        list.push(all[index]!)
        byCode.set(key[dimension]!, list)
      })
      const groups = [...byCode.values()]
      this.readings.push({ total: [figureCell], parts: groups })
      for (const group of groups) this.readings.push({ total: group, parts: group.map((cell) => [cell]) })
    }
  }

  private cell(value: number): number {
    this.values.push(value)
    return this.values.length - 1
  }

  private relate(total: number, parts: number[]): void {
    this.relations.push(relationAmong(this.values, total, parts))
  }
}

/**
 * The figures as the caller may see them. With `withhold` (withholdsSmallCells), every breakdown is listed in
 * full (each key of its dimensions, 0 where nothing counts), and for figures of children and incidents
 * every count of 1 to 4 is withheld, with as few other counts as keep each of them from being recovered:
 * from all the figures of the response and the relations among them, an attacker cannot narrow a withheld
 * count to fewer than 6 possible values (disclosure/control.ts), nor tell that all of a withheld figure's
 * records lie in one cell. A percentage is withheld with its numerator or its denominator, and both
 * are withheld where what the numerator leaves out of the denominator is withheld.
 *
 * `together`: for counts that only grow (countsOnlyGrow), the year's tables of the same indicator already
 * published for other closing days, and this one's closing day. The figures are then protected together with
 * them, their cells as they were shown: no count withheld here or there can be narrowed from both. A percentage's
 * numerators and denominators are then also read over the year together (narrowedAcrossDays), and the table is
 * withheld whole where that narrows a count, or where the two sides hold more withheld counts than the check is run
 * on (`jointCheckLimit`, its default in production). This closing day's protections share one work limit
 * (`workLimit`, protectionWorkLimit in production), past which each table left is withheld whole.
 */
export function publishFigures(
  meta: PublicationMeta,
  figures: readonly Figure[],
  withhold: boolean,
  together: {
    asOf: string
    others: readonly OtherPeriod[]
    jointCheckLimit?: number
    workLimit?: number
  } | null = null,
): PublishedFigure[] {
  if (figures.length === 0) return []
  const showDenominator = meta.hasDenominator
  const protectedCounts = withhold && protectsCounts(meta.source)
  const others = protectedCounts && together && countsOnlyGrow(meta.source) ? together.others : []
  const grids = (figures[figures.length - 1]!.breakdowns ?? []).map((breakdown, index) => ({
    dimensions: breakdown.dimensions,
    keys: withhold
      ? fullGrid(breakdown.dimensions, [
          ...[figures, ...others.map((other) => other.counted)].flatMap((list) =>
            list.flatMap((figure) => (figure.breakdowns[index]?.cells ?? []).map((cell) => cell.key)),
          ),
        ])
      : [],
  }))
  // This period's table first, then the others'; each laid out alike, cell for cell.
  const periods = [
    { asOf: together?.asOf ?? '', figures, published: null },
    ...others.map((other) => ({ asOf: other.asOf, figures: other.counted, published: other.published })),
  ]
  for (const period of periods) {
    if (period.figures.map((figure) => figure.unitCode).join() !== figures.map((figure) => figure.unitCode).join())
      throw new Error(`the table to ${period.asOf} lists other units`)
  }
  const tablesOf = (count: (item: { numerator: number; denominator: number }) => number) =>
    periods.map((period) => new FigureTable(period.figures, grids, count))
  const numeratorTables = protectedCounts ? tablesOf((item) => item.numerator) : null
  const denominatorTables = protectedCounts && showDenominator ? tablesOf((item) => item.denominator) : null
  // What a percentage's numerator leaves out of its denominator counts children too (47 of 48 covered: one
  // is not), and adds up as they do: it is protected as a table of its own first (each period's apart), and
  // every count it withholds has its numerator and denominator withheld and protected, each in its own table
  // (the three tables lay their cells out alike).
  const restTables =
    numeratorTables && denominatorTables && meta.kind === 'percentage'
      ? tablesOf((item) => Math.max(0, item.denominator - item.numerator))
      : null
  // Each period's left-out table is protected with a work limit of its own, as it was when that period was published.
  const restHidden = restTables?.map((table) => hiddenCells(table)) ?? null
  // This period's protections share one limit: past it, each one left withholds its table whole at once.
  const meter = new WorkMeter(together?.workLimit ?? protectionWorkLimit)
  /** Each closing day's table of one side, with what it withheld when published (null for this one). */
  const periodTables = (tables: FigureTable[], side: 'numerator' | 'denominator'): PeriodTable[] =>
    periods.map((period, index) => ({
      asOf: period.asOf,
      table: tables[index]!,
      withheldThen: period.published && withheldAsPublished(tables[index]!, grids, period.published, side),
      alsoProtected: restHidden?.[index] ?? null,
    }))
  const withheldIn = (tables: FigureTable[] | null, side: 'numerator' | 'denominator') => {
    if (!tables) return null
    // A table published with every count withheld tells a reader nothing that a closing day never published
    // would: it is left out, as it was when it could not be protected with the others (hiddenTogether).
    const read = periodTables(tables, side).filter(
      (period) => !(period.withheldThen && withheldWhole(period.withheldThen)),
    )
    return read.length === 1 ? hiddenCells(tables[0]!, restHidden?.[0] ?? null, meter) : hiddenTogether(read, meter)
  }
  let withheldNumerators = withheldIn(numeratorTables, 'numerator')
  let withheldDenominators = withheldIn(denominatorTables, 'denominator')
  if (restTables && restHidden && withheldNumerators && withheldDenominators) {
    ;[withheldNumerators, withheldDenominators] = withheldWithTheRest(
      { table: numeratorTables![0]!, withheld: withheldNumerators },
      { table: denominatorTables![0]!, withheld: withheldDenominators },
      { table: restTables[0]!, withheld: restHidden[0]! },
      meter,
    )
  }
  if (
    restTables &&
    withheldNumerators &&
    withheldDenominators &&
    periods.length > 1 &&
    narrowedAcrossDays(
      periodTables(numeratorTables!, 'numerator'),
      periodTables(denominatorTables!, 'denominator'),
      withheldNumerators,
      withheldDenominators,
      together?.jointCheckLimit ?? jointCheckLimit,
    )
  ) {
    withheldNumerators = withheldNumerators.map(() => true)
    withheldDenominators = withheldDenominators.map(() => true)
  }
  const hiddenIn = (tables: FigureTable[] | null, withheld: readonly boolean[] | null) => {
    if (!tables || !withheld) return null
    const table = tables[0]!
    return {
      figure: (index: number) => withheld[table.figureCells[index]!]!,
      cell: (index: number, breakdown: number, id: string) => {
        const cell = table.breakdownCells[index]![breakdown]!.get(id)
        return cell !== undefined && withheld[cell]!
      },
    }
  }
  const numerators = hiddenIn(numeratorTables, withheldNumerators)
  const denominators = hiddenIn(denominatorTables, withheldDenominators)
  return figures.map((figure, index) => {
    const numeratorHidden = numerators?.figure(index) ?? false
    const denominatorHidden = denominators?.figure(index) ?? false
    return {
      unitCode: figure.unitCode,
      numerator: numeratorHidden ? withheld : figure.numerator,
      denominator: showDenominator ? (denominatorHidden ? withheld : figure.denominator) : null,
      value: publishValue(meta.kind, figure.value, numeratorHidden, denominatorHidden),
      // A verdict beside a withheld count tells about it ("no deaths" met says 0): withheld with it.
      met: numeratorHidden || denominatorHidden ? null : figure.met,
      breakdowns: figure.breakdowns.map((breakdown, breakdownIndex) => {
        const cells = withhold
          ? fillGrid(meta.kind, breakdown.cells, grids[breakdownIndex]!.keys, breakdown.dimensions)
          : breakdown.cells
        return {
          dimensions: breakdown.dimensions,
          cells: cells.map((c) => {
            const id = keyId(c.key, breakdown.dimensions)
            const hideNumerator = numerators?.cell(index, breakdownIndex, id) ?? false
            const hideDenominator = denominators?.cell(index, breakdownIndex, id) ?? false
            return {
              key: c.key,
              numerator: hideNumerator ? withheld : c.numerator,
              denominator: showDenominator ? (hideDenominator ? withheld : c.denominator) : null,
              value: publishValue(meta.kind, c.value, hideNumerator, hideDenominator),
            }
          }),
        }
      }),
    }
  })
}

/**
 * The cells of a table of counts that protection withholds: its counts of 1 to 4, any cell `alsoProtected`
 * names, and those they could be recovered from.
 */
function hiddenCells(
  table: FigureTable,
  alsoProtected: readonly boolean[] | null = null,
  meter?: WorkMeter,
): boolean[] {
  return protect(table, countsToProtect(table, alsoProtected), { alsoWithheld: partsOfSmallTotals(table), meter })
}

/**
 * A percentage's numerators and denominators as withheld once read together with what each numerator leaves out
 * of its denominator: a count of its own, never shown, that a shown numerator and denominator tell exactly, and
 * that bounds each side by the other (a numerator is at most its denominator). Protected one after the other, the
 * three tables can be narrowed so: wards by sex of (numerator, denominator) (8, 14) (4, 4) (7, 7), (2, 13) (5, 10)
 * (4, 7) and (9, 17) (0, 5) (9, 9), where ward 1's 19 of 25 and its boys' 14 leave at least 8 boys in its
 * numerator, and the district's 19 boys less ward 3's 9 leave ward 2's 2 boys at most 2. Here the small counts of
 * all three (and the cells the left-out table withheld) are checked in one linked table, starting from what each table
 * withheld, and more numerators or denominators are withheld where one is narrowed; the check alone, where none
 * is, costs one linear program per withheld count. Which part a total's records lie in was judged in each table on
 * its own: the relations are not read by their parts again.
 */
function withheldWithTheRest(
  numerators: { table: FigureTable; withheld: readonly boolean[] },
  denominators: { table: FigureTable; withheld: readonly boolean[] },
  rest: { table: FigureTable; withheld: readonly boolean[] },
  meter: WorkMeter,
): [boolean[], boolean[]] {
  const cells = numerators.table.values.length
  const values = [...numerators.table.values, ...denominators.table.values, ...rest.table.values]
  const notReadByParts = (relation: Relation): Relation => ({ ...relation, readByParts: false })
  const joint: LinkedTable = {
    values,
    relations: [
      ...numerators.table.relations,
      ...renamed(denominators.table, (cell) => cell + cells).relations,
      // The left-out counts' own relations (the three tables lay theirs out alike). Where the numerators and the
      // denominators both add up exactly, D = N + R tells them already, and the programs are the smaller for
      // leaving them out; where some records count in no cell, a figure's left-out count is at least its cells'.
      ...renamed(rest.table, (cell) => cell + 2 * cells).relations.filter(
        (_, index) =>
          numerators.table.relations[index]!.sum !== '=' || denominators.table.relations[index]!.sum !== '=',
      ),
      ...rest.table.values.map((_, cell) => relationAmong(values, cells + cell, [cell, 2 * cells + cell])),
    ].map(notReadByParts),
  }
  const primary = [
    ...countsToProtect(numerators.table, rest.withheld),
    ...countsToProtect(denominators.table, rest.withheld),
    ...rest.table.values.map(isSmallCount),
  ]
  const withheld = protect(joint, primary, {
    alsoWithheld: [...numerators.withheld, ...denominators.withheld, ...rest.table.values.map(() => true)],
    fixed: values.map((_, cell) => cell >= 2 * cells),
    meter,
  })
  return [withheld.slice(0, cells), withheld.slice(cells, 2 * cells)]
}

/**
 * One side of a percentage (its numerators or its denominators) over the year as one linked table (readTogether),
 * with the cells a reader does not see and the counts that must not be narrowed, by name: the withheld counts of 1
 * to 4 and those withheld for what their numerator leaves out (`alsoProtected`; `${asOf} ${cell}`), and what came
 * in between two closing days (`flow ${key}`), except in a table of this side withheld whole, which tells nothing a
 * closing day never published would; its counts are unknowns here, beside the other side's.
 */
function sideOverYear(periods: readonly PeriodTable[]) {
  const { joint, offsets, flows } = readTogether(periods)
  const withheld = joint.values.map(() => true)
  const asked = new Map<number, string>()
  const whole = new Set(periods.filter(({ withheldThen }) => withheldWhole(withheldThen!)).map(({ asOf }) => asOf))
  for (const { asOf, table, withheldThen, alsoProtected } of periods) {
    const offset = offsets.get(asOf)!
    const toProtect = countsToProtect(table, alsoProtected)
    table.values.forEach((_, cell) => {
      withheld[offset + cell] = withheldThen![cell]!
      if (withheldThen![cell] && toProtect[cell] && !whole.has(asOf)) asked.set(offset + cell, `${asOf} ${cell}`)
    })
  }
  for (const [key, flow] of flows) if (!flow.days.some((day) => whole.has(day))) asked.set(flow.cell, `flow ${key}`)
  return { joint, withheld, asked, periodCells: periods.length * periods[0]!.table.values.length }
}

/**
 * The withheld counts of both sides of a percentage over the year beyond which the joint check is not run, and the
 * table is withheld whole instead: its programs grow quickly with the cells they hold. On the generated district, the
 * largest percentage's programs over the year take 1.4–1.7 s for 963 withheld counts (three closing days) and
 * 5.7–6.1 s for 1,347 (four, its year-end table), solved alone (docs/benchmarks.md).
 */
const jointCheckLimit = 1_500

/**
 * The small counts (by side and name, as sideOverYear) that a reader narrows once a percentage's numerators and
 * denominators are read over the year together: each side's relations over the year, and each numerator at most
 * its denominator on every closing day. Null where the two sides hold more withheld counts than `limit`.
 */
function narrowedOverYear(
  numerators: readonly PeriodTable[],
  denominators: readonly PeriodTable[],
  limit: number,
): string[] | null {
  const sides = { numerator: sideOverYear(numerators), denominator: sideOverYear(denominators) }
  const shift = sides.numerator.joint.values.length
  const withheld = [...sides.numerator.withheld, ...sides.denominator.withheld]
  if (withheld.filter((hidden) => hidden).length > limit) return null
  const values = [...sides.numerator.joint.values, ...sides.denominator.joint.values]
  // Both sides lay their closing days out alike, cell for cell, before what came in between. The reader knows a
  // numerator is at most its denominator, not by how much; counts that say otherwise are read as they are.
  const atMostItsDenominator = sides.numerator.withheld
    .slice(0, sides.numerator.periodCells)
    .map((_, cell): Relation =>
      values[cell]! <= values[cell + shift]!
        ? { total: cell + shift, parts: [cell], sum: '>=', partsWithinTotal: false }
        : relationAmong(values, cell + shift, [cell]),
    )
  const joint: LinkedTable = {
    values,
    relations: [
      ...sides.numerator.joint.relations,
      ...renamed(sides.denominator.joint, (cell) => cell + shift).relations,
      ...atMostItsDenominator,
    ],
  }
  const names = new Map([
    ...[...sides.numerator.asked].map(([cell, key]) => [cell, `numerator ${key}`] as const),
    ...[...sides.denominator.asked].map(([cell, key]) => [cell + shift, `denominator ${key}`] as const),
  ])
  return [...narrowedCells(joint, withheld, (cell) => names.has(cell))].map((cell) => names.get(cell)!)
}

/**
 * Whether this table of a percentage must be withheld whole, read with the year's other tables of it: a small
 * count, of this table or one the others kept, that a reader narrows once each numerator is read as at most its
 * denominator on every closing day, and would not without this table; or more withheld counts than `limit` to
 * check. Each side was protected over the year on its own, and the three tables of this closing day together: this
 * is the one reading that spans both.
 */
function narrowedAcrossDays(
  numeratorPeriods: readonly PeriodTable[],
  denominatorPeriods: readonly PeriodTable[],
  withheldNumerators: readonly boolean[],
  withheldDenominators: readonly boolean[],
  limit: number,
): boolean {
  // Withheld whole on both sides (its protections reached their work limit, say), it tells nothing to find.
  if (withheldWhole(withheldNumerators) && withheldWhole(withheldDenominators)) return false
  // This closing day's table (the first) as it is to be published.
  const read = (list: readonly PeriodTable[], withheld: readonly boolean[]) =>
    list.map((period, index) => (index === 0 ? { ...period, withheldThen: [...withheld] } : period))
  const wholly = (period: PeriodTable) => withheldWhole(period.withheldThen!)
  const both = (side: readonly PeriodTable[], other: readonly PeriodTable[]) =>
    side.filter((period, index) => index === 0 || !(wholly(period) && wholly(other[index]!)))
  const numeratorsRead = read(numeratorPeriods, withheldNumerators)
  const denominatorsRead = read(denominatorPeriods, withheldDenominators)
  // A closing day withheld whole on both sides shows nothing a day never published would: it is left out, as each
  // side's own protection leaves it out, and its counts do not weigh on the size of the check.
  const numerators = both(numeratorsRead, denominatorsRead)
  const denominators = both(denominatorsRead, numeratorsRead)
  const found = narrowedOverYear(numerators, denominators, limit)
  // A table too large to check is not published unchecked.
  if (found === null) return true
  const current = numeratorPeriods[0]!.asOf
  const before = found.filter((name) => !name.includes(current))
  let exposed = found.length > before.length
  if (!exposed && before.length > 0) {
    // One the other tables gave away already, no table published after them can mend.
    const already = new Set(narrowedOverYear(numerators.slice(1), denominators.slice(1), limit) ?? [])
    exposed = before.some((name) => !already.has(name))
  }
  return exposed
}

/** The counts of a table that must not be narrowed: its counts of 1 to 4 and any cell `alsoProtected` names. */
const countsToProtect = (table: FigureTable, alsoProtected: readonly boolean[] | null): boolean[] =>
  table.values.map((value, cell) => isSmallCount(value) || (alsoProtected?.[cell] ?? false))

/** Which cells of `table` (laid out on `grids`) `published` withholds: its figures' and their breakdowns' counts. */
function withheldAsPublished(
  table: FigureTable,
  grids: readonly { dimensions: Dimension[]; keys: Record<string, string>[] }[],
  published: readonly PublishedFigure[],
  side: 'numerator' | 'denominator',
): boolean[] {
  const withheld = table.values.map(() => false)
  const isWithheld = (count: Count | null | undefined) => typeof count === 'object' && count !== null
  published.forEach((figure, index) => {
    withheld[table.figureCells[index]!] = isWithheld(figure[side])
    grids.forEach((grid, gridIndex) => {
      const breakdown = figure.breakdowns.find((candidate) => sameSet(candidate.dimensions, grid.dimensions))
      for (const cell of breakdown?.cells ?? []) {
        const at = table.breakdownCells[index]![gridIndex]!.get(keyId(cell.key, grid.dimensions))
        if (at !== undefined) withheld[at] = isWithheld(cell[side])
      }
    })
  })
  return withheld
}

/**
 * What a reader knows of a count on two closing days: that the later is at least the earlier, since counts of
 * incidents from 1 January only grow, and not by how much (nothing published tells that a count stayed the
 * same). Where a count did fall (an incident withdrawn or moved to another ward), as the counts bear out.
 */
function grownFrom(values: readonly number[], later: number, earlier: number): Relation {
  if (values[later]! < values[earlier]!) return relationAmong(values, later, [earlier])
  return { total: later, parts: [earlier], sum: '>=', partsWithinTotal: false }
}

interface PeriodTable {
  asOf: string
  table: FigureTable
  /** What the table withheld when it was published; null for the table being published. */
  withheldThen: boolean[] | null
  alsoProtected: readonly boolean[] | null
}

/**
 * The year's tables as one linked table: each table's relations (laid out one after another, `offsets` by
 * closing day), and each count at most its counterpart on every later closing day (grownFrom), every two
 * closing days and not only neighbours (where a count fell in between, the first is still at most the last).
 * Where a count grew by 1 to 4, what came in between is a cell of its own (`flows`, by the two closing days and
 * the cell), never shown: the records of those months, counted as any other small count is.
 */
function readTogether(periods: readonly PeriodTable[]): {
  joint: LinkedTable
  offsets: Map<string, number>
  flows: Map<string, { cell: number; of: number; days: readonly [string, string] }>
} {
  const offsets = new Map<string, number>()
  const values: number[] = []
  const relations: Relation[] = []
  const readings: Reading[] = []
  for (const { asOf, table } of periods) {
    const offset = values.length
    offsets.set(asOf, offset)
    values.push(...table.values)
    const inside = renamed(table, (cell) => cell + offset)
    relations.push(...inside.relations)
    readings.push(...inside.readings)
  }
  const flows = new Map<string, { cell: number; of: number; days: readonly [string, string] }>()
  const cells = periods[0]!.table.values.length
  const days = periods.map((period) => period.asOf).sort()
  // Where a count grew at every closing day in between, the neighbours' relations already say the first is at
  // most the last: the programs are the smaller for leaving it out.
  const grewThroughout = (first: number, last: number, cell: number) =>
    days
      .slice(first, last)
      .every(
        (day, index) => values[offsets.get(days[first + index + 1]!)! + cell]! >= values[offsets.get(day)! + cell]!,
      )
  for (const [firstIndex, first] of days.entries()) {
    for (const [secondIndex, second] of days.entries()) {
      if (secondIndex <= firstIndex) continue
      for (let cell = 0; cell < cells; cell++) {
        const earlier = offsets.get(first)! + cell
        const later = offsets.get(second)! + cell
        const between = values[later]! - values[earlier]!
        if (!isSmallCount(between)) {
          if (secondIndex === firstIndex + 1 || !grewThroughout(firstIndex, secondIndex, cell))
            relations.push(grownFrom(values, later, earlier))
          continue
        }
        flows.set(`${first} ${second} ${cell}`, { cell: values.length, of: cell, days: [first, second] })
        relations.push({
          total: later,
          parts: [earlier, values.length],
          sum: '=',
          partsWithinTotal: true,
          readByParts: false,
        })
        values.push(between)
      }
    }
  }
  return { joint: { values, relations, readings }, offsets, flows }
}

/**
 * The small counts that the tables already published keep protected, read together as they were shown: their
 * withheld counts of 1 to 4 (and any cell `alsoProtected` names) and what came in between two of them, by
 * closing day and cell (`${asOf} ${cell}`, or the flow's key). Only those are a new table's to keep so; one they
 * left exposed, no table published later can mend.
 */
function keptByOthers(others: readonly PeriodTable[]): Set<string> {
  const { joint, offsets, flows } = readTogether(others)
  const withheld = joint.values.map(() => true)
  const asked = new Set([...flows.values()].map((flow) => flow.cell))
  for (const { asOf, table, withheldThen, alsoProtected } of others) {
    const offset = offsets.get(asOf)!
    countsToProtect(table, alsoProtected).forEach((toProtect, cell) => {
      withheld[offset + cell] = withheldThen![cell]!
      if (withheldThen![cell] && toProtect) asked.add(offset + cell)
    })
  }
  const narrowed = narrowedCells(joint, withheld, (cell) => asked.has(cell))
  const kept = new Set<string>()
  const isKept = (cell: number) => asked.has(cell) && !narrowed.has(cell)
  for (const { asOf, table } of others)
    table.values.forEach((_, cell) => isKept(offsets.get(asOf)! + cell) && kept.add(`${asOf} ${cell}`))
  for (const [key, flow] of flows) if (isKept(flow.cell)) kept.add(key)
  return kept
}

/**
 * The cells of this period's table (the first) withheld when it is protected together with other periods'
 * tables already published (`withheldThen`: what each withheld), as one linked table (readTogether).
 * The others' cells are fixed. Their counts of 1 to 4 (and any cell `alsoProtected` names), and what came in
 * between two of them, stay protected as far as they were (keptByOthers), and so does what came in between one
 * of them and this table. Where this table cannot keep them so, nor its own counts (where counts fell between
 * closing days, the reader told which fell), it is withheld whole (protect): tables that withhold every count
 * are left out of what is read together, so the tables already published are read as they were before.
 */
function hiddenTogether(periods: readonly PeriodTable[], meter: WorkMeter): boolean[] {
  const [current, ...others] = periods
  const { joint, offsets, flows } = readTogether(periods)
  const kept = keptByOthers(others)
  const primary = joint.values.map(() => false)
  const alsoWithheld = joint.values.map(() => false)
  const fixed = joint.values.map(() => false)
  // A count of this table whose growth from or to a count another table showed is small is protected in
  // this table first, as a small count is: the two shown would tell the growth exactly, and the search over all
  // the tables, starting from a few such cells withheld alone, weighed hundreds of moves and gave up.
  const besideShown = current!.table.values.map((_, cell) => current!.alsoProtected?.[cell] ?? false)
  for (const { of, days } of flows.values()) {
    if (!days.includes(current!.asOf)) continue
    const other = others.find((period) => days.includes(period.asOf))!
    if (!other.withheldThen![of]) besideShown[of] = true
  }
  const own = hiddenCells(current!.table, besideShown, meter)
  countsToProtect(current!.table, current!.alsoProtected).forEach((toProtect, cell) => (primary[cell] = toProtect))
  for (const { asOf, withheldThen } of others) {
    const offset = offsets.get(asOf)!
    withheldThen!.forEach((hidden, cell) => {
      primary[offset + cell] = kept.has(`${asOf} ${cell}`)
      alsoWithheld[offset + cell] = hidden
      fixed[offset + cell] = true
    })
  }
  for (const [key, { cell, days }] of flows) {
    primary[cell] = days.includes(current!.asOf) || kept.has(key)
    alsoWithheld[cell] = true
    fixed[cell] = true
  }
  const cells = current!.table.values.length
  const searchFrom = (start: (cell: number) => boolean) => {
    own.forEach((_, cell) => (alsoWithheld[cell] = start(cell)))
    const toldAlready = toldBefore(joint, offsets, periods)
    return protect(joint, primary, { alsoWithheld, fixed, toldAlready, meter }).slice(0, cells)
  }
  // The search starts from its own protection and every cell another table withheld (the same pattern
  // on every closing day): what is left to add is then seldom anything. From its own protection alone, on
  // a district's year of incidents, the search weighed hundreds of moves over all the tables for a few
  // cells fewer (a table of 240 cells: 95 withheld in 4.2 s against 115 in 0.17 s). Where that pattern leaves
  // nothing to show, the search starts again from its own protection alone, which often shows counts.
  const carried = (cell: number) => own[cell]! || others.some((other) => other.withheldThen![cell]!)
  const withheld = searchFrom(carried)
  const carriedMore = own.some((hidden, cell) => !hidden && carried(cell))
  if (!carriedMore || !withheldWhole(withheld)) return withheld
  return searchFrom((cell) => own[cell]!)
}

/**
 * Whether a table already published told of a withheld total's records that they all lie in one part: it
 * shows, for a later closing day, the same total (as many records or more) and that part (as many or more),
 * and every other part as 0. The earlier records, none of them gone, are among those it told of.
 */
function toldBefore(
  joint: LinkedTable,
  offsets: ReadonlyMap<string, number>,
  periods: readonly PeriodTable[],
): (reading: Reading) => boolean {
  const cells = periods[0]!.table.values.length
  return (reading) => {
    const own = periods.find(({ asOf }) => {
      const offset = offsets.get(asOf)!
      return reading.total[0]! >= offset && reading.total[0]! < offset + cells
    })!
    const base = offsets.get(own.asOf)!
    const sum = (list: readonly number[], offset: number) =>
      list.reduce((total, cell) => total + joint.values[cell - base + offset]!, 0)
    const holding = reading.parts.findIndex((part) => sum(part, base) > 0)
    return periods.some(({ asOf, withheldThen }) => {
      if (!withheldThen || asOf <= own.asOf) return false
      const offset = offsets.get(asOf)!
      const shown = (list: readonly number[]) => list.every((cell) => !withheldThen[cell - base])
      return (
        shown(reading.total) &&
        sum(reading.total, offset) >= sum(reading.total, base) &&
        reading.parts.every((part, index) =>
          index === holding ? sum(part, offset) >= sum(part, base) : shown(part) && sum(part, offset) === 0,
        )
      )
    })
  }
}

/** A breakdown's cells over the full grid: the computed ones, and 0 for every other key. */
function fillGrid(
  kind: IndicatorKind,
  cells: readonly { key: Record<string, string>; numerator: number; denominator: number; value: number | null }[],
  keys: readonly Record<string, string>[],
  dimensions: readonly Dimension[],
) {
  const byId = new Map(cells.map((cell) => [keyId(cell.key, dimensions), cell]))
  return keys.map(
    (key) => byId.get(keyId(key, dimensions)) ?? { key, numerator: 0, denominator: 0, value: figureValue(kind, 0, 0) },
  )
}

/**
 * The crosses of two dimensions published, beside each dimension on its own, to callers from whom small
 * counts are withheld. Each is protected in place of its two dimensions: a breakdown by one of them is
 * read off the cross (breakdownView), so it tells nothing the cross does not.
 */
const publishedCrosses: readonly (readonly Dimension[])[] = [['sex', 'ageGroup']]

const sameSet = (a: readonly Dimension[], b: readonly Dimension[]) =>
  a.length === b.length && a.every((dimension) => b.includes(dimension))

/** Whether a caller from whom small counts are withheld may ask for `dimensions`: none, one, or a published cross. */
export function isPublishedBreakdown(dimensions: readonly Dimension[]): boolean {
  return dimensions.length <= 1 || publishedCrosses.some((cross) => sameSet(cross, dimensions))
}

/** The crosses such a caller may ask for, as the query writes them (any one dimension besides). */
export const publishedCrossQueries = publishedCrosses.map((cross) => cross.join(','))

/**
 * The breakdowns of an indicator protected together for such callers, from which every breakdown they may
 * ask for is read: each published cross the indicator has, and each of its other dimensions on its own.
 */
export function publishedBreakdownSets(indicatorDimensions: readonly Dimension[]): Dimension[][] {
  const crosses = publishedCrosses
    .filter((cross) => cross.every((dimension) => indicatorDimensions.includes(dimension)))
    .map((cross) => [...cross])
  const crossed = new Set(crosses.flat())
  return [
    ...crosses,
    ...indicatorDimensions.filter((dimension) => !crossed.has(dimension)).map((dimension) => [dimension]),
  ]
}

type PublishedBreakdown = PublishedFigure['breakdowns'][number]

/**
 * A breakdown by one dimension read off a protected cross: each cell the sum of the cross's cells of its
 * code, withheld where any of them is. Every figure shown can be worked out from the cross's, so showing
 * both tells nothing more than the cross alone.
 */
function marginOf(kind: IndicatorKind, cross: PublishedBreakdown, dimension: Dimension): PublishedBreakdown {
  const codes = [...new Set(cross.cells.map((cell) => cell.key[dimension]!))]
  return {
    dimensions: [dimension],
    cells: codes.map((code) => {
      const summed = summedCounts(
        kind,
        cross.cells.filter((cell) => cell.key[dimension] === code),
      )
      return { key: { [dimension]: code }, ...summed, numerator: summed.numerator! }
    }),
  }
}

/** Published counts added up: null where any is (no such count), withheld where any is withheld. */
function sumOfCounts(counts: readonly (Count | null)[]): Count | null {
  if (counts.some((count) => count === null)) return null
  if (counts.some((count) => typeof count !== 'number')) return withheld
  return (counts as number[]).reduce((total, count) => total + count, 0)
}

/** The sums of published numerators and denominators (sumOfCounts), with the value they give where both are shown. */
function summedCounts(
  kind: IndicatorKind,
  each: readonly { numerator: Count | null; denominator: Count | null }[],
): { numerator: Count | null; denominator: Count | null; value: number | Suppressed | null } {
  const numerator = sumOfCounts(each.map((counts) => counts.numerator))
  const denominator = sumOfCounts(each.map((counts) => counts.denominator))
  const value =
    typeof numerator === 'number'
      ? figureValue(kind, numerator, typeof denominator === 'number' ? denominator : 0)
      : null
  return {
    numerator,
    denominator,
    value: publishValue(
      kind,
      value,
      typeof numerator !== 'number',
      denominator !== null && typeof denominator !== 'number',
    ),
  }
}

/** A published figure's breakdown by `dimensions`: its own, or a margin of its cross; undefined when it has neither. */
function publishedBreakdown(
  kind: IndicatorKind,
  figure: PublishedFigure,
  dimensions: readonly Dimension[],
): PublishedBreakdown | undefined {
  const own = figure.breakdowns.find((candidate) => sameSet(candidate.dimensions, dimensions))
  const cross = figure.breakdowns.find((candidate) => candidate.dimensions.includes(dimensions[0]!))
  return own ?? (cross && dimensions.length === 1 ? marginOf(kind, cross, dimensions[0]!) : undefined)
}

/**
 * A figure published with the breakdowns of publishedBreakdownSets, as a caller sees it who asked for
 * `dimensions` (in the order asked): that breakdown, a margin of a cross, or none.
 */
export function breakdownView(
  kind: IndicatorKind,
  figure: PublishedFigure,
  dimensions: readonly Dimension[],
): PublishedFigure {
  if (dimensions.length === 0) return { ...figure, breakdowns: [] }
  const breakdown = publishedBreakdown(kind, figure, dimensions)
  if (!breakdown) throw new Error(`the published figure has no breakdown by ${dimensions.join(',')}`)
  return {
    ...figure,
    breakdowns: [{ dimensions: [...dimensions], cells: orderCells([...breakdown.cells], dimensions) }],
  }
}

/**
 * A figure laid out as it is (every cell of its full grid), its counts as `published` shows them: each count
 * shown where that table shows it, withheld where it does not (and every count when there is no `published`).
 * `published` is the same unit's figure in the table published to the same caller, its breakdowns those of
 * publishedBreakdownSets: the figure then shows nothing the table does not, not even by which of its counts are
 * withheld, whatever it counted itself.
 */
export function asPublished(
  kind: IndicatorKind,
  figure: PublishedFigure,
  published: PublishedFigure | undefined,
): PublishedFigure {
  type Counts = { numerator: Count | null; denominator: Count | null; value: number | Suppressed | null }
  const merged = (own: Counts, other: Counts | undefined): Counts => {
    const numeratorHidden = typeof other?.numerator !== 'number'
    const denominatorHidden = typeof other?.denominator !== 'number'
    const valueHidden = numeratorHidden || (kind === 'percentage' && denominatorHidden)
    return {
      numerator: own.numerator === null ? null : numeratorHidden ? withheld : other.numerator,
      denominator: own.denominator === null ? null : denominatorHidden ? withheld : other.denominator,
      value: valueHidden ? withheld : other.value,
    }
  }
  const top = merged(figure, published)
  const hidden = (count: Count | null) => typeof count === 'object' && count !== null
  return {
    ...figure,
    ...top,
    met: hidden(top.numerator) || hidden(top.denominator) ? null : figure.met,
    breakdowns: figure.breakdowns.map((breakdown) => {
      const counterpart = published && publishedBreakdown(kind, published, breakdown.dimensions)
      const cellOf = new Map(counterpart?.cells.map((cell) => [keyId(cell.key, breakdown.dimensions), cell]))
      return {
        ...breakdown,
        cells: breakdown.cells.map((cell) => ({
          ...cell,
          ...(merged(cell, cellOf.get(keyId(cell.key, breakdown.dimensions))) as PublishedCell),
        })),
      }
    }),
  }
}

/**
 * A unit's figure as the sum of its parts' published figures (a city's as its districts' tables publish them):
 * each count, total or cell, shown only where every part shows it, so that it tells nothing those tables do
 * not; a count that any part withholds is withheld, or it would give that part's away. The parts' breakdowns
 * are laid on the same full grids.
 */
export function sumOfPublished(
  kind: IndicatorKind,
  unitCode: string,
  parts: readonly PublishedFigure[],
): PublishedFigure {
  const [first] = parts
  if (!first) throw new Error('a sum of published figures needs at least one part')
  return {
    unitCode,
    ...summedCounts(kind, parts),
    met: null,
    breakdowns: first.breakdowns.map((breakdown) => {
      const cellsOf = parts.map((part) => {
        const same = part.breakdowns.find((other) => other.dimensions.join() === breakdown.dimensions.join())
        return new Map(same?.cells.map((cell) => [keyId(cell.key, breakdown.dimensions), cell]))
      })
      return {
        dimensions: breakdown.dimensions,
        cells: breakdown.cells.map((cell) => {
          const id = keyId(cell.key, breakdown.dimensions)
          const each = cellsOf.map((cells) => cells.get(id) ?? { numerator: withheld, denominator: withheld })
          return { key: cell.key, ...(summedCounts(kind, each) as Omit<PublishedCell, 'key'>) }
        }),
      }
    }),
  }
}

/**
 * Whether a published figure meets `target`, judged from what it shows: none beside a withheld count, which the
 * verdict would narrow.
 */
export function metAsShown(
  figure: Pick<PublishedFigure, 'numerator' | 'denominator' | 'value'>,
  target: Target | null,
  unitLevel: string,
): boolean | null {
  const { numerator, denominator, value } = figure
  const shown = typeof numerator === 'number' && (denominator === null || typeof denominator === 'number')
  if (!shown || (value !== null && typeof value !== 'number')) return null
  return figureMet(target, { value, numerator, denominator: denominator ?? 0 }, unitLevel)
}
