/**
 * Statistical disclosure control of count tables linked by additive relations (wards into their unit,
 * breakdown cells into their figure, a unit's cells into the wards' cells of the same key), in the manner
 * of τ-ARGUS and sdcTable: primary suppression of small counts, then secondary (complementary)
 * suppression until an attacker who knows every published figure and every relation cannot narrow any
 * withheld small count to less than the protection interval. The attacker is exact: the tightest bounds a
 * linear program finds for each withheld cell (rounded inward, since counts are whole). Pure.
 */
import { Polytope, WorkLimitReached, WorkMeter, type Row } from './simplex.js'

/**
 * A relation among cells: how the total compares with the sum of its parts (equal when every record
 * counts in exactly one part, as boys and girls make a ward; at most the sum when a record may count in
 * several, as a child in two groups; at least the sum when some records count in none), and whether no
 * part exceeds the total.
 */
export interface Relation {
  total: number
  parts: readonly number[]
  sum: '=' | '<=' | '>='
  partsWithinTotal: boolean
  /**
   * False where the relation is not read as a total by its parts (attributeExposed): a count on a later closing
   * day made of the same count on an earlier one and what came in between tells when the records came, not where
   * they lie; tables already judged by their parts on their own may be read together for their bounds alone.
   */
  readByParts?: false
}

/**
 * The relation the counts bear out, for an attacker as strong as any: every comparison that holds of the
 * values themselves. The published figures and the withheld values always satisfy it.
 */
export function relationAmong(values: readonly number[], total: number, parts: readonly number[]): Relation {
  const sum = parts.reduce((sum, part) => sum + values[part]!, 0)
  const value = values[total]!
  return {
    total,
    parts,
    sum: value === sum ? '=' : value < sum ? '<=' : '>=',
    partsWithinTotal: parts.every((part) => values[part]! <= value),
  }
}

/**
 * A sum an attacker can read off a table besides its relations: a total made of cells, split into parts
 * that are each made of cells. A cross of sex by age group is read so by age group: a figure is the sum of
 * the age groups, each the sum of its cells of every sex, and an age group's cells are its parts by sex.
 * Every record of the total counts in exactly one part.
 */
export interface Reading {
  total: readonly number[]
  parts: readonly (readonly number[])[]
}

export interface LinkedTable {
  /** Each cell's count: a non-negative whole number. */
  values: readonly number[]
  relations: readonly Relation[]
  readings?: readonly Reading[]
}

/** What an attacker can tell of a withheld cell: low ≤ value ≤ high (high is Infinity when unbounded). */
export interface Interval {
  low: number
  high: number
}

/** A count of 1 to 4 children can identify a child (Decree 13/2023): such counts are withheld. */
export const isSmallCount = (value: number): boolean => value >= 1 && value <= 4

/**
 * The cells withheld from the start besides the small counts: every part of a total of 1 to 4 (zeros
 * included), so that which of a small total's parts hold its records is not told by which are withheld.
 * They are not themselves protected: a 0 among them that other relations pin stays known.
 */
export function partsOfSmallTotals(table: LinkedTable): boolean[] {
  const parts = table.values.map(() => false)
  for (const relation of table.relations) {
    if (relation.sum === '>=' || !isSmallCount(table.values[relation.total]!)) continue
    for (const part of relation.parts) parts[part] = true
  }
  return parts
}

/**
 * The width an attacker's interval for a withheld small count must reach: at least 5 apart, so that it
 * always holds a value outside 1–4 on one side or the other (0 to 5, 1 to 6, …) and never pins the count.
 */
export const protectionWidth = 5

interface Term {
  cell: number
  coefficient: number
}

const rowsOfRelations = new WeakMap<readonly Relation[], { terms: Term[]; sense: Relation['sum'] }[]>()

/** The relations as linear rows over cells: Σ coefficient·cell (sense) 0. */
function relationRows(relations: readonly Relation[]): { terms: Term[]; sense: Relation['sum'] }[] {
  const known = rowsOfRelations.get(relations)
  if (known) return known
  const rows: { terms: Term[]; sense: Relation['sum'] }[] = []
  rowsOfRelations.set(relations, rows)
  for (const relation of relations) {
    const parts = relation.parts.map((cell) => ({ cell, coefficient: -1 }))
    rows.push({ terms: [{ cell: relation.total, coefficient: 1 }, ...parts], sense: relation.sum })
    if (relation.sum === '=' || !relation.partsWithinTotal) continue
    for (const part of relation.parts) {
      rows.push({
        terms: [
          { cell: part, coefficient: 1 },
          { cell: relation.total, coefficient: -1 },
        ],
        sense: '<=',
      })
    }
  }
  return rows
}

/** Cells joined into sets (union-find with path halving): which cells some chain of relations links. */
class LinkedSets {
  private readonly parent = new Map<number, number>()

  root(cell: number): number {
    if (!this.parent.has(cell)) this.parent.set(cell, cell)
    let current = cell
    while (this.parent.get(current) !== current) {
      const grand = this.parent.get(this.parent.get(current)!)!
      this.parent.set(current, grand)
      current = grand
    }
    return current
  }

  join(cells: readonly number[]): void {
    const [first, ...rest] = cells
    for (const cell of rest) this.parent.set(this.root(cell), this.root(first!))
  }
}

/**
 * The attacker's linear programs over the withheld cells (the published ones are constants), one per
 * group of withheld cells that rows link together: a cell's bounds depend only on its own group, and
 * small programs solve far faster than one large one.
 */
class Attacker {
  /** Per withheld cell: its group and its variable index within the group. */
  private readonly place = new Map<number, { group: number; variable: number }>()
  private readonly groups: {
    rows: Row[]
    /**
     * Each variable's count as it is, one per withheld cell of the group: a point of the region, from which its
     * first feasible basis is found.
     */
    counts: number[]
    region?: Polytope | null
    /** Per variable, the highest and the lowest value it takes at the points the programs stopped at so far. */
    highest?: Float64Array
    lowest?: Float64Array
  }[] = []

  constructor(
    table: LinkedTable,
    withheld: readonly boolean[],
    private readonly meter: WorkMeter | null = null,
  ) {
    const rows: { cells: Map<number, number>; sense: Relation['sum']; rhs: number }[] = []
    const relationsAsRows = relationRows(table.relations)
    meter?.charge(withheld.length + relationsAsRows.reduce((sum, row) => sum + row.terms.length, 0))
    for (const row of relationsAsRows) {
      const cells = new Map<number, number>()
      let constant = 0
      for (const { cell, coefficient } of row.terms) {
        if (withheld[cell]) cells.set(cell, (cells.get(cell) ?? 0) + coefficient)
        else constant += coefficient * table.values[cell]!
      }
      for (const [cell, coefficient] of cells) if (coefficient === 0) cells.delete(cell)
      if (cells.size > 0) rows.push({ cells, sense: row.sense, rhs: -constant })
    }
    // The withheld cells joined by every row they share.
    const sets = new LinkedSets()
    for (const row of rows) sets.join([...row.cells.keys()])
    const groupOf = new Map<number, number>()
    withheld.forEach((hidden, cell) => {
      if (!hidden) return
      const key = sets.root(cell)
      if (!groupOf.has(key)) {
        groupOf.set(key, this.groups.length)
        this.groups.push({ rows: [], counts: [] })
      }
      const group = groupOf.get(key)!
      const { counts } = this.groups[group]!
      this.place.set(cell, { group, variable: counts.length })
      counts.push(table.values[cell]!)
    })
    for (const row of rows) {
      const group = this.place.get([...row.cells.keys()][0]!)!.group
      const terms = new Map([...row.cells].map(([cell, coefficient]) => [this.place.get(cell)!.variable, coefficient]))
      this.groups[group]!.rows.push({ terms, sense: row.sense, rhs: row.rhs })
    }
  }

  /** The withheld cells linked to `cell` through rows of the program (its group), `cell` included. */
  linked(cell: number): Set<number> {
    const group = this.place.get(cell)?.group
    const members = new Set<number>()
    for (const [linked, place] of this.place) if (place.group === group) members.add(linked)
    return members
  }

  /**
   * The highest value the attacker can give a withheld cell (Infinity when unbounded). With `enough`, any
   * value from `enough` up may stand for it, an unbounded cell's too: the program stops once the cell can reach
   * `enough`.
   */
  upper(cell: number, enough = Infinity): number {
    const { region, variable } = this.regionOf(cell)
    const high = region.maximise(new Map([[variable, 1]]), enough)
    this.witness(cell)
    return high.status === 'unbounded' ? Infinity : Math.floor(high.value + 1e-6)
  }

  /** Keeps the point where the last program of `cell`'s group stopped, as a witness for the group's other cells. */
  private witness(cell: number): void {
    const group = this.groups[this.place.get(cell)!.group]!
    const point = new Float64Array(group.counts.length)
    group.region!.visitLastPoint((variable, value) => {
      point[variable] = value
    })
    if (!group.highest || !group.lowest) {
      group.highest = point.slice()
      group.lowest = point
      return
    }
    for (let variable = 0; variable < group.counts.length; variable++) {
      if (point[variable]! > group.highest[variable]!) group.highest[variable] = point[variable]!
      if (point[variable]! < group.lowest[variable]!) group.lowest[variable] = point[variable]!
    }
  }

  /** The highest and the lowest value a withheld cell is known to reach at some point of its region, if any. */
  private witnessed(cell: number): { high: number; low: number } | null {
    const place = this.place.get(cell)!
    const group = this.groups[place.group]!
    if (!group.highest || !group.lowest) return null
    return { high: group.highest[place.variable]!, low: group.lowest[place.variable]! }
  }

  /** Whether the attacker can give a withheld cell a value above 0 (a program that stops at 1). */
  possiblyAboveZero(cell: number): boolean {
    return this.upper(cell, 1) > 0
  }

  private regionOf(cell: number): { region: Polytope; variable: number } {
    const place = this.place.get(cell)
    if (place === undefined) throw new RangeError(`cell ${cell} is not withheld`)
    const group = this.groups[place.group]!
    if (group.region === undefined)
      group.region = Polytope.of(group.counts.length, group.rows, group.counts, this.meter)
    if (group.region === null) throw new RangeError('the published figures contradict their relations')
    return { region: group.region, variable: place.variable }
  }

  /**
   * The lowest value the attacker can give a withheld cell; with `enough`, any value down from `enough` may stand
   * for it.
   */
  lower(cell: number, enough = -Infinity): number {
    const { region, variable } = this.regionOf(cell)
    const low = region.maximise(new Map([[variable, -1]]), -enough)
    this.witness(cell)
    return low.status === 'unbounded' ? 0 : Math.max(0, Math.ceil(-low.value - 1e-6))
  }

  bounds(cell: number): Interval {
    return { low: this.lower(cell), high: this.upper(cell) }
  }

  /**
   * The interval of a withheld cell of count `value` where it is narrower than the protection width, else null.
   * The upper bound first: where it lies the width or more above the count, the lower bound (at most the
   * count) is not needed, and half the linear programs are saved. Each program stops once the width is reached.
   * Before either, the points where the group's earlier programs stopped: every one is a table the published figures
   * allow, so one holding the cell the width above its count, or the width below its highest, shows it wide enough
   * without a program of its own (963 withheld counts over a year: 792 programs before, 205 since).
   */
  narrowed(cell: number, value: number): Interval | null {
    const seen = this.witnessed(cell)
    if (seen && seen.high >= value + protectionWidth - 1e-6) return null
    const high = this.upper(cell, value + protectionWidth)
    if (high - value >= protectionWidth) return null
    const after = this.witnessed(cell)!
    if (after.low <= high - protectionWidth + 1e-6) return null
    const interval = { low: this.lower(cell, high - protectionWidth), high }
    return width(interval) < protectionWidth ? interval : null
  }
}

/** The tightest bounds an attacker can put on each withheld cell, from the published cells and the relations. */
export function attack(table: LinkedTable, withheld: readonly boolean[]): Map<number, Interval> {
  const attacker = new Attacker(table, withheld)
  const bounds = new Map<number, Interval>()
  withheld.forEach((hidden, cell) => {
    if (hidden) bounds.set(cell, attacker.bounds(cell))
  })
  return bounds
}

/** Which withheld cells of `asked` an attacker can narrow to an interval under the protection width. */
export function narrowedCells(
  table: LinkedTable,
  withheld: readonly boolean[],
  asked: (cell: number) => boolean,
): Set<number> {
  const attacker = new Attacker(table, withheld)
  const narrowed = new Set<number>()
  withheld.forEach((hidden, cell) => {
    if (hidden && asked(cell) && attacker.narrowed(cell, table.values[cell]!)) narrowed.add(cell)
  })
  return narrowed
}

/** How many values an attacker's interval leaves a withheld cell, less one: protected at protectionWidth or more. */
export const width = (interval: Interval): number => interval.high - interval.low

/**
 * The first cell from `from` on that needs protection and whose interval is narrower than the protection
 * width. Withholding more cells only ever widens intervals, so cells found safe before stay safe.
 */
function firstExposed(
  table: LinkedTable,
  withheld: readonly boolean[],
  needsProtection: readonly boolean[],
  from: number,
  meter: WorkMeter,
): { cell: number; interval: Interval; attacker: Attacker } | null {
  const attacker = new Attacker(table, withheld, meter)
  for (let cell = from; cell < withheld.length; cell++) {
    if (!needsProtection[cell]) continue
    const interval = attacker.narrowed(cell, table.values[cell]!)
    if (interval) return { cell, interval, attacker }
  }
  return null
}

/**
 * A withheld total whose parts the attacker knows to be 0 but one withheld part (published as 0, or
 * withheld yet pinned to 0 by other relations) tells, where every record counts in some part, that every
 * record of the total is in that part ("all of the ward's abused children are girls aged 6–10"), whatever
 * the count. The totals and parts are the relations' and the readings' (a cross read by one of its
 * dimensions: "all of them are aged 6–10"). Returns such a total's cells of the parts known to be 0, with the
 * reading's place in the list (`givenUp` names those left as they are), or null. A fixed total counts as
 * much as any: its table was protected on its own, and the cells around it now may tell it.
 */
function attributeExposed(
  table: LinkedTable,
  withheld: readonly boolean[],
  givenUp: ReadonlySet<number>,
  meter: WorkMeter,
): { reading: number; of: Reading; zeros: number[] } | null {
  let attacker: Attacker | null = null
  const sumOf = (cells: readonly number[]) => cells.reduce((sum, cell) => sum + table.values[cell]!, 0)
  const readings: Reading[] = [
    ...table.relations
      .filter((relation) => relation.sum !== '>=' && relation.readByParts !== false)
      .map((relation) => ({ total: [relation.total], parts: relation.parts.map((part) => [part]) })),
    ...(table.readings ?? []),
  ]
  for (const [index, reading] of readings.entries()) {
    if (givenUp.has(index)) continue
    if (!reading.total.some((cell) => withheld[cell]) || sumOf(reading.total) === 0) continue
    // Only a total whose records all lie in one part can be read so; its other parts hold 0.
    const holding = reading.parts.filter((part) => sumOf(part) !== 0)
    if (reading.parts.length < 2 || holding.length !== 1 || !holding[0]!.some((cell) => withheld[cell])) continue
    const zeros = reading.parts.filter((part) => part !== holding[0]).flat()
    attacker ??= new Attacker(table, withheld, meter)
    const known = attacker
    if (zeros.every((cell) => !withheld[cell] || !known.possiblyAboveZero(cell)))
      return { reading: index, of: reading, zeros }
  }
  return null
}

/** What withholding a cell costs the reader: its count (and a little for a 0, which is withheld only when it must be). */
const costOf = (table: LinkedTable, cell: number) => table.values[cell]! + 1

/**
 * The moves that may free an exposed cell, each a set of cells to withhold: any published cell of a
 * relation that holds the cell or a withheld cell linked to it, and every rectangle through the cell (in a table of wards
 * by categories a count moves only when a whole rectangle of cells is withheld: what it gains, its row
 * and column neighbours lose, and the opposite corner gains back). A fixed cell cannot move itself: for it, every
 * rectangle through a cell it is related to, with that cell (what came in between two closing days moves
 * only with the later count, and that count with its rectangle). Cheapest first.
 */
function movesFor(
  table: LinkedTable,
  withheld: readonly boolean[],
  fixed: readonly boolean[],
  exposed: number,
  attacker: Attacker,
  meter: WorkMeter,
): number[][] {
  const relationsOf = new Map<number, Relation[]>()
  for (const relation of table.relations) {
    for (const cell of [relation.total, ...relation.parts]) {
      const list = relationsOf.get(cell) ?? []
      list.push(relation)
      relationsOf.set(cell, list)
    }
  }
  const cellsOf = (relation: Relation) => [relation.total, ...relation.parts]
  const moves = new Map<string, number[]>()
  const add = (cells: number[]) => {
    const fresh = [...new Set(cells)].filter((cell) => !withheld[cell] && !fixed[cell]).sort((a, b) => a - b)
    if (fresh.length > 0) moves.set(fresh.join(','), fresh)
  }
  // Only relations that bear on the exposed cell: its own, and those of the withheld cells linked to it.
  const linked = withheld[exposed] ? attacker.linked(exposed) : new Set([exposed])
  for (const relation of table.relations) {
    const cells = cellsOf(relation)
    if (cells.some((cell) => linked.has(cell))) for (const cell of cells) add([cell])
  }
  const rectanglesThrough = (corner: number, withCorner: number[]) => {
    const own = relationsOf.get(corner) ?? []
    for (const first of own) {
      for (const second of own) {
        if (first === second) continue
        for (const b of cellsOf(first)) {
          if (b === corner) continue
          for (const e of cellsOf(second)) {
            if (e === corner) continue
            // The fourth corner: a cell sharing another relation with b and another with e.
            for (const viaB of relationsOf.get(b) ?? []) {
              if (viaB === first) continue
              // Every fourth corner weighed is charged: through a fixed cell of a wide table they run to millions.
              meter.charge(viaB.parts.length + 1)
              for (const f of cellsOf(viaB)) {
                if (f === b || f === corner) continue
                if ((relationsOf.get(f) ?? []).some((viaE) => viaE !== second && cellsOf(viaE).includes(e)))
                  add([...withCorner, b, e, f])
              }
            }
          }
        }
      }
    }
  }
  rectanglesThrough(exposed, [])
  if (fixed[exposed]) {
    const related = new Set((relationsOf.get(exposed) ?? []).flatMap(cellsOf))
    for (const cell of related) if (cell !== exposed && !fixed[cell]) rectanglesThrough(cell, [cell])
  }
  return [...moves.values()].sort(
    (a, b) => moveCost(table, a) - moveCost(table, b) || a.length - b.length || a[0]! - b[0]!,
  )
}

const moveCost = (table: LinkedTable, cells: readonly number[]) =>
  cells.reduce((sum, cell) => sum + costOf(table, cell), 0)

/** Moves weighed at a time: the cheapest few usually hold the best, and each costs two linear programs. */
const movesPerRound = 16

/**
 * The rank of a cell when no move widens the exposed interval on its own: a count can move along a cycle
 * of withheld cells only as far as the smallest of them allows, so a cell of at least the protection width
 * comes first (the cheapest such), then the cheapest non-zero one, and a 0 last.
 */
function stepping(table: LinkedTable, cell: number): number {
  const value = table.values[cell]!
  const tier = value >= protectionWidth ? 0 : value > 0 ? 1 : 2
  return -tier * 1e9 - costOf(table, cell)
}

/**
 * The work (WorkMeter) a protection may take before its table is withheld whole: 1.5–2.5 s on the 2-core machine of
 * docs/benchmarks.md. An indicator's protections of one closing day share it (publishFigures): on the generated
 * district the most any took is 984 million (a percentage's 31 December, read with the year's three other closing
 * days); a search that ran past it (the city's table of 2026, minutes and still going at 282 of 660 cells withheld)
 * would publish little, and it holds the request thread.
 */
export const protectionWorkLimit = 2e9

export interface ProtectOptions {
  /** Cells withheld from the start besides `primary`, without protection of their own (partsOfSmallTotals). */
  alsoWithheld?: readonly boolean[]
  /** Cells already published or withheld for good (another period's table): their state is kept. */
  fixed?: readonly boolean[]
  /** Whether the fixed cells' table told a reading of all its records already. */
  toldAlready?: (reading: Reading) => boolean
  /**
   * What the search's work is charged to: one meter shared by several searches bounds them together, and once it
   * is spent each withholds its table whole at once. A meter of protectionWorkLimit of its own unless told.
   */
  meter?: WorkMeter
}

/**
 * Which cells to withhold: every cell `primary` names (and `alsoWithheld`), and few other cells (by count withheld)
 * such that each primary cell's attacker interval is at least the protection width wide and no withheld total is
 * pinned to a single part. Greedy: while a primary cell is exposed, make the cheapest move (a cell, or
 * the three other corners of a rectangle) that protects it outright, or else the one that widens its
 * interval most per count withheld, weighing the cheapest moves first. Every step is checked by the attacker, so
 * the result is safe however far it is from the fewest cells. Deterministic: the same table gives the same cells.
 *
 * `fixed` names cells already published or withheld for good (another period's table): their state is kept,
 * and only the other cells are withheld to protect them too. A withheld total that the fixed cells alone tell
 * to lie in one part is left so where `toldAlready` says the fixed cells' table told it of all its records.
 * Where that cannot be done (a primary cell that every cell around it, fixed or withheld, leaves exposed, or
 * such a total that no fixed table told), where a search among fixed cells has weighed movesWeighedAmongFixed
 * moves, or where the search's linear programs reach the work limit, every cell not fixed is withheld: the table
 * is withheld whole, and a table that shows nothing is one a reader is told nothing by (docs/security.md).
 */
export function protect(table: LinkedTable, primary: readonly boolean[], options: ProtectOptions = {}): boolean[] {
  const cells = table.values.length
  const {
    alsoWithheld = primary,
    fixed = table.values.map(() => false),
    toldAlready = () => false,
    meter = new WorkMeter(protectionWorkLimit),
  } = options
  if (primary.length !== cells || alsoWithheld.length !== cells || fixed.length !== cells) {
    throw new RangeError('one flag per cell')
  }
  const withheld = primary.map((flag, cell) => flag || alsoWithheld[cell]!)
  const whole = () => withheld.map((hidden, cell) => hidden || !fixed[cell]!)
  try {
    const parts = linkedParts(table)
    if (parts.length <= 1) return protectLinked(table, primary, alsoWithheld, fixed, toldAlready, meter) ?? whole()
    // Parts no relation joins are protected one by one: what is withheld in one tells nothing of another.
    for (const part of parts) {
      if (!part.cells.some((cell) => primary[cell])) continue
      const local = protectLinked(
        part.table,
        part.cells.map((cell) => primary[cell]!),
        part.cells.map((cell) => alsoWithheld[cell]!),
        part.cells.map((cell) => fixed[cell]!),
        (reading) =>
          toldAlready(renamed({ relations: [], readings: [reading] }, (cell) => part.cells[cell]!).readings[0]!),
        meter,
      )
      if (!local) return whole()
      local.forEach((hidden, index) => {
        if (hidden) withheld[part.cells[index]!] = true
      })
    }
    return withheld
  } catch (error) {
    if (error instanceof WorkLimitReached) return whole()
    throw error
  }
}

/**
 * A table's relations and readings with every cell renamed by `at`: to take a part out of a table, or to lay a
 * table inside a larger one.
 */
export function renamed(
  table: Pick<LinkedTable, 'relations' | 'readings'>,
  at: (cell: number) => number,
): { relations: Relation[]; readings: Reading[] } {
  return {
    relations: table.relations.map((relation) => ({
      ...relation,
      total: at(relation.total),
      parts: relation.parts.map(at),
    })),
    readings: (table.readings ?? []).map((reading) => ({
      total: reading.total.map(at),
      parts: reading.parts.map((part) => part.map(at)),
    })),
  }
}

/** The table split into parts that no relation joins, each as a table of its own over its cells. */
function linkedParts(table: LinkedTable): { cells: number[]; table: LinkedTable }[] {
  const sets = new LinkedSets()
  for (const relation of table.relations) sets.join([relation.total, ...relation.parts])
  const root = (cell: number) => sets.root(cell)
  const listed = <T>(map: Map<number, T[]>, key: number) => {
    let list = map.get(key)
    if (!list) map.set(key, (list = []))
    return list
  }
  const byRoot = new Map<number, number[]>()
  table.values.forEach((_, cell) => listed(byRoot, root(cell)).push(cell))
  const relationsByRoot = new Map<number, Relation[]>()
  for (const relation of table.relations) listed(relationsByRoot, root(relation.total)).push(relation)
  // A reading's cells are all linked: its total and parts are sums that relations of the table make.
  const readingsByRoot = new Map<number, Reading[]>()
  for (const reading of table.readings ?? []) listed(readingsByRoot, root(reading.total[0]!)).push(reading)
  return [...byRoot].map(([key, cells]) => {
    const local = new Map(cells.map((cell, index) => [cell, index]))
    const at = (cell: number) => local.get(cell)!
    return {
      cells,
      table: {
        values: cells.map((cell) => table.values[cell]!),
        ...renamed({ relations: relationsByRoot.get(key) ?? [], readings: readingsByRoot.get(key) ?? [] }, at),
      },
    }
  })
}

/**
 * How many moves a search among fixed cells (a table protected together with others already published) may
 * weigh before it gives up and the table is withheld whole. Each weighs linear programs over all the tables at
 * once, and on a district's year of incidents an unbounded search took minutes for one table.
 */
const movesWeighedAmongFixed = 300

/** Whether withholding every cell not fixed would leave some of `zeros` possibly above 0. */
function freeable(
  table: LinkedTable,
  withheld: readonly boolean[],
  fixed: readonly boolean[],
  zeros: readonly number[],
  meter: WorkMeter,
): boolean {
  const everything = withheld.map((hidden, cell) => hidden || !fixed[cell]!)
  const attacker = new Attacker(table, everything, meter)
  return zeros.some((cell) => everything[cell] && attacker.possiblyAboveZero(cell))
}

/** The cells protect() withholds in a table that relations join throughout, or null where it cannot be protected. */
function protectLinked(
  table: LinkedTable,
  primary: readonly boolean[],
  alsoWithheld: readonly boolean[],
  fixed: readonly boolean[],
  toldAlready: (reading: Reading) => boolean,
  meter: WorkMeter,
): boolean[] | null {
  const withheld = primary.map((flag, cell) => flag || alsoWithheld[cell]!)
  const readingsGivenUp = new Set<number>()
  const amongFixed = fixed.some((cell) => cell)
  let movesWeighed = 0
  let from = 0
  for (;;) {
    if (amongFixed && movesWeighed > movesWeighedAmongFixed) return null
    // Nothing left that may be withheld: no search can add to it (and the linear programs over everything
    // withheld are the largest there are). Among fixed cells, what it protects is not asked: a table withheld
    // whole is left out of what a reader is told.
    if (withheld.every((hidden, cell) => hidden || fixed[cell]!)) return amongFixed ? null : withheld
    const exposedAttribute = attributeExposed(table, withheld, readingsGivenUp, meter)
    if (exposedAttribute) {
      const { zeros } = exposedAttribute
      // Every published 0 of the relation goes, so that which of its withheld parts holds the records is
      // not told by which were chosen; a 0 pinned by other relations is freed by the cheapest move that does.
      const published = zeros.filter((cell) => !withheld[cell] && !fixed[cell])
      if (published.length > 0) {
        for (const cell of published) withheld[cell] = true
        continue
      }
      const current = new Attacker(table, withheld, meter)
      const candidates = zeros
        .filter((cell) => withheld[cell])
        .flatMap((cell) => movesFor(table, withheld, fixed, cell, current, meter))
        .sort((a, b) => moveCost(table, a) - moveCost(table, b))
      const freeing = candidates.slice(0, movesPerRound * 4).find((move) => {
        movesWeighed++
        const trial = [...withheld]
        for (const cell of move) trial[cell] = true
        const attacker = new Attacker(table, trial, meter)
        return zeros.some((cell) => trial[cell] && attacker.possiblyAboveZero(cell))
      })
      // Where even every cell that may still be withheld would free none of them (the zeros are bounded by fixed
      // cells alone), nothing is withheld for it if a fixed table told it already (`toldAlready`); otherwise the
      // table cannot be protected.
      if (!freeing && !freeable(table, withheld, fixed, zeros, meter)) {
        if (!toldAlready(exposedAttribute.of)) return null
        readingsGivenUp.add(exposedAttribute.reading)
        continue
      }
      const freed = freeing ?? candidates.flat()
      // Nothing left to withhold around them: everything that could be is.
      if (freed.length === 0) {
        if (amongFixed) return null
        readingsGivenUp.add(exposedAttribute.reading)
      }
      for (const cell of freed) withheld[cell] = true
      continue
    }
    const exposed = firstExposed(table, withheld, primary, from, meter)
    if (!exposed) return withheld
    from = exposed.cell
    const before = width(exposed.interval)
    const moves = movesFor(table, withheld, fixed, exposed.cell, exposed.attacker, meter)
    // Every cell around it is fixed or withheld already: nothing this table withholds can widen it.
    if (moves.length === 0) return null
    let best: number[] | null = null
    let bestScore = 0
    for (let round = 0; round * movesPerRound < moves.length && !best; round++) {
      for (const move of moves.slice(round * movesPerRound, (round + 1) * movesPerRound)) {
        movesWeighed++
        const trial = [...withheld]
        for (const cell of move) trial[cell] = true
        const interval = new Attacker(table, trial, meter).narrowed(exposed.cell, table.values[exposed.cell]!)
        const gained = (interval ? width(interval) : protectionWidth) - before
        if (before + gained >= protectionWidth) {
          // The cheapest move that protects the cell outright: no dearer one can do better for it.
          best = move
          break
        }
        const score = gained / moveCost(table, move)
        if (gained > 0 && score > bestScore) {
          bestScore = score
          best = move
        }
      }
    }
    if (!best) {
      // No move widens it on its own: the single cell the next step is likeliest to build on.
      const singles = moves.filter((move) => move.length === 1).map(([cell]) => cell!)
      best =
        singles.length > 0
          ? [singles.reduce((chosen, cell) => (stepping(table, cell) > stepping(table, chosen) ? cell : chosen))]
          : moves[0]!
    }
    for (const cell of best) withheld[cell] = true
  }
}
