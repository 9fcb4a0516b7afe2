/**
 * A small linear program solver: maximise c·x subject to rows a·x (≤ | = | ≥) b and x ≥ 0, by the
 * simplex method on a dense tableau with Bland's rule (no cycling), its first feasible basis built from a known
 * point of the region where one is given, by phase one otherwise. Disclosure control solves
 * hundreds of these per table, each a few dozen cells wide: at that size a dense tableau in plain
 * JavaScript answers in microseconds, where a general solver's set-up alone costs milliseconds.
 * The tests check it against HiGHS on random tables.
 */

export type Sense = '<=' | '=' | '>='

export interface Row {
  /** Coefficient per variable index (absent: 0). */
  terms: ReadonlyMap<number, number>
  sense: Sense
  rhs: number
}

/** `reached`: the program stopped once its objective reached what was asked (`enough`), at `value` or more. */
export type Solution =
  { status: 'optimal' | 'reached'; value: number } | { status: 'unbounded' } | { status: 'infeasible' }

const epsilon = 1e-9

/** Thrown where a program's work would pass its meter's limit: the caller gives up what it was solving for. */
export class WorkLimitReached extends Error {
  override readonly name = 'WorkLimitReached'

  constructor() {
    super('the linear programs reached their work limit')
  }
}

/**
 * The work of a search, counted in entries of the tableaux its linear programs build, copy and update in pivots (the
 * cost that grows with a program's size and with the number of programs alike), and in the steps its callers charge
 * for their own work, up to a limit: the charge that passes it throws WorkLimitReached. Counted, not timed, so the
 * same table gives up at the same point on any machine and under any load, and what a reader is shown does not
 * depend on how busy the server was.
 */
export class WorkMeter {
  private spent = 0

  constructor(private readonly limit: number) {}

  get used(): number {
    return this.spent
  }

  charge(entries: number): void {
    this.spent += entries
    if (this.spent > this.limit) throw new WorkLimitReached()
  }
}

/**
 * The tableau: `rows` constraint rows then the objective row, each `width` wide with the right-hand side last,
 * in one array (a copy is one block move). Pivots touch only the pivot row's non-zero columns: the rows of
 * additive relations start with a handful of non-zeros and mostly stay sparse, so a pivot costs rows × those, not
 * rows × width.
 */
class Tableau {
  readonly cells: Float64Array
  readonly basis: Int32Array
  /** The pivot row's non-zero columns, reused by every pivot. */
  private readonly nonZero: Int32Array

  constructor(
    readonly rows: number,
    readonly width: number,
    private readonly meter: WorkMeter | null = null,
  ) {
    // Charged before it is allocated: a tableau too large for what is left is never built.
    meter?.charge((rows + 1) * width)
    this.cells = new Float64Array((rows + 1) * width)
    this.basis = new Int32Array(rows).fill(-1)
    this.nonZero = new Int32Array(width)
  }

  /** Makes this tableau `source`'s equal (of the same shape). */
  copyFrom(source: Tableau): void {
    this.meter?.charge(this.cells.length)
    this.cells.set(source.cells)
    this.basis.set(source.basis)
  }

  get rhs(): number {
    return this.width - 1
  }

  /** Where the objective row starts in `cells`. */
  get objective(): number {
    return this.rows * this.width
  }

  pivot(row: number, column: number): void {
    const { cells, width, nonZero } = this
    const start = row * width
    const factor = cells[start + column]!
    let count = 0
    for (let j = 0; j < width; j++) {
      const value = cells[start + j]!
      if (value === 0) continue
      cells[start + j] = value / factor
      nonZero[count++] = j
    }
    this.meter?.charge(count * this.rows)
    for (let i = 0; i <= this.rows; i++) {
      if (i === row) continue
      const target = i * width
      const multiple = cells[target + column]!
      if (Math.abs(multiple) < epsilon) continue
      for (let k = 0; k < count; k++) {
        const j = nonZero[k]!
        cells[target + j]! -= multiple * cells[start + j]!
      }
    }
    this.basis[row] = column
  }

  /** Makes the objective row's entries of basic columns zero. */
  priceOut(): void {
    const { cells, width } = this
    const objective = this.objective
    for (let row = 0; row < this.rows; row++) {
      const multiple = cells[objective + this.basis[row]!]!
      if (Math.abs(multiple) < epsilon) continue
      const source = row * width
      for (let j = 0; j < width; j++) cells[objective + j]! -= multiple * cells[source + j]!
    }
  }

  /** The objective's value at the current basis. */
  get value(): number {
    return this.cells[this.objective + this.rhs]!
  }

  /**
   * Pivots until optimal over `columns` (Bland's rule), until the objective reaches `enough`, or until it is
   * found unbounded. Each pivot leaves the objective where it was or raises it.
   */
  optimise(columns: number, enough = Infinity): 'optimal' | 'reached' | 'unbounded' {
    const { cells, width } = this
    const objective = this.objective
    const rhs = this.rhs
    for (;;) {
      if (this.value >= enough) return 'reached'
      let entering = -1
      for (let j = 0; j < columns; j++) {
        if (cells[objective + j]! < -epsilon) {
          entering = j
          break
        }
      }
      if (entering === -1) return 'optimal'
      let leaving = -1
      let best = Infinity
      for (let i = 0; i < this.rows; i++) {
        const coefficient = cells[i * width + entering]!
        if (coefficient <= epsilon) continue
        const ratio = cells[i * width + rhs]! / coefficient
        if (ratio < best - epsilon || (Math.abs(ratio - best) <= epsilon && this.basis[i]! < this.basis[leaving]!)) {
          best = ratio
          leaving = i
        }
      }
      if (leaving === -1) return 'unbounded'
      this.pivot(leaving, entering)
    }
  }
}

/**
 * Makes `tableau` (as built, its slacks and artificials basic) a feasible basis of the region through `known`, one of
 * its points, without phase one: each variable positive at the point enters the basis in place of one that is not; one
 * that cannot (its column a combination of positive basic ones) moves the point along that combination until it or
 * one of them reaches 0, and takes that one's place if it is not itself the one. Once every positive variable is basic,
 * the basis's solution is the point. False where the basis is not feasible (a point outside the region, or
 * rounding): phase one then runs.
 * On a year of a percentage's tables (963 withheld counts) phase one took 6,262 pivots; this takes one per variable.
 */
function crashFrom(
  tableau: Tableau,
  rows: readonly Row[],
  variables: number,
  firstArtificial: number,
  known: ArrayLike<number>,
): boolean {
  const { cells, width, rhs } = tableau
  const tolerance = 1e-9
  // The point over the real columns: the variables, then each inequality's slack.
  const point = new Float64Array(firstArtificial)
  for (let variable = 0; variable < variables; variable++) point[variable] = known[variable]!
  let slack = variables
  for (const row of rows) {
    if (row.sense === '=') continue
    let sum = 0
    for (const [variable, value] of row.terms) sum += value * point[variable]!
    point[slack++] = row.sense === '<=' ? row.rhs - sum : sum - row.rhs
  }
  if (point.some((value) => value < -tolerance)) return false
  const rowOf = new Int32Array(width).fill(-1)
  for (let row = 0; row < tableau.rows; row++) rowOf[tableau.basis[row]!] = row
  const positive = (column: number) => column < firstArtificial && point[column]! > tolerance
  /** The row whose basic variable is 0 at the point with the largest entry in `column`, or -1. */
  const freeRow = (column: number) => {
    let found = -1
    for (let row = 0; row < tableau.rows; row++) {
      const entry = Math.abs(cells[row * width + column]!)
      if (entry <= 1e-7 || positive(tableau.basis[row]!)) continue
      if (found === -1 || entry > Math.abs(cells[found * width + column]!)) found = row
    }
    return found
  }
  /**
   * Lowers `column` along its combination of positive basic variables (each raised by step × its entry) until it
   * or the first of them reaches 0: that one's row, or -1 where it is the column itself.
   */
  const stepDown = (column: number) => {
    let step = point[column]!
    let leaving = -1
    for (let row = 0; row < tableau.rows; row++) {
      const entry = cells[row * width + column]!
      if (entry < -1e-7 && point[tableau.basis[row]!]! / -entry < step) {
        step = point[tableau.basis[row]!]! / -entry
        leaving = row
      }
    }
    point[column]! -= step
    for (let row = 0; row < tableau.rows; row++) {
      const basic = tableau.basis[row]!
      if (basic < firstArtificial) point[basic]! += step * cells[row * width + column]!
    }
    if (leaving === -1) point[column] = 0
    else point[tableau.basis[leaving]!] = 0
    return leaving
  }
  for (let column = 0; column < firstArtificial; column++) {
    while (positive(column) && rowOf[column] === -1) {
      const free = freeRow(column)
      const pivotRow = free === -1 ? stepDown(column) : free
      if (pivotRow === -1) break
      rowOf[tableau.basis[pivotRow]!] = -1
      tableau.pivot(pivotRow, column)
      rowOf[column] = pivotRow
    }
  }
  // The basis's solution is the point now, up to rounding: a feasible basis, each artificial still in it at 0. Those
  // within rounding of 0 are set to it, so that pivoting them out later moves nothing.
  for (let row = 0; row < tableau.rows; row++) {
    const value = cells[row * width + rhs]!
    const artificial = tableau.basis[row]! >= firstArtificial
    if (!(value >= -tolerance) || (artificial && value > 1e-6)) return false
    if (value < 0 || artificial) cells[row * width + rhs] = 0
  }
  return true
}

/**
 * The feasible region of rows over non-negative variables, with a feasible basis found once (from a known point
 * or by phase one), from which any number of objectives are then optimised (phase two on a copy): bounding each of
 * a table's withheld cells from above and below shares the one basis.
 */
export class Polytope {
  /** Where each objective is optimised, from a copy of the feasible basis: allocated once, not per objective. */
  private readonly work: Tableau

  private constructor(
    private readonly tableau: Tableau,
    private readonly columns: number,
    private readonly variables: number,
    meter: WorkMeter | null,
  ) {
    this.work = new Tableau(tableau.rows, tableau.width, meter)
  }

  /**
   * The region, or null when no point satisfies the rows. With `known`, a point of the region (the counts as they
   * are), from which the first feasible basis is found directly (crashFrom) rather than by phase one. With `meter`,
   * every pivot, in finding the region and in each objective after, is charged to it (WorkMeter).
   */
  static of(
    variables: number,
    rows: readonly Row[],
    known?: ArrayLike<number>,
    meter: WorkMeter | null = null,
  ): Polytope | null {
    // Right-hand sides made non-negative, so the slack or artificial of each row starts feasible.
    const normal = rows.map((row): Row =>
      row.rhs < 0
        ? {
            terms: new Map([...row.terms].map(([index, value]) => [index, -value])),
            sense: row.sense === '<=' ? '>=' : row.sense === '>=' ? '<=' : '=',
            rhs: -row.rhs,
          }
        : row,
    )
    const slackCount = normal.filter((row) => row.sense !== '=').length
    const artificialCount = normal.filter((row) => row.sense !== '<=').length
    const firstArtificial = variables + slackCount
    const width = firstArtificial + artificialCount + 1
    /** The rows with their slacks, surpluses and artificials, each row's slack or artificial basic. */
    const initial = () => {
      const built = new Tableau(normal.length, width, meter)
      let slack = variables
      let artificial = firstArtificial
      normal.forEach((row, index) => {
        const start = index * width
        for (const [variable, value] of row.terms) built.cells[start + variable] = value
        built.cells[start + built.rhs] = row.rhs
        if (row.sense === '<=') {
          built.cells[start + slack] = 1
          built.basis[index] = slack++
        } else {
          if (row.sense === '>=') built.cells[start + slack++] = -1
          built.cells[start + artificial] = 1
          built.basis[index] = artificial++
        }
      })
      return built
    }
    let tableau = initial()
    if (artificialCount === 0) return new Polytope(tableau, firstArtificial, variables, meter)
    if (!known || !crashFrom(tableau, normal, variables, firstArtificial, known)) {
      if (known) tableau = initial()
      // Phase one: drive the artificials to zero (maximise their negated sum).
      tableau.cells.fill(1, tableau.objective + firstArtificial, tableau.objective + width - 1)
      tableau.priceOut()
      tableau.optimise(width - 1)
      if (tableau.value < -1e-7) return null
    }
    // Artificials left in the basis at zero leave it for any real column of their row; a row with none is redundant.
    const kept: number[] = []
    for (let row = 0; row < tableau.rows; row++) {
      if (tableau.basis[row]! >= firstArtificial) {
        const start = row * width
        let column = -1
        for (let j = 0; j < firstArtificial; j++) {
          if (Math.abs(tableau.cells[start + j]!) > epsilon) {
            column = j
            break
          }
        }
        if (column === -1) continue
        tableau.pivot(row, column)
      }
      kept.push(row)
    }
    // Phase two's tableau: the rows kept, without the artificial columns (they may not enter again).
    const region = new Tableau(kept.length, firstArtificial + 1, meter)
    kept.forEach((row, index) => {
      const from = row * width
      const to = index * region.width
      region.cells.set(tableau.cells.subarray(from, from + firstArtificial), to)
      region.cells[to + region.rhs] = tableau.cells[from + tableau.rhs]!
      region.basis[index] = tableau.basis[row]!
    })
    return new Polytope(region, firstArtificial, variables, meter)
  }

  /**
   * Maximises `objective` (coefficient per variable index) over the region: phase two on a copy of its basis.
   * With `enough`, it stops as soon as the objective reaches it (`reached`, with a value of `enough` or more, not
   * necessarily the maximum, and perhaps where the objective is unbounded): whether a cell can reach a value does
   * not need how far past it it can go.
   */
  maximise(objective: ReadonlyMap<number, number>, enough = Infinity): Exclude<Solution, { status: 'infeasible' }> {
    const tableau = this.work
    tableau.copyFrom(this.tableau)
    for (const [variable, value] of objective) tableau.cells[tableau.objective + variable] = -value
    tableau.priceOut()
    const status = tableau.optimise(this.columns, enough)
    return status === 'unbounded' ? { status } : { status, value: tableau.value }
  }

  /**
   * The point where the last objective stopped (optimal, reached or found unbounded: a vertex of the region in every
   * case), given variable by variable: its basic variables at their values (the others are at 0).
   */
  visitLastPoint(visit: (variable: number, value: number) => void): void {
    const { work, variables } = this
    for (let row = 0; row < work.rows; row++) {
      const variable = work.basis[row]!
      if (variable < variables) visit(variable, work.cells[row * work.width + work.rhs]!)
    }
  }
}

/**
 * Maximises `objective` (coefficient per variable index) over `variables` non-negative variables (`enough`: as
 * Polytope.maximise).
 */
export function maximise(
  variables: number,
  objective: ReadonlyMap<number, number>,
  rows: readonly Row[],
  enough = Infinity,
): Solution {
  return Polytope.of(variables, rows)?.maximise(objective, enough) ?? { status: 'infeasible' }
}
