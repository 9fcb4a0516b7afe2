import fc from 'fast-check'
import t from 'tap'
import type { Figure } from '../../../src/modules/indicators/figures.js'
import { publishFigures, type PublicationMeta } from '../../../src/modules/indicators/publication.js'
import { figureValue } from '../../../src/modules/indicators/rules.js'
import { disclosures, type AuditedTable } from '../../support/disclosure-audit.js'

const sexes = ['male', 'female', 'unknown'] as const
const percentage: PublicationMeta = { kind: 'percentage', source: 'registry', hasDenominator: true }

/** A percentage's figures for wards and their unit, by sex, from each ward's [numerator, denominator] per sex. */
function figuresOf(wards: readonly (readonly [number, number])[][]): Figure[] {
  const figure = (unitCode: string, cells: readonly (readonly [number, number])[]): Figure => {
    const numerator = cells.reduce((sum, [n]) => sum + n, 0)
    const denominator = cells.reduce((sum, [, d]) => sum + d, 0)
    return {
      unitCode,
      numerator,
      denominator,
      value: figureValue('percentage', numerator, denominator),
      met: null,
      breakdowns: [
        {
          dimensions: ['sex'],
          cells: cells.map(([n, d], index) => ({
            key: { sex: sexes[index]! },
            numerator: n,
            denominator: d,
            value: figureValue('percentage', n, d),
          })),
        },
      ],
    }
  }
  const units = wards.map((cells, index) => figure(`W${index + 1}`, cells))
  const total = sexes.map((_, index) =>
    wards.reduce<[number, number]>((sum, cells) => [sum[0] + cells[index]![0], sum[1] + cells[index]![1]], [0, 0]),
  )
  return [...units, figure('D', total)]
}

const asTable = (values: AuditedTable['indicators'][number]['values']): AuditedTable => ({
  indicators: [{ code: 'P', source: 'registry', kind: 'percentage', values }],
})

t.test('a percentage of 47 out of 48 withholds both counts: the one child left out is a count of 1', async (t) => {
  const figures = figuresOf([
    [
      [20, 20],
      [27, 28],
      [0, 0],
    ],
    [
      [30, 40],
      [25, 30],
      [0, 0],
    ],
  ])
  const published = publishFigures(percentage, figures, true)
  const ward = published[0]!
  t.same(
    [ward.numerator, ward.denominator, ward.value],
    [{ suppressed: true }, { suppressed: true }, { suppressed: true }],
  )
  t.same(await disclosures(asTable(published), asTable(figures)), [])
  const before = publishFigures({ ...percentage, kind: 'count' }, figures, true)[0]!
  t.equal(before.numerator, 47, 'a count indicator has no complement to protect')
})

t.test('random worlds: what a percentage leaves out is never narrowed below the protection width', async (t) => {
  const count = fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 5, max: 40 }))
  // A numerator at most its denominator, often just below it: the case that gives the complement away.
  const cell = count.chain((denominator) =>
    fc
      .oneof(fc.integer({ min: 0, max: Math.min(4, denominator) }), fc.integer({ min: 0, max: denominator }))
      .map((left) => [denominator - left, denominator] as const),
  )
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.array(cell, { minLength: 3, maxLength: 3 }), { minLength: 2, maxLength: 5 }),
      async (wards) => {
        const figures = figuresOf(wards)
        const found = await disclosures(asTable(publishFigures(percentage, figures, true)), asTable(figures))
        if (found.length > 0) throw new Error(found.join('; '))
      },
    ),
    { numRuns: 60, seed: 20261205 },
  )
  t.pass('no world gave a left-out count away')
})

t.test('the test attacker bounds a numerator by its denominator', async (t) => {
  // Ward 1's 3 children covered out of 3, ward 2's 5 out of 9: the numerators are withheld and the
  // district's 8 published. From the numerators alone ward 1's lies anywhere in 0–8, but it is at most its
  // published denominator of 3.
  const figure = (unitCode: string, numerator: number | { suppressed: true }, denominator: number) => ({
    unitCode,
    numerator,
    denominator,
    breakdowns: [],
  })
  const withheld = { suppressed: true } as const
  const shown = asTable([figure('W1', withheld, 3), figure('W2', withheld, 9), figure('D', 8, 12)])
  const truth = asTable([figure('W1', 3, 3), figure('W2', 5, 9), figure('D', 8, 12)])
  const found = await disclosures(shown, truth)
  t.ok(
    found.includes('P numerator W1 (3), with the other side: narrowed to 0–3'),
    `ward 1's numerator is found narrowed: ${found.join('; ')}`,
  )
})
