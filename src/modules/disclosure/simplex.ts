/**
 * A small linear program solver: maximise c·x subject to rows a·x (≤ | = | ≥) b and x ≥ 0, by the
 * two-phase simplex method on a dense tableau with Bland's rule (no cycling). Disclosure control solves
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

export type Solution = { status: 'optimal'; value: number } | { status: 'unbounded' } | { status: 'infeasible' }

const epsilon = 1e-9

/** The tableau: `rows` constraint rows then the objective row, each `width` wide with the right-hand side last. */
class Tableau {
  readonly cells: Float64Array[]
  readonly basis: number[]

  constructor(
    rowCount: number,
    readonly width: number,
  ) {
    this.cells = Array.from({ length: rowCount + 1 }, () => new Float64Array(width))
    this.basis = new Array<number>(rowCount).fill(-1)
  }

  copy(): Tableau {
    const copy = new Tableau(this.basis.length, this.width)
    this.cells.forEach((cells, row) => copy.cells[row]!.set(cells))
    copy.basis.splice(0, copy.basis.length, ...this.basis)
    return copy
  }

  get objective(): Float64Array {
    return this.cells[this.cells.length - 1]!
  }

  get rhs(): number {
    return this.width - 1
  }

  pivot(row: number, column: number): void {
    const pivotRow = this.cells[row]!
    const factor = pivotRow[column]!
    for (let j = 0; j < this.width; j++) pivotRow[j]! /= factor
    for (let i = 0; i < this.cells.length; i++) {
      if (i === row) continue
      const target = this.cells[i]!
      const multiple = target[column]!
      if (Math.abs(multiple) < epsilon) continue
      for (let j = 0; j < this.width; j++) target[j]! -= multiple * pivotRow[j]!
    }
    this.basis[row] = column
  }

  /** Makes the objective row's entries of basic columns zero. */
  priceOut(): void {
    const objective = this.objective
    this.basis.forEach((column, row) => {
      const multiple = objective[column]!
      if (Math.abs(multiple) < epsilon) return
      const source = this.cells[row]!
      for (let j = 0; j < this.width; j++) objective[j]! -= multiple * source[j]!
    })
  }

  /** Pivots until optimal over `columns` (Bland's rule); false when the objective is unbounded. */
  optimise(columns: number): boolean {
    const objective = this.objective
    for (;;) {
      let entering = -1
      for (let j = 0; j < columns; j++) {
        if (objective[j]! < -epsilon) {
          entering = j
          break
        }
      }
      if (entering === -1) return true
      let leaving = -1
      let best = Infinity
      for (let i = 0; i < this.basis.length; i++) {
        const coefficient = this.cells[i]![entering]!
        if (coefficient <= epsilon) continue
        const ratio = this.cells[i]![this.rhs]! / coefficient
        if (ratio < best - epsilon || (Math.abs(ratio - best) <= epsilon && this.basis[i]! < this.basis[leaving]!)) {
          best = ratio
          leaving = i
        }
      }
      if (leaving === -1) return false
      this.pivot(leaving, entering)
    }
  }
}

/**
 * The feasible region of rows over non-negative variables, with a feasible basis found once (phase one),
 * from which any number of objectives are then optimised (phase two on a copy): bounding each of a table's
 * withheld cells from above and below shares the one phase one.
 */
export class Polytope {
  private constructor(
    private readonly tableau: Tableau,
    private readonly columns: number,
  ) {}

  /** The region, or null when no point satisfies the rows. */
  static of(variables: number, rows: readonly Row[]): Polytope | null {
    // Right-hand sides made non-negative, so the slack or artificial of each row starts feasible.
    const normal = rows.map((row) =>
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
    const tableau = new Tableau(normal.length, width)
    let slack = variables
    let artificial = firstArtificial
    normal.forEach((row, index) => {
      const cells = tableau.cells[index]!
      for (const [variable, value] of row.terms) cells[variable] = value
      cells[tableau.rhs] = row.rhs
      if (row.sense === '<=') {
        cells[slack] = 1
        tableau.basis[index] = slack++
      } else {
        if (row.sense === '>=') cells[slack++] = -1
        cells[artificial] = 1
        tableau.basis[index] = artificial++
      }
    })
    if (artificialCount > 0) {
      // Phase one: drive the artificials to zero (maximise their negated sum).
      const objectiveRow = tableau.objective
      for (let j = firstArtificial; j < width - 1; j++) objectiveRow[j] = 1
      tableau.priceOut()
      tableau.optimise(width - 1)
      if (tableau.objective[tableau.rhs]! < -1e-7) return null
      // Artificials left in the basis at zero leave it for any real column of their row; a row with none is redundant.
      for (let row = 0; row < tableau.basis.length; row++) {
        if (tableau.basis[row]! < firstArtificial) continue
        const cells = tableau.cells[row]!
        let column = -1
        for (let j = 0; j < firstArtificial; j++) {
          if (Math.abs(cells[j]!) > epsilon) {
            column = j
            break
          }
        }
        if (column !== -1) tableau.pivot(row, column)
        else cells.fill(0)
      }
      tableau.objective.fill(0)
      // Artificial columns may not enter again.
      for (const cells of tableau.cells) cells.fill(0, firstArtificial, width - 1)
    }
    return new Polytope(tableau, firstArtificial)
  }

  /** Maximises `objective` (coefficient per variable index) over the region: phase two on a copy of its basis. */
  maximise(objective: ReadonlyMap<number, number>): Exclude<Solution, { status: 'infeasible' }> {
    const tableau = this.tableau.copy()
    const objectiveRow = tableau.objective
    for (const [variable, value] of objective) objectiveRow[variable] = -value
    // A redundant row (cleared in phase one) keeps its artificial in the basis; its zero cells price nothing.
    tableau.priceOut()
    if (!tableau.optimise(this.columns)) return { status: 'unbounded' }
    return { status: 'optimal', value: tableau.objective[tableau.rhs]! }
  }
}

/** Maximises `objective` (coefficient per variable index) over `variables` non-negative variables. */
export function maximise(variables: number, objective: ReadonlyMap<number, number>, rows: readonly Row[]): Solution {
  return Polytope.of(variables, rows)?.maximise(objective) ?? { status: 'infeasible' }
}
