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
    target: null,
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

t.test('a report beside the published table: its table’s counts, or none of them', async (t) => {
  const children = frozen('CHILDREN', 'count', [30, 3])
  const deaths = frozen('DEATHS', 'count', [2, 0])
  const tableChildren = inTable(
    [33, null, 33],
    [
      ['male', 30, null, 30],
      ['female', withheld, null, withheld],
      ['unknown', 0, null, 0],
    ],
  )

  const same = publishedFigures([children], 'W1', publication({ CHILDREN: tableChildren }))
  t.same(counts(same[0]!), [33, null, 30, withheld, 0], 'the same counts: shown as the table shows them')
  t.equal(same[0]!.met, true, 'with the frozen verdict on them')

  // A death recorded after the report was frozen: 3 in the table, 2 in the report. The report's own protection
  // withholds its 2, so only the counts as counted show the difference.
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
    publication({ CHILDREN: tableChildren, DEATHS: tableDeaths }),
  )
  t.same(
    differing.map(counts),
    [
      [withheld, null, withheld, withheld, withheld],
      [withheld, null, withheld, withheld, withheld],
    ],
    'a count the report withheld itself that differs from the table’s: none of the report’s counts is shown',
  )
  t.same(
    differing.map((figure) => figure!.met),
    [null, null],
  )

  // One case added to a percentage's denominator only (judged later): 9 of 10 in the report, 9 of 11 in the table.
  const plans = frozen('PLANS', 'percentage', [5, 4], [5, 5])
  const tablePlans = inTable(
    [9, 11, 81.82],
    [
      ['male', 5, 6, 83.33],
      ['female', 4, 5, 80],
      ['unknown', 0, 0, null],
    ],
  )
  t.same(
    counts(publishedFigures([plans], 'W1', publication({ PLANS: tablePlans }))[0]!),
    [withheld, withheld, withheld, withheld, withheld],
    'a denominator that differs is a difference',
  )

  const onTime = frozen('REPORTS_ON_TIME', 'count', [3, 0], [0, 0], 'reports')
  t.same(
    counts(publishedFigures([onTime, deaths], 'W1', publication({ DEATHS: tableDeaths }))[0]!),
    [3, null, 3, 0, 0],
    'counts of reports identify nobody: shown as frozen (on the full grid), whatever the rest',
  )
  t.same(
    counts(publishedFigures([children], 'W1', publication({}))[0]!),
    [withheld, null, withheld, withheld, withheld],
    'no table to be shown as: none of its counts',
  )
  t.same(
    counts(publishedFigures([children], 'W1', { withhold: false, table: new Map() })[0]!),
    [33, null, 30, 3],
    'an officer sees the report as frozen',
  )
})
