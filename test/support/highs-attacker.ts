/**
 * An attacker independent of the service's own solver: HiGHS (compiled to WebAssembly) finds the tightest
 * bounds on each withheld count from the published counts and the relations among them.
 */
import * as highsPackage from 'highs'
import type { Highs } from 'highs'
import type { Relation } from '../../src/modules/disclosure/control.js'

/** Each cell published as its count or withheld (null). */
export type PublishedCells = readonly (number | null)[]

let solver: Highs | undefined

/** The package is CommonJS to the type checker and ECMAScript to Node: its loader is found either way. */
async function highs(): Promise<Highs> {
  const exported = highsPackage.default as unknown
  const load = (
    typeof exported === 'function' ? exported : (exported as { default: unknown }).default
  ) as () => Promise<Highs>
  solver ??= await load()
  return solver
}

function program(cells: PublishedCells, relations: readonly Relation[], objective: string): string {
  const name = (cell: number) => `c${cell}`
  const term = (cell: number, sign: 1 | -1) => {
    const value = cells[cell]
    return value === null
      ? { variable: `${sign < 0 ? '-' : '+'} ${name(cell)}`, constant: 0 }
      : { variable: '', constant: sign * value! }
  }
  const lines: string[] = []
  const add = (terms: { cell: number; sign: 1 | -1 }[], sense: Relation['sum']) => {
    const parts = terms.map(({ cell, sign }) => term(cell, sign))
    const variables = parts.map((part) => part.variable).filter(Boolean)
    if (variables.length === 0) return
    const constant = parts.reduce((sum, part) => sum + part.constant, 0)
    lines.push(` r${lines.length}: ${variables.join(' ')} ${sense} ${-constant}`)
  }
  for (const relation of relations) {
    const parts = relation.parts.map((cell) => ({ cell, sign: -1 as const }))
    add([{ cell: relation.total, sign: 1 }, ...parts], relation.sum)
    if (relation.sum !== '=' && relation.partsWithinTotal) {
      for (const part of relation.parts)
        add(
          [
            { cell: part, sign: 1 },
            { cell: relation.total, sign: -1 },
          ],
          '<=',
        )
    }
  }
  const withheld = cells.flatMap((value, cell) => (value === null ? [name(cell)] : []))
  return [
    objective,
    'Subject To',
    ...(lines.length > 0 ? lines : [` r0: ${withheld[0]} >= 0`]),
    'Bounds',
    ...withheld.map((variable) => ` ${variable} >= 0`),
    'End',
  ].join('\n')
}

/**
 * For each withheld cell (or each of `wanted`, when given: two programs are solved per cell, and an audit
 * asks about few of them), the whole-number interval HiGHS pins it to (high Infinity when unbounded).
 */
export async function highsBounds(
  cells: PublishedCells,
  relations: readonly Relation[],
  wanted?: ReadonlySet<number>,
): Promise<Map<number, { low: number; high: number }>> {
  const solverInstance = await highs()
  const bounds = new Map<number, { low: number; high: number }>()
  for (let cell = 0; cell < cells.length; cell++) {
    if (cells[cell] !== null || (wanted !== undefined && !wanted.has(cell))) continue
    const solve = (sense: 'Maximize' | 'Minimize') => {
      // Without presolve: HiGHS's presolve reports some unbounded programs as infeasible.
      const result = solverInstance.solve(program(cells, relations, `${sense}\n obj: c${cell}`), { presolve: 'off' })
      if (result.Status === 'Unbounded') return sense === 'Maximize' ? Infinity : 0
      if (result.Status !== 'Optimal') throw new Error(`HiGHS: ${result.Status}`)
      return result.ObjectiveValue
    }
    bounds.set(cell, {
      low: Math.max(0, Math.ceil(solve('Minimize') - 1e-6)),
      high: Math.floor(solve('Maximize') + 1e-6),
    })
  }
  return bounds
}
