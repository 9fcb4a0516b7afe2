import t from 'tap'
import type { PublishedFigure } from '../../../src/modules/indicators/publication.js'
import type { SnapshotIndicator } from '../../../src/modules/reports/rules.js'
import { publishedFigures, type ReportPublication } from '../../../src/modules/reports/views.js'

const withheld = { suppressed: true as const }

/** A ward report's frozen figure by sex, from [male, female] counts (and denominators for a percentage). */
function frozen(
  code: string,
  kind: 'count' | 'percentage',
  numerators: [number, number],
  denominators: [number, number] = [0, 0],
  source: SnapshotIndicator['source'] = 'registry',
  target: SnapshotIndicator['target'] = null,
): SnapshotIndicator {
  const numerator = numerators[0] + numerators[1]
  const denominator = denominators[0] + denominators[1]
  const share = (n: number, d: number) => (kind === 'count' ? n : d === 0 ? null : Math.round((10000 * n) / d) / 100)
  return {
    code,
    version: 1,
    nameVi: code,
    nameEn: code,
    kind,
    source,
    hasDenominator: kind === 'percentage',
    available: true,
    target,
    numerator,
    denominator,
    value: share(numerator, denominator),
    met: true,
    breakdowns: [
      {
        dimensions: ['sex'],
        cells: (['male', 'female'] as const).map((sex, index) => ({
          key: { sex },
          numerator: numerators[index]!,
          denominator: denominators[index]!,
          value: share(numerators[index]!, denominators[index]!),
        })),
      },
    ],
  }
}

/** The same unit's figure in the published table, by sex (a margin of its cross, as the table gives it). */
function inTable(
  top: [PublishedFigure['numerator'], PublishedFigure['denominator'], PublishedFigure['value']],
  cells: [string, PublishedFigure['numerator'], PublishedFigure['denominator'], PublishedFigure['value']][],
): PublishedFigure {
  return {
    unitCode: 'W1',
    numerator: top[0],
    denominator: top[1],
    value: top[2],
    met: null,
    breakdowns: [
      {
        dimensions: ['sex'],
        cells: cells.map(([sex, numerator, denominator, value]) => ({
          key: { sex },
          numerator: numerator!,
          denominator,
          value,
        })),
      },
    ],
  }
}

const publication = (table: Record<string, PublishedFigure>): ReportPublication => ({
  withhold: true,
  table: new Map(Object.entries(table)),
})

const counts = (figure: PublishedFigure | null) =>
  figure && [figure.numerator, figure.denominator, ...figure.breakdowns[0]!.cells.map((cell) => cell.numerator)]

t.test('a report beside the published table: the table’s counts, whatever the report counted', async (t) => {
  const atLeast30 = { comparator: '>=' as const, value: 30, unit: 'count' as const }
  const children = frozen('CHILDREN', 'count', [30, 3], [0, 0], 'registry', atLeast30)
  const deaths = frozen('DEATHS', 'count', [2, 0])
  const tableChildren = inTable(
    [33, null, 33],
    [
      ['male', 30, null, 30],
      ['female', withheld, null, withheld],
      ['unknown', 0, null, 0],
    ],
  )

  const same = publishedFigures([children], 'W1', 'ward', publication({ CHILDREN: tableChildren }))
  t.same(counts(same[0]!), [33, null, 30, withheld, 0], 'the same counts: shown as the table shows them')
  t.equal(same[0]!.met, true, 'judged against the report’s target on the counts shown')

  // A death recorded after the report was frozen: 3 in the table, 2 in the report, and the report's own
  // protection would withhold its 2. Shown as the table, the report tells neither that it differs nor where.
  const tableDeaths = inTable(
    [3, null, 3],
    [
      ['male', 3, null, 3],
      ['female', 0, null, 0],
      ['unknown', 0, null, 0],
    ],
  )
  const differing = publishedFigures(
    [children, deaths],
    'W1',
    'ward',
    publication({ CHILDREN: tableChildren, DEATHS: tableDeaths }),
  )
  t.same(
    differing.map(counts),
    [
      [33, null, 30, withheld, 0],
      [3, null, 3, 0, 0],
    ],
    'a report that differs from the table in one count shows every count as the table does, that one included',
  )
  t.same(
    differing.map((figure) => figure!.met),
    [true, null],
    'no target, no verdict',
  )

  // Six children registered after a report frozen at 27: the table's 33 meets the target the report's 27 missed.
  const fewer = frozen('CHILDREN', 'count', [27, 0], [0, 0], 'registry', atLeast30)
  const asTable = publishedFigures([fewer], 'W1', 'ward', publication({ CHILDREN: tableChildren }))[0]!
  t.same(counts(asTable), [33, null, 30, withheld, 0])
  t.equal(asTable.met, true, 'the verdict follows the counts shown, not the frozen ones')
  const hidden = inTable(
    [withheld, null, withheld],
    [
      ['male', withheld, null, withheld],
      ['female', withheld, null, withheld],
      ['unknown', 0, null, 0],
    ],
  )
  t.equal(
    publishedFigures([children], 'W1', 'ward', publication({ CHILDREN: hidden }))[0]!.met,
    null,
    'a total the table withholds: no verdict, which would narrow it',
  )

  // One case added to a percentage's denominator only (judged later): 9 of 10 in the report, 9 of 11 in the table.
  const plans = frozen('PLANS', 'percentage', [5, 4], [5, 5], 'incidents', {
    comparator: '>=',
    value: 85,
    unit: 'percent',
  })
  const tablePlans = inTable(
    [9, 11, 81.82],
    [
      ['male', 5, 6, 83.33],
      ['female', 4, 5, 80],
      ['unknown', 0, 0, null],
    ],
  )
  const shownPlans = publishedFigures([plans], 'W1', 'ward', publication({ PLANS: tablePlans }))[0]!
  t.same(
    [shownPlans.numerator, shownPlans.denominator, shownPlans.value, shownPlans.met],
    [9, 11, 81.82, false],
    'a percentage shown as the table: its value and verdict too (the report’s 90% met 85%)',
  )

  const onTime = frozen('REPORTS_ON_TIME', 'count', [3, 0], [0, 0], 'reports')
  t.same(
    counts(publishedFigures([onTime, deaths], 'W1', 'ward', publication({ DEATHS: tableDeaths }))[0]!),
    [3, null, 3, 0, 0],
    'counts of reports identify nobody: shown as frozen (on the full grid), whatever the rest',
  )
  t.same(
    counts(publishedFigures([children], 'W1', 'ward', publication({}))[0]!),
    [withheld, null, withheld, withheld, withheld],
    'no table to be shown as: none of its counts',
  )
  t.same(
    counts(publishedFigures([children], 'W1', 'ward', { withhold: false, table: new Map() })[0]!),
    [33, null, 30, 3],
    'an officer sees the report as frozen',
  )
})
