import type { Figure } from '../../src/modules/indicators/figures.js'
import type { Dimension } from '../../src/modules/indicators/measures.js'
import { figureValue } from '../../src/modules/indicators/rules.js'

/**
 * A percentage's figures for wards W1, W2, … and their unit D, broken down by one dimension, from each ward's
 * [numerator, denominator] per code, and per ward the [numerator, denominator] of records in no cell (`outside`:
 * none by default).
 */
export function shareFigures(
  dimension: Dimension,
  codes: readonly string[],
  wards: readonly (readonly (readonly [number, number])[])[],
  outside: readonly (readonly [number, number])[] = [],
): Figure[] {
  const figure = (
    unitCode: string,
    cells: readonly (readonly [number, number])[],
    [outsideN, outsideD]: readonly [number, number] = [0, 0],
  ): Figure => {
    const numerator = cells.reduce((sum, [n]) => sum + n, 0) + outsideN
    const denominator = cells.reduce((sum, [, d]) => sum + d, 0) + outsideD
    return {
      unitCode,
      numerator,
      denominator,
      value: figureValue('percentage', numerator, denominator),
      met: null,
      breakdowns: [
        {
          dimensions: [dimension],
          cells: cells.map(([n, d], index) => ({
            key: { [dimension]: codes[index]! },
            numerator: n,
            denominator: d,
            value: figureValue('percentage', n, d),
          })),
        },
      ],
    }
  }
  const units = wards.map((cells, index) => figure(`W${index + 1}`, cells, outside[index]))
  const total = codes.map((_, index) =>
    wards.reduce<[number, number]>((sum, cells) => [sum[0] + cells[index]![0], sum[1] + cells[index]![1]], [0, 0]),
  )
  const outsideTotal = outside.reduce<[number, number]>((sum, [n, d]) => [sum[0] + n, sum[1] + d], [0, 0])
  return [...units, figure('D', total, outsideTotal)]
}
