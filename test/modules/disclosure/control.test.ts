import fc from 'fast-check'
import t, { type Test } from 'tap'
import {
  attack,
  isSmallCount,
  partsOfSmallTotals,
  protect,
  protectionWidth,
  width,
  type LinkedTable,
  relationAmong,
  type Relation,
} from '../../../src/modules/disclosure/control.js'
import { WorkMeter } from '../../../src/modules/disclosure/simplex.js'
import { highsBounds } from '../../support/highs-attacker.js'

/**
 * A unit's table as the indicators publish it: wards by the cells of one breakdown, each ward's figure,
 * the unit's cells and the unit's figure. Cell index: ward w, key k → w * (keys + 1) + k; the ward's figure
 * at k = keys; the unit's row after the wards.
 */
function unitTable(counts: readonly (readonly number[])[], overlapping = false): LinkedTable {
  const keys = counts[0]!.length
  const stride = keys + 1
  const rows = [
    ...counts.map((row) => [...row]),
    counts[0]!.map((_, k) => counts.reduce((sum, row) => sum + row[k]!, 0)),
  ]
  // Overlapping parts (a child in several groups): the figure counts fewer than its parts add up to.
  const figureOf = (row: readonly number[]) =>
    overlapping
      ? Math.max(...row, Math.ceil(row.reduce((sum, count) => sum + count, 0) * 0.8))
      : row.reduce((sum, count) => sum + count, 0)
  const values = rows.flatMap((row) => [...row, figureOf(row)])
  const unitRow = counts.length
  const relations: Relation[] = []
  for (let row = 0; row <= unitRow; row++) {
    relations.push(
      relationAmong(
        values,
        row * stride + keys,
        Array.from({ length: keys }, (_, k) => row * stride + k),
      ),
    )
  }
  for (let k = 0; k <= keys; k++) {
    relations.push(
      relationAmong(
        values,
        unitRow * stride + k,
        counts.map((_, w) => w * stride + k),
      ),
    )
  }
  return { values, relations }
}

const primaryOf = (table: LinkedTable) => table.values.map(isSmallCount)

/** The published cells: a count, or null where withheld. */
const publish = (table: LinkedTable, withheld: readonly boolean[]) =>
  table.values.map((value, cell) => (withheld[cell] ? null : value))

async function assertProtected(t: Test, table: LinkedTable, withheld: readonly boolean[], name: string) {
  const bounds = await highsBounds(publish(table, withheld), table.relations)
  const knownZero = (cell: number) => (withheld[cell] ? bounds.get(cell)!.high === 0 : table.values[cell] === 0)
  for (const relation of table.relations) {
    if (relation.sum === '>=' || !withheld[relation.total] || table.values[relation.total] === 0) continue
    const possible = relation.parts.filter((cell) => !knownZero(cell))
    t.notOk(
      relation.parts.length > 1 && possible.length === 1,
      `${name}: the attacker cannot tell that all of cell ${relation.total} lies in one of its parts`,
    )
  }
  table.values.forEach((value, cell) => {
    if (!isSmallCount(value)) return
    t.ok(withheld[cell], `${name}: the count ${value} in cell ${cell} is withheld`)
    const interval = bounds.get(cell)!
    t.ok(
      interval.high - interval.low >= protectionWidth,
      `${name}: cell ${cell} (${value}) lies somewhere in ${interval.low}–${interval.high}`,
    )
  })
}

t.test('small counts: 1 to 4', async (t) => {
  const cases: [number, boolean][] = [
    [0, false],
    [1, true],
    [4, true],
    [5, false],
    [120, false],
  ]
  for (const [count, small] of cases) t.equal(isSmallCount(count), small, `${count}`)
})

t.test('the recoveries city systems could make before', async (t) => {
  // GET /v1/indicators/values?year=2024&unit=008&breakdown=sex: ABUSED_CHILDREN by ward and sex. Ward 00301
  // had 2 abused boys (withheld); 00307 showed 5 boys, the district 7, every other ward 0.
  const bySex = unitTable([
    [2, 6],
    [5, 3],
    [0, 2],
    [0, 0],
  ])
  // The way the service published it: each small count alone, and one more part where a single withheld
  // part of a figure could be subtracted out.
  const before = bySex.values.map(isSmallCount)
  before[1] = true // 00301's girls (6): the figure 8 minus them would give its boys
  const recovered = await highsBounds(publish(bySex, before), bySex.relations)
  t.same(recovered.get(0), { low: 2, high: 2 }, 'before: the district’s boys minus the other wards’ pin 00301’s to 2')

  const withheld = protect(bySex, primaryOf(bySex))
  await assertProtected(t, bySex, withheld, 'by sex')

  // SC_CHILDREN_BY_GROUP by groupCode: 00319's children affected by HIV (2) withheld, the district 7 and
  // 00322's 5 shown. A child may be in several groups: the figure is at most the sum of its groups.
  const byGroup = unitTable(
    [
      [2, 9, 4],
      [5, 0, 12],
      [0, 6, 7],
    ],
    true,
  )
  await assertProtected(t, byGroup, protect(byGroup, primaryOf(byGroup)), 'by group')
})

t.test('a withheld total is never pinned to one of its parts', async (t) => {
  // Ward 0 has 3 abused children, all girls aged 6–10 (part 1); the other parts are 0.
  const table = unitTable([
    [0, 3, 0],
    [6, 7, 8],
    [9, 5, 6],
  ])
  const withheld = protect(table, primaryOf(table))
  t.ok(withheld[3], 'the ward’s figure (3) is withheld')
  t.ok(withheld[0] && withheld[2], 'and its zeros, so that "all of them are in part 1" cannot be read')
  await assertProtected(t, table, withheld, 'attributes')
  // A withheld 0 that other relations pin to 0 tells as much as a published one: here the unit's first
  // part is 0, so the ward's withheld first part is known to be 0 too.
  for (const counts of [
    [
      [0, 3, 0],
      [0, 7, 8],
      [0, 5, 6],
    ],
    [
      [0, 3],
      [0, 7],
      [0, 9],
    ],
  ]) {
    const pinned = unitTable(counts)
    await assertProtected(t, pinned, protect(pinned, primaryOf(pinned)), `zeros pinned: ${JSON.stringify(counts)}`)
  }
})

t.test('a cross read by one of its dimensions does not tell where a withheld figure lies', async (t) => {
  // Cells of each ward: boys 0–5, boys 6–10, girls 0–5, girls 6–10. No child anywhere is under 6, so the
  // unit publishes 0 for both young cells and pins every ward's young cells to 0: read by age group, ward 0's
  // three children would all be 6–10 although no single cell of the cross holds them all.
  const counts = [
    [0, 1, 0, 2],
    [0, 7, 0, 8],
    [0, 5, 0, 6],
  ]
  const base = unitTable(counts)
  const stride = 5
  const readings = [...counts.keys(), counts.length].flatMap((row) => {
    const cell = (k: number) => row * stride + k
    const byAge = [
      [cell(0), cell(2)],
      [cell(1), cell(3)],
    ]
    return [
      { total: [cell(4)], parts: byAge },
      ...byAge.map((group) => ({ total: group, parts: group.map((c) => [c]) })),
    ]
  })
  const table = { ...base, readings }
  t.notOk(
    attributeSafe(table, protect(base, primaryOf(base))),
    'protected without the reading, ward 0 is known to hold only children aged 6–10',
  )
  const withheld = protect(table, primaryOf(table))
  t.ok(attributeSafe(table, withheld), 'with it, some cell under 6 of ward 0 may hold a child')
  await assertProtected(t, base, withheld, 'cross')

  /** Whether, for every reading of a withheld non-zero total, two of its parts may hold records. */
  function attributeSafe(linked: typeof table, hidden: readonly boolean[]): boolean {
    const bounds = attack(linked, hidden)
    const mayHold = (cells: readonly number[]) =>
      cells.some((cell) => (hidden[cell] ? bounds.get(cell)!.high > 0 : linked.values[cell]! > 0))
    return linked.readings.every(
      (reading) =>
        !reading.total.some((cell) => hidden[cell]) ||
        reading.total.every((cell) => linked.values[cell] === 0) ||
        reading.parts.filter((part) => mayHold(part)).length !== 1,
    )
  }
})

t.test('which cells go does not tell which part holds the records', async (t) => {
  // One small count beside zeros: the same cells are withheld whichever part holds it.
  const patterns = [0, 1, 2, 3].map((part) => {
    const row = [0, 0, 0, 0]
    row[part] = 2
    const table = unitTable([row, [9, 8, 7, 6]])
    return protect(table, primaryOf(table), { alsoWithheld: partsOfSmallTotals(table) }).slice(0, 5)
  })
  t.same(
    patterns,
    patterns.map(() => patterns[0]),
    'the ward’s row is withheld the same way',
  )
})

t.test('tables with nothing small publish everything', async (t) => {
  const table = unitTable([
    [0, 7],
    [5, 9],
  ])
  t.same(
    protect(table, primaryOf(table)),
    table.values.map(() => false),
  )
  t.same(
    attack(
      table,
      table.values.map(() => false),
    ),
    new Map(),
    'nothing withheld, nothing to bound',
  )
})

t.test('fixed cells (another table already published) keep their state; the rest protects around them', async (t) => {
  // Wards [2 6 | 8], [3 7 | 10], [8 9 | 17]; unit [13 22 | 35]. Ward 1's 6 was shown before and is fixed:
  // both small counts are still protected, around it.
  const table = unitTable([
    [2, 6],
    [3, 7],
    [8, 9],
  ])
  const fixed = table.values.map((_, cell) => cell === 1)
  const withheld = protect(table, primaryOf(table), { fixed })
  t.equal(withheld[1], false, 'the fixed cell stays published')
  t.ok(withheld[0] && withheld[3], 'both small counts are withheld')
  const bounds = await highsBounds(publish(table, withheld), table.relations)
  for (const cell of [0, 3])
    t.ok(width(bounds.get(cell)!) >= protectionWidth, `${cell}: ${JSON.stringify(bounds.get(cell))}`)
  t.ok(
    withheld.some((hidden) => !hidden),
    'some counts are still shown',
  )
  t.throws(() => protect(table, primaryOf(table), { fixed: [true] }), RangeError, 'one flag per cell')
})

t.test('a table whose small count fixed cells already pin is withheld whole', async (t) => {
  // Ward 1's 6 and its figure 8 were shown before and are fixed: its 2 is pinned (8 − 6) whatever is withheld
  // now. Nothing this table withholds can protect it: every cell not fixed is withheld.
  const table = unitTable([
    [2, 6],
    [3, 7],
    [8, 9],
  ])
  const fixed = table.values.map((_, cell) => cell === 1 || cell === 2)
  const withheld = protect(table, primaryOf(table), { fixed })
  t.same(
    withheld,
    fixed.map((isFixed) => !isFixed),
  )
})

t.test('a small count whose every neighbour is fixed withholds the table whole', async (t) => {
  // 8 = 2 + 6 and 16 = 6 + 10, the 8 and the 6 fixed (shown before): the 2 is pinned and no cell around it is
  // left to withhold, though the 16 and the 10 are. Before, the 2 was given up and the rest shown.
  const values = [8, 2, 6, 16, 10]
  const table: LinkedTable = {
    values,
    relations: [relationAmong(values, 0, [1, 2]), relationAmong(values, 3, [2, 4])],
  }
  const fixed = [true, false, true, false, false]
  t.same(protect(table, values.map(isSmallCount), { fixed }), [false, true, false, true, true])
})

t.test('a search that reaches its work limit withholds the table whole, at the same point every time', async (t) => {
  // Wards [2 6 | 8], [3 7 | 10], [8 9 | 17]; unit [13 22 | 35]: the 2 and the 3 need other cells withheld.
  const counts = [
    [2, 6],
    [3, 7],
    [8, 9],
  ]
  const table = unitTable(counts)
  const within = (limit: number, of = table) => protect(of, primaryOf(of), { meter: new WorkMeter(limit) })
  const searched = protect(table, primaryOf(table))
  const whole = searched.map(() => true)
  t.ok(
    searched.some((hidden) => !hidden),
    'within the default limit, some counts are shown',
  )
  t.same(within(0), whole, 'no work allowed: all withheld')
  // The least work that finds the search's cells: below it the table is withheld whole, at it the cells are found.
  let least = 1
  while (!within(least).some((hidden) => !hidden)) least *= 2
  let below = least / 2
  while (least - below > 1) {
    const middle = Math.floor((least + below) / 2)
    if (within(middle).some((hidden) => !hidden)) least = middle
    else below = middle
  }
  t.same(within(least), searched, `the cells found at ${least}`)
  t.same(within(least - 1), whole, 'one short: whole')
  const rebuilt = unitTable(counts)
  t.same(within(least, rebuilt), searched, 'counted, not timed: the same table built again stops at the same point')
  t.same(within(least - 1, rebuilt), whole)
  // Fixed cells keep their state when the limit is reached: only the others are withheld.
  const fixed = table.values.map((_, cell) => cell === 1)
  t.same(
    protect(table, primaryOf(table), { fixed, meter: new WorkMeter(0) }),
    fixed.map((isFixed) => !isFixed),
  )
  // One meter shared by two searches bounds them together: the second gets what the first left.
  const shared = new WorkMeter(least + least / 2)
  t.same(protect(table, primaryOf(table), { meter: shared }), searched, 'the first search fits')
  t.same(protect(rebuilt, primaryOf(rebuilt), { meter: shared }), whole, 'the second does not: withheld whole')
})

t.test('a unit whose every count is small withholds them all and stays unbounded', async (t) => {
  const table = unitTable([[1], [2]])
  const withheld = protect(table, primaryOf(table))
  await assertProtected(t, table, withheld, 'all small')
})

t.test('random worlds: no withheld small count can be narrowed below the protection width', async (t) => {
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 2, max: 7 }).chain((wards) =>
        fc.integer({ min: 1, max: 6 }).chain((keys) =>
          fc.record({
            counts: fc.array(
              fc.array(fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 5, max: 40 })), {
                minLength: keys,
                maxLength: keys,
              }),
              { minLength: wards, maxLength: wards },
            ),
            overlapping: fc.boolean(),
          }),
        ),
      ),
      async ({ counts, overlapping }) => {
        const table = unitTable(counts, overlapping)
        const withheld = protect(table, primaryOf(table))
        const small = new Set(table.values.flatMap((value, cell) => (isSmallCount(value) ? [cell] : [])))
        const bounds = await highsBounds(publish(table, withheld), table.relations, small)
        table.values.forEach((value, cell) => {
          if (!isSmallCount(value)) return
          const interval = bounds.get(cell)
          if (!interval || interval.high - interval.low < protectionWidth) {
            throw new Error(
              `cell ${cell} (${value}) ${interval ? `pinned to ${interval.low}–${interval.high}` : 'published'}`,
            )
          }
        })
        t.same(protect(table, primaryOf(table)), withheld, 'the same table, the same cells withheld')
      },
    ),
    { numRuns: 150, seed: 20261205 },
  )
})
