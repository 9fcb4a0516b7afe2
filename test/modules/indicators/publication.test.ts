import fc from 'fast-check'
import t from 'tap'
import type { Figure } from '../../../src/modules/indicators/figures.js'
import type { Dimension } from '../../../src/modules/indicators/measures.js'
import {
  breakdownView,
  asPublished,
  publishFigures,
  type PublicationMeta,
  type PublishedFigure,
} from '../../../src/modules/indicators/publication.js'
import { shareFigures } from '../../support/share-figures.js'
import {
  disclosures,
  percentageDisclosures,
  periodDisclosures,
  unitsDisclosures,
  type AuditedTable,
} from '../../support/disclosure-audit.js'

const sexes = ['male', 'female', 'unknown'] as const
const percentage: PublicationMeta = { kind: 'percentage', source: 'registry', hasDenominator: true }

/**
 * A percentage's figures for wards and their unit, by sex, from each ward's [numerator, denominator] per sex, and
 * per ward the [numerator, denominator] of records in no cell (`outside`: none by default).
 */
const figuresOf = (
  wards: readonly (readonly [number, number])[][],
  outside: readonly (readonly [number, number])[] = [],
): Figure[] => shareFigures('sex', sexes, wards, outside)

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

t.test('a numerator is bounded by its denominator: the three tables are protected as one', async (t) => {
  // Ward 1 shows 19 of 25 and its boys' denominator 14: at least 8 of its boys are in the numerator. The
  // district's 19 boys less ward 3's 9 leave ward 2's 2 boys at most 2, when each table is protected on its own.
  const figures = figuresOf([
    [
      [8, 14],
      [4, 4],
      [7, 7],
    ],
    [
      [2, 13],
      [5, 10],
      [4, 7],
    ],
    [
      [9, 17],
      [0, 5],
      [9, 9],
    ],
  ])
  const published = publishFigures(percentage, figures, true)
  t.same(await disclosures(asTable(published), asTable(figures)), [])
  t.same(published[1]!.breakdowns[0]!.cells[0]!.numerator, { suppressed: true }, 'ward 2’s 2 boys stay withheld')
  t.same(
    published[2]!.breakdowns[0]!.cells[0]!.numerator,
    { suppressed: true },
    'and ward 3’s 9 boys go with them, which each table protected on its own showed',
  )
})

t.test('what a percentage leaves out adds up as its counts do, where some records count in no cell', async (t) => {
  // Children of no recorded sex are counted in the figures only. A figure's left-out count is then at least the
  // sum of its cells': without that, ward 3's girls' denominator of 3 was narrowed to 2–5.
  const figures = figuresOf(
    [
      [
        [0, 0],
        [0, 5],
        [0, 1],
      ],
      [
        [0, 0],
        [4, 4],
        [25, 27],
      ],
      [
        [13, 30],
        [3, 3],
        [0, 0],
      ],
      [
        [10, 21],
        [1, 2],
        [1, 3],
      ],
    ],
    [
      [1, 1],
      [2, 3],
      [0, 2],
      [0, 0],
    ],
  )
  t.same(await disclosures(asTable(publishFigures(percentage, figures, true)), asTable(figures)), [])
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

const incidentCount: PublicationMeta = { kind: 'count', source: 'incidents', hasDenominator: false }

/** A count of incidents for wards and their unit, by sex, from each ward's count per sex. */
function incidentsOf(wards: readonly (readonly number[])[]): Figure[] {
  return figuresOf(wards.map((cells) => cells.map((count) => [count, 0] as const))).map((figure) => ({
    ...figure,
    value: figure.numerator,
    breakdowns: figure.breakdowns.map((breakdown) => ({
      ...breakdown,
      cells: breakdown.cells.map((cell) => ({ ...cell, value: cell.numerator })),
    })),
  }))
}

const asIncidents = (values: AuditedTable['indicators'][number]['values']): AuditedTable => ({
  indicators: [{ code: 'I', source: 'incidents', kind: 'count', values }],
})

/**
 * The year's tables published one after the other in `order` (closing days), each protected with those before it
 * (`jointCheckLimit`: publishFigures' own unless given).
 */
function publishInTurn(
  periods: ReadonlyMap<string, Figure[]>,
  order: readonly string[],
  together: boolean,
  meta = incidentCount,
  as = asIncidents,
  limitsOf: (asOf: string) => { jointCheckLimit?: number; workLimit?: number } = () => ({}),
) {
  const published = new Map<string, PublishedFigure[]>()
  for (const asOf of order) {
    const others = [...published].map(([other, shown]) => ({
      asOf: other,
      counted: periods.get(other)!,
      published: shown,
    }))
    published.set(
      asOf,
      publishFigures(meta, periods.get(asOf)!, true, together ? { asOf, others, ...limitsOf(asOf) } : null),
    )
  }
  return [...periods.keys()].map((asOf) => ({
    asOf,
    city: as(published.get(asOf)!),
    truth: as(periods.get(asOf)!),
  }))
}

const incidentShare: PublicationMeta = { kind: 'percentage', source: 'incidents', hasDenominator: true }
const asShares = (values: AuditedTable['indicators'][number]['values']): AuditedTable => ({
  indicators: [{ code: 'S', source: 'incidents', kind: 'percentage', values }],
})

/** A percentage's tables for closing days from each ward's [numerator, denominator] per sex, day by day. */
function sharesOver(days: readonly string[], wards: readonly (readonly (readonly [number, number])[])[][]) {
  return new Map(days.map((day, index) => [day, figuresOf(wards.map((cells) => cells.map((cell) => cell[index]!)))]))
}

const closingDays = ['2024-05-14', '2024-09-14', '2024-11-09']

/** How many numerators and denominators each closing day's table shows (of its figures and their breakdown by sex). */
const countsShown = (published: ReturnType<typeof publishInTurn>) =>
  closingDays.map(
    (day) =>
      published
        .find((period) => period.asOf === day)!
        .city.indicators[0]!.values.flatMap((figure) =>
          [figure, ...figure.breakdowns[0]!.cells].flatMap((count) => [count.numerator, count.denominator]),
        )
        .filter((count) => typeof count === 'number').length,
  )

t.test(
  'a percentage of incidents over the year: each numerator at most its denominator on every closing day',
  async (t) => {
    // Wards by sex, each cell's (numerator, denominator) on 14 May, 14 September and 9 November. Each side protected
    // over the year, and the three tables of each closing day together, the tables published in turn let a reader
    // bound ward 1's May numerator of children of unknown sex, 4, to 0–4: November's counts bound September's,
    // September's numerators are at most their denominators, and May's are at most September's.
    const periods = sharesOver(closingDays, [
      [
        [
          [0, 5],
          [5, 5],
          [14, 14],
        ],
        [
          [12, 12],
          [12, 12],
          [12, 13],
        ],
        [
          [4, 4],
          [4, 4],
          [4, 4],
        ],
      ],
      [
        [
          [8, 8],
          [8, 13],
          [9, 20],
        ],
        [
          [3, 8],
          [3, 8],
          [8, 12],
        ],
        [
          [0, 0],
          [0, 0],
          [7, 7],
        ],
      ],
    ])
    for (const order of [closingDays, [...closingDays].reverse()]) {
      const published = publishInTurn(periods, order, true, incidentShare, asShares)
      t.same(await percentageDisclosures(published), [], `${order[0]} first: both sides read together`)
      t.same(await periodDisclosures(published), [], `${order[0]} first: each side over the year`)
      const shown = countsShown(published)
      // In date order September, published second, is what a reader would combine with November: it is withheld
      // whole (it shows 10 counts without the check); in the other order nothing is, and every table shows counts.
      t.same(shown, order === closingDays ? [10, 0, 3] : [3, 3, 6], `${order[0]} first: counts shown`)
    }
  },
)

t.test('a percentage too large to read over the year with its other tables is withheld whole', async (t) => {
  // Two wards by sex, published from the last closing day back: protected and checked, each table shows counts. With
  // no withheld count left to check, the tables published after another are withheld whole, numerators and
  // denominators alike; the first, with no other to be read with, keeps its counts.
  const periods = sharesOver(closingDays, [
    [
      [
        [2, 9],
        [3, 10],
        [6, 12],
      ],
      [
        [7, 7],
        [8, 9],
        [9, 14],
      ],
      [
        [0, 6],
        [6, 6],
        [6, 8],
      ],
    ],
    [
      [
        [5, 11],
        [6, 11],
        [6, 15],
      ],
      [
        [1, 6],
        [2, 8],
        [10, 10],
      ],
      [
        [8, 8],
        [9, 9],
        [9, 12],
      ],
    ],
  ])
  const shownWithLimit = (jointCheckLimit?: number) =>
    countsShown(
      publishInTurn(periods, [...closingDays].reverse(), true, incidentShare, asShares, () => ({ jointCheckLimit })),
    )
  const checked = shownWithLimit()
  t.ok(
    checked.every((shown) => shown > 0),
    `checked, every table shows counts (${checked.join(', ')})`,
  )
  t.same(shownWithLimit(0), [0, 0, checked[2]], 'unchecked, those read with another are withheld whole')
})

t.test(
  'a closing day whose protections reach their work limit is withheld whole; those after read it as left out',
  async (t) => {
    // Three wards by sex, each cell's (numerator, denominator) on 14 May, 14 September and 9 November, published in
    // date order. May's protections are given no work: every count of it is withheld, numerators and denominators
    // alike, and September and November, which read it as a closing day never published, still show counts.
    const periods = sharesOver(closingDays, [
      [
        [
          [1, 6],
          [3, 8],
          [5, 12],
        ],
        [
          [7, 9],
          [9, 11],
          [12, 15],
        ],
        [
          [0, 2],
          [1, 3],
          [2, 6],
        ],
      ],
      [
        [
          [6, 10],
          [8, 12],
          [10, 16],
        ],
        [
          [2, 7],
          [6, 9],
          [8, 13],
        ],
        [
          [9, 9],
          [10, 11],
          [13, 14],
        ],
      ],
      [
        [
          [8, 11],
          [10, 14],
          [15, 18],
        ],
        [
          [5, 8],
          [7, 10],
          [9, 12],
        ],
        [
          [0, 1],
          [0, 1],
          [1, 2],
        ],
      ],
    ])
    const limits = (asOf: string) => (asOf === closingDays[0] ? { workLimit: 0 } : {})
    const published = publishInTurn(periods, closingDays, true, incidentShare, asShares, limits)
    const [may, ...later] = countsShown(published)
    t.equal(may, 0, 'May: every numerator and denominator withheld')
    t.ok(
      later.every((shown) => shown > 0),
      `September and November show counts (${later.join(', ')})`,
    )
    t.same(await percentageDisclosures(published), [], 'both sides read together')
    t.same(await periodDisclosures(published), [], 'each side over the year')
    const unlimited = countsShown(publishInTurn(periods, closingDays, true, incidentShare, asShares))
    t.ok(unlimited[0]! > 0, `with the work it needs, May shows counts (${unlimited[0]})`)
  },
)

t.test('a count the earlier tables gave away on their own does not withhold a later table whole', async (t) => {
  // May and September published apart (as tables published before the joint checks were), then November with them:
  // May and September alone tell that ward 2's children of unknown sex grew by 3 in between. No table published after
  // them can mend that, and November, which gives nothing more away, is published with its counts.
  const periods = sharesOver(closingDays, [
    [
      [
        [14, 15],
        [16, 18],
        [18, 18],
      ],
      [
        [3, 8],
        [8, 8],
        [8, 8],
      ],
      [
        [0, 0],
        [0, 0],
        [0, 0],
      ],
    ],
    [
      [
        [9, 13],
        [13, 13],
        [14, 17],
      ],
      [
        [0, 0],
        [3, 5],
        [6, 6],
      ],
      [
        [0, 0],
        [3, 3],
        [6, 13],
      ],
    ],
    [
      [
        [6, 8],
        [6, 8],
        [7, 11],
      ],
      [
        [7, 13],
        [7, 23],
        [16, 30],
      ],
      [
        [5, 5],
        [5, 5],
        [5, 5],
      ],
    ],
  ])
  const apart = closingDays.slice(0, 2).map((asOf) => ({
    asOf,
    counted: periods.get(asOf)!,
    published: publishFigures(incidentShare, periods.get(asOf)!, true, null),
  }))
  const november = publishFigures(incidentShare, periods.get('2024-11-09')!, true, {
    asOf: '2024-11-09',
    others: apart,
  })
  const read = (tables: readonly { asOf: string; published: PublishedFigure[] }[]) =>
    tables.map(({ asOf, published }) => ({ asOf, city: asShares(published), truth: asShares(periods.get(asOf)!) }))
  const before = await percentageDisclosures(read(apart))
  t.ok(before.length > 0, `May and September alone give counts away: ${before.join('; ')}`)
  t.same(
    await percentageDisclosures(read([...apart, { asOf: '2024-11-09', published: november }])),
    before,
    'November gives nothing more away',
  )
  t.ok(
    november.some((figure) => typeof figure.numerator === 'number' && figure.numerator > 0),
    'and is published with its counts',
  )
})

t.test(
  'random worlds: a percentage of incidents over three closing days, published in any order, gives no count away',
  async (t) => {
    const count = fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 5, max: 15 }))
    const growth = fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 5, max: 10 }))
    // A cell's (numerator, denominator) on each closing day: both grow, the numerator at most its denominator.
    const cell = fc
      .tuple(
        count,
        fc.integer({ min: 0, max: 6 }),
        growth,
        fc.integer({ min: 0, max: 12 }),
        growth,
        fc.integer({ min: 0, max: 12 }),
      )
      .map(([denominator, left, grown, taken, grownAgain, takenAgain]) => {
        const numerator = Math.max(0, denominator - left)
        const september = [Math.min(denominator + grown, numerator + taken), denominator + grown] as const
        const last = september[1] + grownAgain
        return [[numerator, denominator], september, [Math.min(last, september[0] + takenAgain), last]] as const
      })
    const orders = [
      [0, 1, 2],
      [0, 2, 1],
      [1, 0, 2],
      [1, 2, 0],
      [2, 0, 1],
      [2, 1, 0],
    ]
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(cell, { minLength: 3, maxLength: 3 }), { minLength: 2, maxLength: 3 }),
        fc.constantFrom(...orders),
        async (wards, order) => {
          const published = publishInTurn(
            sharesOver(closingDays, wards),
            order.map((index) => closingDays[index]!),
            true,
            incidentShare,
            asShares,
          )
          const found = [...(await percentageDisclosures(published)), ...(await periodDisclosures(published))]
          if (found.length > 0) throw new Error(found.join('; '))
        },
      ),
      { numRuns: 60, seed: 20261207 },
    )
    t.pass('no world gave a count away')
  },
)

t.test('a later closing day narrows no count an earlier one withheld, nor the other way round', async (t) => {
  // Ward 1 had 2 incidents with boys by 14 May, ward 2 had 7: ward 1's are withheld, and ward 2's with them,
  // the district's 9 shown. By 14 September ward 1 has 5 and ward 2 still 7, none of them small. Published
  // apart, September shows both, and since no count falls, ward 1 had at most 5 and ward 2 at most 7 in May:
  // ward 1 had 2 to 5.
  const periods = new Map([
    [
      '2024-05-14',
      incidentsOf([
        [2, 0, 0],
        [7, 0, 0],
      ]),
    ],
    [
      '2024-09-14',
      incidentsOf([
        [5, 0, 0],
        [7, 0, 0],
      ]),
    ],
  ])
  const apart = await periodDisclosures(publishInTurn(periods, ['2024-05-14', '2024-09-14'], false))
  t.ok(
    apart.some((found) => found.startsWith('I numerator 2024-05-14 W1 (2): narrowed')),
    `protected apart, the two tables give ward 1's May count away: ${apart.join('; ')}`,
  )
  t.same(await periodDisclosures(publishInTurn(periods, ['2024-05-14', '2024-09-14'], true)), [], 'May first')
  t.same(await periodDisclosures(publishInTurn(periods, ['2024-09-14', '2024-05-14'], true)), [], 'September first')
  const september = publishInTurn(periods, ['2024-05-14', '2024-09-14'], true)[1]!.city.indicators[0]!.values
  t.same(september[0]!.numerator, { suppressed: true }, 'September withholds ward 1’s 5, on its own no small count')
  const registry = publishFigures({ ...incidentCount, source: 'registry' }, periods.get('2024-09-14')!, true, {
    asOf: '2024-09-14',
    others: [{ asOf: '2024-05-14', counted: periods.get('2024-05-14')!, published: [] }],
  })
  t.equal(registry[0]!.numerator, 5, 'counts of children as of a day are not bound to another day’s')
})

t.test('what came in between two closing days is protected as a count', async (t) => {
  // Ward 1 had 12 incidents with girls by 14 May and 14 by 14 September: 2 came in those four months, as
  // identifying as a table of those months showing 2. No count of either table is small.
  const periods = new Map([
    [
      '2024-05-14',
      incidentsOf([
        [7, 12, 0],
        [8, 9, 0],
      ]),
    ],
    [
      '2024-09-14',
      incidentsOf([
        [7, 14, 0],
        [8, 9, 0],
      ]),
    ],
  ])
  const apart = await periodDisclosures(publishInTurn(periods, [...periods.keys()], false))
  t.ok(
    apart.includes('I numerator 2024-05-14 W1/0/sex=female to 2024-09-14 (2): narrowed to 2–2'),
    `protected apart, the two tables tell the 2: ${apart.join('; ')}`,
  )
  for (const order of [[...periods.keys()], [...periods.keys()].reverse()]) {
    const published = publishInTurn(periods, order, true)
    t.same(await periodDisclosures(published), [], `${order[0]} first`)
    const later = published[1]!.city.indicators[0]!.values
    t.ok(
      later.some((figure) => typeof figure.numerator === 'number'),
      'September still shows counts: what is withheld is what protects the 2',
    )
  }
})

t.test('a count that fell between two closing days still bounds the later ones', async (t) => {
  // Ward 1's incidents with girls fall from 2 to 1 between July and September (one moved to another ward):
  // July's is not at most September's, but May's 0 still is, which only May and September read together say.
  const periods = new Map([
    [
      '2024-05-14',
      incidentsOf([
        [0, 0, 7],
        [2, 1, 0],
      ]),
    ],
    [
      '2024-07-14',
      incidentsOf([
        [0, 2, 7],
        [4, 0, 2],
      ]),
    ],
    [
      '2024-09-14',
      incidentsOf([
        [0, 1, 6],
        [4, 0, 3],
      ]),
    ],
  ])
  t.same(await periodDisclosures(publishInTurn(periods, [...periods.keys()], true)), [])
})

t.test(
  'a later table that shows all of a ward’s records in one part withholds nothing more for it earlier',
  async (t) => {
    // Ward 1's 3 incidents by July and 7 by September are all with girls; September, published first, shows it.
    // That July's 3 are girls too is September's to tell: July withholds only what protects its counts.
    const periods = new Map([
      [
        '2024-07-14',
        incidentsOf([
          [0, 3, 0],
          [6, 6, 0],
          [7, 5, 0],
        ]),
      ],
      [
        '2024-09-14',
        incidentsOf([
          [0, 7, 0],
          [6, 6, 0],
          [7, 5, 0],
        ]),
      ],
    ])
    const [july] = publishInTurn(periods, ['2024-09-14', '2024-07-14'], true)
    t.same(await periodDisclosures(publishInTurn(periods, ['2024-09-14', '2024-07-14'], true)), [])
    const shown = july!.city.indicators[0]!.values.map((figure) => figure.numerator)
    t.same(shown, [{ suppressed: true }, 12, 12, { suppressed: true }], 'wards 2 and 3 stay shown')
    t.same(
      july!.city.indicators[0]!.values[3]!.breakdowns[0]!.cells.map((cell) => cell.numerator),
      [13, { suppressed: true }, { suppressed: true }],
      'the district withholds its total and its girls (4 came in by September, a count protected too) and a 0 beside them, its boys shown',
    )
  },
)

t.test('random worlds: the year’s tables of incidents, published in any order, give no small count away', async (t) => {
  const count = fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 5, max: 12 }))
  const ward = fc.array(count, { minLength: 3, maxLength: 3 })
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.tuple(ward, ward, ward), { minLength: 2, maxLength: 4 }),
      fc.boolean(),
      async (wards, laterFirst) => {
        // Each ward's counts to 14 May, then what came in by 14 September and by 31 December.
        const days = ['2024-05-14', '2024-09-14', '2024-12-31']
        const periods = new Map(
          days.map((asOf, day) => [
            asOf,
            incidentsOf(
              wards.map((steps) =>
                steps[0].map((_, sex) => steps.slice(0, day + 1).reduce((sum, step) => sum + step[sex]!, 0)),
              ),
            ),
          ]),
        )
        const order = laterFirst ? [days[2]!, days[0]!, days[1]!] : days
        const found = await periodDisclosures(publishInTurn(periods, order, true))
        if (found.length > 0) throw new Error(found.join('; '))
      },
    ),
    { numRuns: 40, seed: 20261206 },
  )
  t.pass('no world gave a count away')
})

t.test('a closing day that cannot be protected with those already published is withheld whole', async (t) => {
  // September is published first, then May, then 31 December. Counts fall between the days (ward 1's boys
  // from 5 in May to 2, ward 2's girls from 1 to 0 and back to 5: incidents withdrawn, moved, and filed again),
  // and the reader is told which fell. Read with May and September, every way December could withhold its
  // counts still narrows one of them: December withholds them all, and is then read as if never published.
  const periods = new Map([
    [
      '2024-05-14',
      incidentsOf([
        [5, 5, 1],
        [1, 1, 1],
        [5, 1, 5],
      ]),
    ],
    [
      '2024-09-14',
      incidentsOf([
        [2, 5, 6],
        [6, 0, 0],
        [10, 2, 4],
      ]),
    ],
    [
      '2024-12-31',
      incidentsOf([
        [2, 2, 6],
        [6, 5, 0],
        [9, 1, 5],
      ]),
    ],
  ])
  const published = publishInTurn(periods, ['2024-09-14', '2024-05-14', '2024-12-31'], true)
  t.same(await periodDisclosures(published), [])
  const shown = (asOf: string) =>
    published
      .find((period) => period.asOf === asOf)!
      .city.indicators[0]!.values.flatMap((figure) => [
        figure.numerator,
        ...figure.breakdowns[0]!.cells.map((cell) => cell.numerator),
      ])
  t.ok(
    shown('2024-12-31').every((count) => typeof count === 'object'),
    'December withholds every count',
  )
  t.ok(
    shown('2024-05-14').some((count) => typeof count === 'number' && count > 0),
    'May, protected with September, still shows counts',
  )
})

t.test('a table withheld whole binds none published after it', async (t) => {
  // May's counts are all small (4 incidents in the district): May is withheld whole. Ward 1's one incident with
  // a child of unknown sex is then filed as a girl's, so that count falls by September. Read with May's table
  // and told which counts fell, September and December could not be protected at all; May shows nothing,
  // and they are protected with each other alone.
  const periods = new Map([
    [
      '2024-05-14',
      incidentsOf([
        [0, 0, 1],
        [1, 2, 0],
      ]),
    ],
    [
      '2024-09-14',
      incidentsOf([
        [0, 5, 0],
        [3, 7, 0],
      ]),
    ],
    [
      '2024-12-31',
      incidentsOf([
        [6, 13, 0],
        [6, 14, 0],
      ]),
    ],
  ])
  const published = publishInTurn(periods, [...periods.keys()], true)
  t.same(await periodDisclosures(published), [])
  const shownCounts = published.map(
    ({ city }) =>
      city.indicators[0]!.values.flatMap((figure) => [
        figure.numerator,
        ...figure.breakdowns[0]!.cells.map((cell) => cell.numerator),
      ]).filter((count) => typeof count === 'number' && count > 0).length,
  )
  t.equal(shownCounts[0], 0, 'May shows no count')
  t.ok(shownCounts[1]! > 0 && shownCounts[2]! > 0, `September and December show counts: ${shownCounts.join(', ')}`)
})

t.test('a later table that shows a ward as 0 after its incidents went tells nothing of where they lay', async (t) => {
  // Ward 1's 3 incidents by 14 May were all with boys; by 14 September they have gone (withdrawn or moved), and
  // September shows ward 1 as 0 throughout. May's girls and unknown are then at most 0, and the district's
  // boys less ward 2's and 3's leave ward 1 at least one boy: all of May's ward 1 lies with boys, unless May
  // withholds more (or September, published second, does).
  const periods = new Map([
    [
      '2024-05-14',
      incidentsOf([
        [3, 0, 0],
        [6, 6, 0],
        [7, 5, 0],
      ]),
    ],
    [
      '2024-09-14',
      incidentsOf([
        [0, 0, 0],
        [8, 6, 0],
        [9, 5, 0],
      ]),
    ],
  ])
  for (const order of [[...periods.keys()].reverse(), [...periods.keys()]])
    t.same(await periodDisclosures(publishInTurn(periods, order, true)), [], `${order[0]} first`)
})

t.test(
  'random worlds: counts that fall between closing days, published in any order, give no small count away',
  async (t) => {
    // Each ward's incidents by sex change between closing days, and an incident withdrawn or moved to another
    // ward lowers a count.
    const change = fc.oneof(
      fc.constant(0),
      fc.integer({ min: 1, max: 4 }),
      fc.integer({ min: 5, max: 9 }),
      fc.integer({ min: -3, max: -1 }),
    )
    const ward = fc.array(change, { minLength: 3, maxLength: 3 })
    const days = ['2024-05-14', '2024-09-14', '2024-12-31']
    const orders = days.flatMap((first) =>
      days.flatMap((second) =>
        days.filter((third) => new Set([first, second, third]).size === 3).map((third) => [first, second, third]),
      ),
    )
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(ward, ward, ward), { minLength: 2, maxLength: 4 }),
        fc.constantFrom(...orders),
        async (wards, order) => {
          const periods = new Map(
            days.map((asOf, day) => [
              asOf,
              incidentsOf(
                wards.map((steps) =>
                  steps[0].map((_, sex) =>
                    steps.slice(0, day + 1).reduce((sum, step) => Math.max(0, sum + step[sex]!), 0),
                  ),
                ),
              ),
            ]),
          )
          const found = await periodDisclosures(publishInTurn(periods, order, true))
          if (found.length > 0) throw new Error(found.join('; '))
        },
      ),
      {
        numRuns: 40,
        seed: 20261207,
        // December shows the district's 7 of unknown sex, all in ward 1 (its ward 2 shows 0): that September's
        // lie there too is December's to tell, though December withholds ward 1's.
        examples: [
          [
            [
              [
                [1, 0, 0],
                [0, 6, 5],
                [8, 0, 2],
              ],
              [
                [8, 0, 0],
                [4, -1, 0],
                [3, -1, 0],
              ],
            ],
            ['2024-05-14', '2024-12-31', '2024-09-14'],
          ],
        ],
      },
    )
    t.pass('no world gave a count away')
  },
)

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

t.test('the test attacker reads two units’ tables together, a ward listed in both the same count', async (t) => {
  // The district withholds ward 1's 2 and ward 2's 7, showing its 9; the city lists ward 2 beside a new ward and
  // shows its 7. Each table alone is safe; together, 9 less 7 is ward 1's 2.
  const figure = (unitCode: string, numerator: number | { suppressed: true }) => ({
    unitCode,
    numerator,
    denominator: null,
    breakdowns: [],
  })
  const withheld = { suppressed: true } as const
  const count = (values: AuditedTable['indicators'][number]['values']): AuditedTable => ({
    indicators: [{ code: 'C', source: 'registry', kind: 'count', values }],
  })
  const district = {
    published: count([figure('W1', withheld), figure('W2', withheld), figure('D', 9)]),
    truth: count([figure('W1', 2), figure('W2', 7), figure('D', 9)]),
  }
  const city = (w2: number | { suppressed: true }) => ({
    published: count([figure('W2', w2), figure('N', withheld), figure('C', withheld)]),
    truth: count([figure('W2', 7), figure('N', 3), figure('C', 10)]),
  })
  t.same(await disclosures(district.published, district.truth), [], 'the district alone')
  t.same(await disclosures(city(7).published, city(7).truth), [], 'the city alone')
  t.same(
    await unitsDisclosures([district, city(7)]),
    ['C numerator W1 (table 1) (2): narrowed to 2–2'],
    'together, the ward of two',
  )
  t.same(await unitsDisclosures([district, city(withheld)]), [], 'the city withholding what the district does')
  const miscounted = { ...city(7), truth: count([figure('W2', 6), figure('N', 3), figure('C', 9)]) }
  await t.rejects(
    unitsDisclosures([district, miscounted]),
    /count different records/,
    'a cell two tables name alike must count the same records in both',
  )
})

t.test('a breakdown by one dimension is read off the published cross', async (t) => {
  const withheld = { suppressed: true } as const
  const cell = (sex: string, ageGroup: string, numerator: number | typeof withheld, denominator: number | null) => ({
    key: { sex, ageGroup },
    numerator,
    denominator,
    value: null,
  })
  const figure = (cells: ReturnType<typeof cell>[], denominator: number | null) => ({
    unitCode: 'W1',
    numerator: 20,
    denominator,
    value: 50,
    met: null,
    breakdowns: [{ dimensions: ['sex', 'ageGroup'] as Dimension[], cells }],
  })
  const counts = figure(
    [
      cell('male', '0-2', 6, null),
      cell('male', '3-5', withheld, null),
      cell('female', '0-2', 7, null),
      cell('female', '3-5', 5, null),
    ],
    null,
  )
  const cases: [string, PublishedFigure, Dimension[], unknown][] = [
    [
      'a count by age group: 6 + 7 shown, a withheld part withholds its sum',
      counts,
      ['ageGroup'],
      [
        { key: { ageGroup: '0-2' }, numerator: 13, denominator: null, value: 13 },
        { key: { ageGroup: '3-5' }, numerator: withheld, denominator: null, value: withheld },
      ],
    ],
    [
      'by sex',
      counts,
      ['sex'],
      [
        { key: { sex: 'male' }, numerator: withheld, denominator: null, value: withheld },
        { key: { sex: 'female' }, numerator: 12, denominator: null, value: 12 },
      ],
    ],
    [
      'a percentage: the margin’s own share',
      figure(
        [
          cell('male', '0-2', 6, 10),
          cell('male', '3-5', 4, 10),
          cell('female', '0-2', 5, withheld as never),
          cell('female', '3-5', 5, 10),
        ],
        40,
      ),
      ['sex'],
      [
        { key: { sex: 'male' }, numerator: 10, denominator: 20, value: 50 },
        { key: { sex: 'female' }, numerator: 10, denominator: withheld, value: withheld },
      ],
    ],
  ]
  for (const [name, published, dimensions, expected] of cases) {
    t.same(
      breakdownView(published.denominator === null ? 'count' : 'percentage', published, dimensions).breakdowns,
      [{ dimensions, cells: expected }],
      name,
    )
  }
  const asked = breakdownView('count', counts, ['ageGroup', 'sex']).breakdowns[0]!
  t.same(asked.dimensions, ['ageGroup', 'sex'], 'the cross in the order asked')
  t.same(
    asked.cells.map((c) => `${c.key.ageGroup} ${c.key.sex}`),
    ['0-2 male', '0-2 female', '3-5 male', '3-5 female'],
    'its cells ordered by it',
  )
  t.same(breakdownView('count', counts, []).breakdowns, [], 'no breakdown asked, none shown')
  t.throws(
    () => breakdownView('count', counts, ['groupCode']),
    /no breakdown by groupCode/,
    'never a silent empty list',
  )
})

t.test('asPublished: a figure shown beside a published table shows its counts as that table does', async (t) => {
  const withheld = { suppressed: true as const }
  type Shown = number | typeof withheld
  const bySex = (cells: [string, Shown, Shown | null, Shown | null][]) => ({
    dimensions: ['sex'] as Dimension[],
    cells: cells.map(([sex, numerator, denominator, value]) => ({ key: { sex }, numerator, denominator, value })),
  })
  const figure = (
    top: [Shown, Shown | null, Shown | null],
    breakdowns: ReturnType<typeof bySex>[],
    met: boolean | null = true,
  ): PublishedFigure => ({
    unitCode: 'W1',
    numerator: top[0],
    denominator: top[1],
    value: top[2],
    met,
    breakdowns,
  })
  // The published table's figure: by sex crossed with age group, from which the report's "by sex" is a margin.
  const crossCell = (sex: string, ageGroup: string, numerator: Shown, denominator: Shown | null) => ({
    key: { sex, ageGroup },
    numerator,
    denominator,
    value: null,
  })
  const allWithheld = figure(
    [withheld, null, withheld],
    [
      bySex([
        ['male', withheld, null, withheld],
        ['female', withheld, null, withheld],
      ]),
    ],
    null,
  )
  const shownBySex = bySex([
    ['male', 12, null, 12],
    ['female', 6, null, 6],
  ])
  const cases: [string, 'count' | 'percentage', PublishedFigure, PublishedFigure | undefined, PublishedFigure][] = [
    [
      'a count the table withholds, and what its figure’s verdict would tell',
      'count',
      figure([18, null, 18], [shownBySex]),
      figure([withheld, null, withheld], []),
      allWithheld,
    ],
    [
      'a margin withheld in the table (a withheld part of the cross) is withheld in the figure',
      'count',
      figure([18, null, 18], [shownBySex]),
      figure(
        [18, null, 18],
        [
          {
            dimensions: ['sex', 'ageGroup'],
            cells: [
              crossCell('male', '0-2', 12, null),
              crossCell('female', '0-2', 5, null),
              crossCell('female', '3-5', withheld, null),
            ],
          },
        ],
      ),
      figure(
        [18, null, 18],
        [
          bySex([
            ['male', 12, null, 12],
            ['female', withheld, null, withheld],
          ]),
        ],
      ),
    ],
    [
      'a percentage’s denominator withheld in the table withholds its share, the numerator stays',
      'percentage',
      figure([47, 60, 78.33], []),
      figure([47, withheld, withheld], []),
      figure([47, withheld, withheld], [], null),
    ],
    [
      'a count the figure withheld itself is shown as the table shows it; a breakdown the table does not publish is withheld whole',
      'count',
      figure([withheld, null, withheld], [bySex([['male', 6, null, 6]])], null),
      figure([12, null, 12], []),
      figure([12, null, 12], [bySex([['male', withheld, null, withheld]])], null),
    ],
    [
      'a percentage’s empty cell (0 of 0) the table withholds is withheld, its share too: null would tell it is empty',
      'percentage',
      figure(
        [5, 10, 50],
        [
          bySex([
            ['male', 5, 10, 50],
            ['female', 0, 0, null],
          ]),
        ],
      ),
      figure(
        [5, 10, 50],
        [
          bySex([
            ['male', withheld, withheld, withheld],
            ['female', withheld, withheld, withheld],
          ]),
        ],
      ),
      figure(
        [5, 10, 50],
        [
          bySex([
            ['male', withheld, withheld, withheld],
            ['female', withheld, withheld, withheld],
          ]),
        ],
      ),
    ],
    ['no figure in the table: nothing to show', 'count', figure([18, null, 18], [shownBySex]), undefined, allWithheld],
  ]
  for (const [name, kind, own, published, expected] of cases) t.same(asPublished(kind, own, published), expected, name)
})
