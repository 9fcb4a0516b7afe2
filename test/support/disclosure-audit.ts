/**
 * The attacker of a published indicator table, written apart from the service's own disclosure control:
 * from everything a city system was shown (every figure and cell of the response) and every additive
 * relation among them (the wards make the unit, the cells make their figure, the wards' cells make the
 * unit's cell, finer breakdowns make coarser ones), HiGHS finds the tightest bounds on each withheld count.
 * The attacker is told how each relation's counts compare from the officers' view of the same table, the
 * strongest position a city system could reach.
 */
import { relationAmong, type Relation } from '../../src/modules/disclosure/control.js'
import { highsBounds } from './highs-attacker.js'

type Count = number | { suppressed: true } | null
interface Figure {
  unitCode: string
  numerator: Count
  denominator: Count
  breakdowns: { dimensions: string[]; cells: { key: Record<string, string>; numerator: Count; denominator: Count }[] }[]
}
export interface AuditedTable {
  indicators: { code: string; source: string; kind?: string; values: Figure[] }[]
}

const protectionWidth = 5
const keyOf = (key: Record<string, string>, dimensions: readonly string[]) =>
  dimensions.map((dimension) => `${dimension}=${key[dimension]}`).join('&')

function truthCount(count: Count): number {
  if (typeof count !== 'number') throw new Error('the officers’ view withholds nothing')
  return count
}

interface CountSystem {
  names: string[]
  published: (number | null)[]
  values: number[]
  relations: Relation[]
}

/** One side (numerators or denominators) of an indicator's response as cells, what was shown of them, and their relations. */
function sideSystem(
  indicator: AuditedTable['indicators'][number],
  actual: AuditedTable['indicators'][number],
  side: 'numerator' | 'denominator',
): CountSystem {
  const names: string[] = []
  const published: (number | null)[] = []
  const values: number[] = []
  const cellOf = new Map<string, number>()
  const add = (name: string, shown: Count, value: number) => {
    cellOf.set(name, names.length)
    names.push(name)
    published.push(typeof shown === 'number' ? shown : null)
    values.push(value)
  }
  // Every key any figure lists, per breakdown: a figure that does not list one shows it as 0 by its absence.
  const keysOf = indicator.values[0]!.breakdowns.map((breakdown, b) => {
    const keys = new Map<string, Record<string, string>>()
    for (const figure of [...indicator.values, ...actual.values]) {
      for (const cell of figure.breakdowns[b]!.cells) keys.set(keyOf(cell.key, breakdown.dimensions), cell.key)
    }
    return [...keys.values()]
  })
  indicator.values.forEach((figure, index) => {
    const real = actual.values[index]!
    add(`${figure.unitCode}`, figure[side], truthCount(real[side]))
    figure.breakdowns.forEach((breakdown, b) => {
      const cellsOf = (cells: typeof breakdown.cells) =>
        new Map(cells.map((cell) => [keyOf(cell.key, breakdown.dimensions), cell[side]]))
      const shown = cellsOf(breakdown.cells)
      const actualCells = cellsOf(real.breakdowns[b]!.cells)
      for (const key of keysOf[b]!) {
        const id = keyOf(key, breakdown.dimensions)
        add(`${figure.unitCode}/${b}/${id}`, shown.get(id) ?? 0, truthCount(actualCells.get(id) ?? 0))
      }
    })
  })
  const relations: Relation[] = []
  const relate = (total: number, parts: number[]) => relations.push(relationAmong(values, total, parts))
  const figures = indicator.values
  const unit = figures[figures.length - 1]!
  if (figures.length > 1)
    relate(
      cellOf.get(unit.unitCode)!,
      figures.slice(0, -1).map((f) => cellOf.get(f.unitCode)!),
    )
  for (const figure of figures) {
    figure.breakdowns.forEach((breakdown, b) => {
      const cells = breakdown.cells.map((cell) =>
        cellOf.get(`${figure.unitCode}/${b}/${keyOf(cell.key, breakdown.dimensions)}`)!,
      )
      relate(cellOf.get(figure.unitCode)!, cells)
      figure.breakdowns.forEach((finer, f) => {
        if (finer.dimensions.length <= breakdown.dimensions.length) return
        if (!breakdown.dimensions.every((d) => finer.dimensions.includes(d))) return
        for (const key of keysOf[b]!) {
          const parts = keysOf[f]!.filter((part) => breakdown.dimensions.every((d) => part[d] === key[d])).map((part) =>
            cellOf.get(`${figure.unitCode}/${f}/${keyOf(part, finer.dimensions)}`)!,
          )
          relate(cellOf.get(`${figure.unitCode}/${b}/${keyOf(key, breakdown.dimensions)}`)!, parts)
        }
      })
      if (figure !== unit || figures.length === 1) return
      for (const cellKey of keysOf[b]!) {
        const key = keyOf(cellKey, breakdown.dimensions)
        relate(
          cellOf.get(`${unit.unitCode}/${b}/${key}`)!,
          figures.slice(0, -1).map((ward) => cellOf.get(`${ward.unitCode}/${b}/${key}`)!),
        )
      }
    })
  }
  return { names, published, values, relations }
}

/** One unit's responses for each breakdown read side by side: each figure with all of its breakdowns at once. */
export function withEveryBreakdown<T extends AuditedTable>(tables: readonly T[]): T {
  return {
    ...tables[0]!,
    indicators: tables[0]!.indicators.map((indicator, i) => ({
      ...indicator,
      values: indicator.values.map((value, v) => ({
        ...value,
        breakdowns: tables.flatMap((each) => each.indicators[i]!.values[v]!.breakdowns),
      })),
    })),
  }
}

/**
 * Every way the city table gives away a count of 1 to 4: published, narrowed to fewer than six values, or a
 * withheld figure shown to lie wholly in one of its cells; and for a percentage, the count its numerator
 * leaves out of its denominator (47 of 48 children covered: one is not), bounded jointly from both sides.
 * Empty when the table is safe.
 */
export async function disclosures(city: AuditedTable, truth: AuditedTable): Promise<string[]> {
  const found: string[] = []
  for (const indicator of city.indicators) {
    if (indicator.source !== 'registry' && indicator.source !== 'incidents') continue
    const actual = truth.indicators.find((candidate) => candidate.code === indicator.code)!
    for (const side of ['numerator', 'denominator'] as const) {
      if (indicator.values.every((figure) => figure[side] === null)) continue
      found.push(...(await systemDisclosures(`${indicator.code} ${side}`, sideSystem(indicator, actual, side))))
    }
    if (indicator.kind === 'percentage') found.push(...(await complementDisclosures(indicator, actual)))
  }
  return found
}

/**
 * What the tables of several units for the same closing day give away read together (the city's, its district's,
 * a ward's, a group's: each with every breakdown, as `disclosures` reads one): each table's cells and relations in
 * one program, and every cell of a unit that two tables list tied to be the same count in both. Empty when they
 * are safe.
 */
export async function unitsDisclosures(tables: readonly { published: AuditedTable; truth: AuditedTable }[]) {
  const found: string[] = []
  for (const { code, source } of tables[0]!.published.indicators) {
    if (source !== 'registry' && source !== 'incidents') continue
    for (const side of ['numerator', 'denominator'] as const) {
      const joint: CountSystem = { names: [], published: [], values: [], relations: [] }
      const cellsNamed = new Map<string, number[]>()
      tables.forEach(({ published, truth }, index) => {
        const indicator = published.indicators.find((candidate) => candidate.code === code)!
        if (indicator.values.every((figure) => figure[side] === null)) return
        const system = sideSystem(
          indicator,
          truth.indicators.find((candidate) => candidate.code === code)!,
          side,
        )
        const offset = joint.names.length
        system.names.forEach((name, cell) => {
          joint.names.push(`${name} (table ${index + 1})`)
          joint.published.push(system.published[cell]!)
          joint.values.push(system.values[cell]!)
          cellsNamed.set(name, [...(cellsNamed.get(name) ?? []), offset + cell])
        })
        for (const relation of system.relations)
          joint.relations.push({
            ...relation,
            total: relation.total + offset,
            parts: relation.parts.map((part) => part + offset),
          })
      })
      for (const [first, ...others] of cellsNamed.values())
        for (const other of others) {
          // The same cell of the same unit counts the same records in every table: tied, not merely compared.
          if (joint.values[other] !== joint.values[first!])
            throw new Error(`${joint.names[first!]} and ${joint.names[other]} count different records`)
          joint.relations.push(relationAmong(joint.values, first!, [other]))
        }
      found.push(...(await systemDisclosures(`${code} ${side}`, joint)))
    }
  }
  return found
}

/**
 * What the year's tables of one unit, each published for its own closing day, give away read together: for
 * the indicators of incidents (counted from 1 January, so every count is at most its counterpart on a later
 * day), every period's numerators or denominators and their relations in one program, with each cell
 * at most the same cell of every later period (where one fell, the reader is told so), and what came in between
 * (the later count less the earlier) a count of its own, of 1 to 4 as much as any other. A table that withholds
 * every count is left out: it shows no more than a closing day never published. That a withheld total lies wholly
 * in one part is asked over the tables together, except where a later table showed the same records all in that
 * part (toldLater). Empty when they are safe.
 */
export async function periodDisclosures(
  periods: readonly { asOf: string; city: AuditedTable; truth: AuditedTable }[],
): Promise<string[]> {
  const ordered = [...periods].sort((a, b) => a.asOf.localeCompare(b.asOf))
  const found: string[] = []
  for (const indicator of ordered[0]!.city.indicators) {
    if (indicator.source !== 'incidents') continue
    for (const side of ['numerator', 'denominator'] as const) {
      if (indicator.values.every((figure) => figure[side] === null)) continue
      const joint: CountSystem = { names: [], published: [], values: [], relations: [] }
      appendSideOverYear(joint, [], ordered, indicator.code, side, 'left out')
      found.push(...(await systemDisclosures(`${indicator.code} ${side}`, joint, toldLater(joint, ordered))))
    }
  }
  return found
}

/**
 * One side of an indicator's tables over the year, appended to `joint` (and `asked`, cell for cell): each closing
 * day's cells and relations, each count at most its counterpart on every later closing day, not only the next
 * (where one fell in between, the reader is told so), and what came in between (the later count less the earlier) a
 * count of its own, of 1 to 4 as much as any other. A table that withholds every count is `left out` (it shows no
 * more than a closing day never published), or kept as `unknowns`: its counts, and what came in between it and
 * another closing day, not asked. Returns each closing day's cells by name (undefined where left out).
 */
function appendSideOverYear(
  joint: CountSystem,
  asked: boolean[],
  ordered: readonly { asOf: string; city: AuditedTable; truth: AuditedTable }[],
  code: string,
  side: 'numerator' | 'denominator',
  wholeTables: 'left out' | 'unknowns',
  label = '',
): (Map<string, number> | undefined)[] {
  const earlier: { cells: Map<string, number>; whole: boolean }[] = []
  return ordered.map((period) => {
    const own = period.city.indicators.find((candidate) => candidate.code === code)!
    const actual = period.truth.indicators.find((candidate) => candidate.code === code)!
    const system = sideSystem(own, actual, side)
    const whole = system.published.every((shown) => shown === null)
    if (whole && wholeTables === 'left out') return undefined
    const offset = joint.names.length
    const cellOf = new Map(system.names.map((name, cell) => [name, cell + offset]))
    joint.names.push(...system.names.map((name) => `${label}${period.asOf} ${name}`))
    joint.published.push(...system.published)
    joint.values.push(...system.values)
    asked.push(...system.values.map(() => !whole))
    joint.relations.push(
      ...system.relations.map((relation) => ({
        ...relation,
        total: relation.total + offset,
        parts: relation.parts.map((part) => part + offset),
      })),
    )
    for (const before of earlier) {
      for (const [name, cell] of before.cells) {
        const later = cellOf.get(name)
        if (later === undefined) continue
        if (joint.values[later]! < joint.values[cell]!) {
          // Where a count fell, the reader is told so.
          joint.relations.push(relationAmong(joint.values, later, [cell]))
          continue
        }
        // The reader knows that counts only grow, not by how much.
        const flow = joint.names.length
        joint.names.push(`${joint.names[cell]} to ${period.asOf}`)
        joint.published.push(null)
        joint.values.push(joint.values[later]! - joint.values[cell]!)
        asked.push(!whole && !before.whole)
        joint.relations.push({
          total: later,
          parts: [cell, flow],
          sum: '=',
          partsWithinTotal: true,
          readByParts: false,
        })
      }
    }
    earlier.push({ cells: cellOf, whole })
    return cellOf
  })
}

/**
 * What a percentage of incidents gives away over the year with its two sides read together: every closing
 * day's numerators and denominators in one program (appendSideOverYear) and each numerator at most its
 * denominator on its day. A side's table withheld whole is read as unknowns: its counts, and what came in between
 * it and another closing day, are not asked, as periodDisclosures leaves such a table out. Empty when they are safe.
 */
export async function percentageDisclosures(
  periods: readonly { asOf: string; city: AuditedTable; truth: AuditedTable }[],
): Promise<string[]> {
  const ordered = [...periods].sort((a, b) => a.asOf.localeCompare(b.asOf))
  const found: string[] = []
  for (const indicator of ordered[0]!.city.indicators) {
    if (indicator.source !== 'incidents' || indicator.kind !== 'percentage') continue
    const joint: CountSystem = { names: [], published: [], values: [], relations: [] }
    const asked: boolean[] = []
    const [numerators, denominators] = (['numerator', 'denominator'] as const).map((side) =>
      appendSideOverYear(joint, asked, ordered, indicator.code, side, 'unknowns', `${side} `),
    )
    // The reader knows each numerator is at most its denominator, not by how much.
    numerators!.forEach((cells, index) => {
      for (const [name, numerator] of cells!) {
        joint.relations.push({
          total: denominators![index]!.get(name)!,
          parts: [numerator],
          sum: '>=',
          partsWithinTotal: false,
          readByParts: false,
        })
      }
    })
    found.push(...(await systemDisclosures(indicator.code, joint, false, (cell) => asked[cell]!)))
  }
  return found
}

/**
 * Whether a later table of the joint system told of a withheld total's records that they lie wholly in `part`:
 * it shows the same total (as many records or more) and every other part as 0, and holds as many in that part or
 * more. The service asks the same of tables already published only (toldBefore), a stricter test.
 */
function toldLater(
  joint: CountSystem,
  periods: readonly { asOf: string }[],
): (relation: Relation, part: number) => boolean {
  const cellOf = new Map(joint.names.map((name, cell) => [name, cell]))
  return (relation, part) => {
    const [asOf] = joint.names[relation.total]!.split(' ', 1)
    return periods.some((later) => {
      if (later.asOf <= asOf!) return false
      const there = (cell: number) => cellOf.get(later.asOf + joint.names[cell]!.slice(asOf!.length))
      const shown = (cell: number) => {
        const counterpart = there(cell)
        return counterpart === undefined ? null : joint.published[counterpart]!
      }
      const total = shown(relation.total)
      // The part that holds them is the total less the zeros shown: whether shown or not, it is told.
      const holding = there(part)
      return (
        total !== null &&
        total >= joint.values[relation.total]! &&
        holding !== undefined &&
        joint.values[holding]! >= joint.values[part]! &&
        relation.parts.every((other) => other === part || shown(other) === 0)
      )
    })
  }
}

/**
 * Every count of 1 to 4 of a system that is published or narrowed to fewer than six values, and every
 * withheld total shown to lie wholly in one of its parts (`attributes`; as a function, except where it says a
 * table told so already).
 */
async function systemDisclosures(
  label: string,
  system: CountSystem,
  attributes: boolean | ((relation: Relation, part: number) => boolean) = true,
  asked: (cell: number) => boolean = () => true,
): Promise<string[]> {
  const { names, published, values, relations } = system
  const found: string[] = []
  const small = (cell: number) => values[cell]! >= 1 && values[cell]! <= 4 && asked(cell)
  // Bounds are asked of the withheld counts of 1 to 4 and of the parts of a withheld total, below.
  const wanted = new Set(values.flatMap((_, cell) => (small(cell) ? [cell] : [])))
  const readable = (relation: Relation) =>
    attributes !== false && relation.sum !== '>=' && relation.readByParts !== false
  for (const relation of relations)
    if (readable(relation) && published[relation.total] === null && values[relation.total]! !== 0)
      for (const part of relation.parts) wanted.add(part)
  const bounds = await highsBounds(published, relations, wanted)
  values.forEach((value, cell) => {
    if (!small(cell)) return
    const where = `${label} ${names[cell]} (${value})`
    if (published[cell] !== null) {
      found.push(`${where}: published`)
      return
    }
    const interval = bounds.get(cell)!
    if (interval.high - interval.low < protectionWidth) {
      found.push(`${where}: narrowed to ${interval.low}–${interval.high}`)
    }
  })
  // Parts the attacker knows hold nothing: published as 0, or withheld yet bounded to 0.
  const knownZero = (cell: number) =>
    published[cell] === 0 || (published[cell] === null && bounds.get(cell)!.high === 0)
  for (const relation of relations) {
    if (!readable(relation) || published[relation.total] !== null || values[relation.total]! === 0) continue
    const possible = relation.parts.filter((part) => !knownZero(part))
    if (typeof attributes === 'function' && possible.length === 1 && attributes(relation, possible[0]!)) continue
    if (relation.parts.length > 1 && possible.length === 1 && published[possible[0]!] === null) {
      found.push(`${label} ${names[relation.total]}: all of it lies in ${names[possible[0]!]}`)
    }
  }
  return found
}

/**
 * The counts a percentage's numerator leaves out of its denominator, cell by cell (den = num + rest), as
 * variables of one program over both sides' relations: each rest of 1 to 4 must not be published (both
 * sides shown) nor narrowed to fewer than six values, and no withheld numerator or denominator of 1 to 4
 * either, with what the other side tells of it.
 */
async function complementDisclosures(
  indicator: AuditedTable['indicators'][number],
  actual: AuditedTable['indicators'][number],
): Promise<string[]> {
  const numerators = sideSystem(indicator, actual, 'numerator')
  const denominators = sideSystem(indicator, actual, 'denominator')
  const offset = numerators.values.length
  const cells = numerators.values.length
  const published = [...numerators.published, ...denominators.published, ...numerators.values.map(() => null)]
  const values = [
    ...numerators.values,
    ...denominators.values,
    ...numerators.values.map((value, cell) => denominators.values[cell]! - value),
  ]
  const relations: Relation[] = [
    ...numerators.relations,
    ...denominators.relations.map((relation) => ({
      ...relation,
      total: relation.total + offset,
      parts: relation.parts.map((part) => part + offset),
    })),
  ]
  for (let cell = 0; cell < cells; cell++)
    relations.push(relationAmong(values, cell + offset, [cell, cell + 2 * offset]))
  // The rests add up as the counts do, as far as their values bear out (where records count in no cell, a
  // figure's rest is at least its cells').
  for (const relation of numerators.relations)
    relations.push(
      relationAmong(
        values,
        relation.total + 2 * offset,
        relation.parts.map((part) => part + 2 * offset),
      ),
    )
  // Every withheld count of 1 to 4, a numerator or a denominator as much as a rest: each side is bounded
  // by the other too (a ward at 100% has each numerator cell equal to its denominator cell).
  const withheldOfOneToFour = new Set(
    values.flatMap((value, cell) => (published[cell] === null && value >= 1 && value <= 4 ? [cell] : [])),
  )
  const bounds = await highsBounds(published, relations, withheldOfOneToFour)
  const found: string[] = []
  for (let cell = 0; cell < 2 * offset; cell++) {
    const value = values[cell]!
    if (published[cell] !== null || value < 1 || value > 4) continue
    const interval = bounds.get(cell)!
    const [side, index] = cell < offset ? ['numerator', cell] : ['denominator', cell - offset]
    if (interval.high - interval.low < protectionWidth)
      found.push(
        `${indicator.code} ${side} ${numerators.names[index]} (${value}), with the other side: narrowed to ${interval.low}–${interval.high}`,
      )
  }
  for (let cell = 0; cell < cells; cell++) {
    const rest = values[cell + 2 * offset]!
    if (rest < 1 || rest > 4) continue
    const interval = bounds.get(cell + 2 * offset)!
    if (interval.high - interval.low < protectionWidth)
      found.push(
        `${indicator.code} left out of ${numerators.names[cell]} (${rest}): narrowed to ${interval.low}–${interval.high}`,
      )
  }
  return found
}
