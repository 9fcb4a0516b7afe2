import t, { type Test } from 'tap'
import { sumOfPublished, type PublishedFigure } from '../../../src/modules/indicators/publication.js'
import { createTestApp, type TestApp } from '../../support/app.js'
import { accountFor, clientFor, province, type TestAccount } from '../../support/auth.js'
import { registerChild } from '../../support/registry.js'
import { unitsDisclosures, withEveryBreakdown } from '../../support/disclosure-audit.js'
import { asTableOwner } from '../../support/owner.js'
import { seedScenario } from './scenario.js'

const withheld = { suppressed: true as const }
type Count = PublishedFigure['numerator']

/** A district's published figure by sex: [numerator, denominator] of the total and of each cell. */
function district(unitCode: string, total: [Count, Count], male: [Count, Count], female: [Count, Count]) {
  const cell = (sex: string, [numerator, denominator]: [Count, Count]) => ({
    key: { sex },
    numerator: numerator!,
    denominator,
    value: null,
  })
  return {
    unitCode,
    numerator: total[0],
    denominator: total[1],
    value: null,
    met: null,
    breakdowns: [{ dimensions: ['sex' as const], cells: [cell('male', male), cell('female', female)] }],
  } satisfies PublishedFigure
}

const counts = (figure: PublishedFigure) => [
  [figure.numerator, figure.denominator, figure.value],
  ...figure.breakdowns[0]!.cells.map((cell) => [cell.numerator, cell.denominator, cell.value]),
]

/**
 * A world with children registered in two wards (`counts` of each, born in `born`), and a city system reading
 * the children's indicator by sex as of `asOf` (the clock set to `readOn`) for any unit of its jurisdiction (the
 * province, or `readerUnits`).
 */
async function twoWards(
  t: Test,
  world: {
    now: string
    wards: [string, number][]
    born: string
    sex: 'male' | 'female'
    readOn: string
    asOf: string
    readerUnits?: string[]
  },
  before?: (ctx: TestApp, admin: TestAccount) => Promise<void>,
) {
  const ctx = await createTestApp(t, { now: world.now })
  const admin = await accountFor(ctx, { role: 'district_admin', units: [province] })
  const city = await clientFor(ctx, { role: 'city_system', units: world.readerUnits ?? [province] })
  await before?.(ctx, admin)
  for (const [ward, count] of world.wards)
    for (let index = 0; index < count; index++)
      await registerChild(ctx, admin, {
        fullName: `Đinh Thị Bích ${ward} ${index}`,
        dateOfBirth: `${world.born}-0${1 + (index % 9)}-11`,
        sex: world.sex,
        address: { wardCode: ward },
      })
  ctx.clock.set(world.readOn)
  return async (unit: string) => {
    const query = `year=${world.asOf.slice(0, 4)}&unit=${unit}&asOf=${world.asOf}&breakdown=sex`
    const response = await ctx.app.inject({ url: `/v1/indicators/values?${query}`, headers: city.headers })
    t.equal(response.statusCode, 200)
    const body = response.json<{ indicators: { code: string; values: PublishedFigure[] }[] }>()
    return body.indicators.find((indicator) => indicator.code === 'CHILDREN_BY_AGE_SEX')!.values
  }
}

/** Before the children are registered: the administrator defines the named group NAM of `wardCodes`. */
function groupNamed(t: Test, wardCodes: string[]) {
  return async (ctx: TestApp, admin: TestAccount) => {
    const defined = await ctx.app.inject({
      method: 'PUT',
      url: '/v1/unit-groups/NAM',
      headers: admin.headers,
      payload: { nameVi: 'Cụm phía Nam', wardCodes },
    })
    t.equal(defined.statusCode, 200)
  }
}

t.test('sumOfPublished: a count shown only where every part shows it', async (t) => {
  const cases: [string, 'count' | 'percentage', PublishedFigure[], unknown[]][] = [
    [
      'one part: its own counts',
      'percentage',
      [district('D1', [9, 12], [5, 6], [4, 6])],
      [
        [9, 12, 75],
        [5, 6, 83.33],
        [4, 6, 66.67],
      ],
    ],
    [
      'two parts, every count shown: their sums',
      'percentage',
      [district('D1', [9, 12], [5, 6], [4, 6]), district('D2', [6, 8], [3, 4], [3, 4])],
      [
        [15, 20, 75],
        [8, 10, 80],
        [7, 10, 70],
      ],
    ],
    [
      'a count one part withholds: withheld in the sum, or it would give that part’s away',
      'percentage',
      [district('D1', [9, 12], [5, 6], [4, 6]), district('D2', [6, 8], [withheld, 4], [withheld, 4])],
      [
        [15, 20, 75],
        [withheld, 10, withheld],
        [withheld, 10, withheld],
      ],
    ],
    [
      'a count: no denominator, its value the numerator',
      'count',
      [district('D1', [7, null], [7, null], [0, null]), district('D2', [withheld, null], [withheld, null], [0, null])],
      [
        [withheld, null, withheld],
        [withheld, null, withheld],
        [0, null, 0],
      ],
    ],
  ]
  for (const [name, kind, parts, expected] of cases) {
    const sum = sumOfPublished(kind, 'C', parts)
    t.equal(sum.unitCode, 'C')
    t.same(counts(sum), expected, name)
  }
  t.throws(() => sumOfPublished('count', 'C', []), /at least one part/)
})

/** The scenario's records a year later: every date of its children and cases moved into 2025. */
const aYearLater = [
  `do $$ declare r record; begin
     for r in select table_name, column_name from information_schema.columns
               where table_schema = current_schema() and is_generated = 'NEVER'
                 and data_type in ('date', 'timestamp with time zone')
                 and table_name in ('children', 'child_circumstances', 'care_records', 'health_insurance_cards',
                                    'incidents', 'incident_children', 'incident_steps', 'assessments') loop
       execute format('update %I set %I = %I + interval ''1 year''', r.table_name, r.column_name, r.column_name);
     end loop;
   end $$`,
  'update children set birth_year = birth_year + 1',
]

const breakdowns = ['', 'sex', 'ageGroup', 'groupCode', 'kind', 'closureReason']
const newWardsRegistered = [
  ['00301-2025', 2],
  ['00331-2025', 9],
] as const

/**
 * The scenario's district (for 2025 its records a year later, and children registered at two new wards after July),
 * read by a city system in November of `year`: the district's tables for the year's earlier closing days first,
 * with each breakdown, then the city's and the district's for 9 November.
 */
async function cityBesideDistrict(t: Test, year: 2024 | 2025) {
  const ctx = await createTestApp(t, { now: '2024-05-10T03:00:00Z' })
  await seedScenario(ctx, { reports: false })
  if (year === 2025) {
    await asTableOwner(ctx.app.database, aYearLater)
    // After the reform, two girls registered at one new ward and nine at another.
    ctx.clock.set('2025-08-12T03:00:00Z')
    const registrar = await accountFor(ctx, { role: 'district_admin', units: [province] })
    for (const [ward, count] of newWardsRegistered)
      for (let index = 0; index < count; index++)
        await registerChild(ctx, registrar, {
          fullName: `Đinh Thị Bích Mới ${ward} ${index}`,
          dateOfBirth: `2019-0${1 + (index % 9)}-11`,
          sex: 'female',
          address: { wardCode: ward },
        })
  }
  ctx.clock.set(`${year}-11-20T09:00:00+07:00`)
  const city = await clientFor(ctx, { role: 'city_system', units: [province] })
  const officer = await accountFor(ctx, { role: 'district_admin', units: [province] })
  /** A unit's table of `year` with one breakdown, as a city system reads it or, `asOfficer`, as the officers do. */
  const read = async (unit: string, asOf: string, breakdown: string, asOfficer = false) => {
    const query = `year=${year}&unit=${unit}&asOf=${asOf}${breakdown ? `&breakdown=${breakdown}` : ''}`
    const headers = asOfficer ? officer.headers : city.headers
    const response = await ctx.app.inject({ url: `/v1/indicators/values?${query}`, headers })
    t.equal(response.statusCode, 200)
    return response.json<{
      wards: { code: string }[]
      indicators: {
        code: string
        source: string
        kind: 'count' | 'percentage'
        values: (PublishedFigure & { breakdowns: { dimensions: string[] }[] })[]
      }[]
    }>()
  }
  for (const asOf of [`${year}-05-14`, `${year}-09-14`])
    for (const breakdown of breakdowns) await read('008', asOf, breakdown)
  const tables = []
  for (const breakdown of breakdowns) {
    const ofCity = await read(province, `${year}-11-09`, breakdown)
    tables.push({ breakdown, ofCity, ofDistrict: await read('008', `${year}-11-09`, breakdown) })
  }
  return { tables, read }
}

t.test('the city’s table on the 2024 map is its district’s, whichever closing days each was read for', async (t) => {
  // Protected apart, each with the closing days it was read for, the two withheld other cells of the same ward.
  let compared = 0
  for (const { breakdown, ofCity, ofDistrict } of (await cityBesideDistrict(t, 2024)).tables) {
    for (const indicator of ofCity.indicators) {
      const same = ofDistrict.indicators.find((other) => other.code === indicator.code)!
      for (const figure of indicator.values) {
        const counterpart = same.values.find(
          (other) => other.unitCode === (figure.unitCode === province ? '008' : figure.unitCode),
        )!
        compared++
        t.same(
          { ...figure, unitCode: null },
          { ...counterpart, unitCode: null },
          `${breakdown || 'total'} ${indicator.code} ${figure.unitCode}`,
        )
      }
    }
  }
  t.ok(compared > 1000, `${compared} figures compared`)
})

t.test('for a 2025 closing day from July the city’s old wards are its district’s, its new wards its own', async (t) => {
  let compared = 0
  const { tables, read } = await cityBesideDistrict(t, 2025)
  for (const { breakdown, ofCity, ofDistrict } of tables) {
    // A new ward read alone is read in the same table of its own as the city's row of it.
    for (const [ward] of newWardsRegistered) {
      const alone = await read(ward, '2025-11-09', breakdown)
      for (const indicator of alone.indicators)
        t.same(
          indicator.values,
          ofCity.indicators
            .find((other) => other.code === indicator.code)!
            .values.filter((figure) => figure.unitCode === ward),
          `${breakdown || 'total'} ${indicator.code} ${ward} read alone`,
        )
    }
    const oldWards = new Set(ofDistrict.wards.map((ward) => ward.code))
    const newWards = ofCity.wards.map((ward) => ward.code).filter((code) => !oldWards.has(code))
    t.equal(newWards.length, 7, 'the city lists its seven new wards beside the old ones')
    for (const indicator of ofCity.indicators) {
      const rowOf = (values: PublishedFigure[], unitCode: string) => values.find((row) => row.unitCode === unitCode)
      const inDistrict = ofDistrict.indicators.find((other) => other.code === indicator.code)!.values
      for (const ward of oldWards) {
        compared++
        t.same(
          rowOf(indicator.values, ward),
          rowOf(inDistrict, ward),
          `${breakdown || 'total'} ${indicator.code} ${ward}`,
        )
      }
      const districtTotal = rowOf(inDistrict, '008')
      const cityTotal = rowOf(indicator.values, province)
      if (!districtTotal) {
        t.equal(cityTotal, undefined, `${indicator.code}: no total where the district's table has none`)
        continue
      }
      const parts = [districtTotal, ...newWards.map((ward) => rowOf(indicator.values, ward)!)]
      t.same(
        cityTotal,
        { ...sumOfPublished(indicator.kind, province, parts), met: cityTotal?.met },
        `${breakdown || 'total'} ${indicator.code}: the city's total is the district's and its new wards' rows summed`,
      )
    }
  }
  t.ok(compared > 500, `${compared} rows of old wards compared`)
})

t.test(
  'the city’s, the district’s and wards’ tables of a 2025 closing day read together give no count of 1 to 4 away',
  async (t) => {
    const { read } = await cityBesideDistrict(t, 2025)
    // An old ward (read in the district's table), two new wards (each in its own), the city and the district.
    const units = [province, '008', '00301', '00301-2025', '00331-2025']
    const tables = []
    for (const unit of units) {
      const published = []
      const truth = []
      for (const breakdown of breakdowns) {
        published.push(await read(unit, '2025-11-09', breakdown))
        truth.push(await read(unit, '2025-11-09', breakdown, true))
      }
      tables.push({ published: withEveryBreakdown(published), truth: withEveryBreakdown(truth) })
    }
    t.same(await unitsDisclosures(tables), [], `${units.join(', ')} together`)
  },
)

t.test('a named group of wards is read off its city’s table: its rows as that table shows them', async (t) => {
  // Nine girls in one ward of the group, none in its other, two in a ward outside it.
  const [large, empty, small] = ['00301-2025', '00331-2025', '00328-2025']
  const read = await twoWards(
    t,
    {
      now: '2026-02-10T03:00:00Z',
      wards: [
        [large, 9],
        [small, 2],
      ],
      born: '2019',
      sex: 'female',
      readOn: '2026-04-02T09:00:00+07:00',
      asOf: '2026-03-29',
    },
    groupNamed(t, [large, empty]),
  )
  const ofGroup = await read('NAM')
  const ofCity = await read(province)
  t.same(ofCity.find((figure) => figure.unitCode === small)!.numerator, withheld, 'the city’s table withholds the two')
  for (const ward of [large, empty])
    t.same(
      ofGroup.find((figure) => figure.unitCode === ward),
      ofCity.find((figure) => figure.unitCode === ward),
      `${ward} as the city’s table shows it`,
    )
  const inCity = (ward: string) => ofCity.find((figure) => figure.unitCode === ward)!
  t.same(inCity(large).numerator, withheld, 'the city’s table withholds the nine beside the two, or the two would show')
  t.same(
    ofGroup.find((figure) => figure.unitCode === 'NAM'),
    sumOfPublished('count', 'NAM', [inCity(large), inCity(empty)]),
    'the group’s total is the sum of its rows as the city shows them: withheld with the nine',
  )
})

t.test('a named group of wards no readable unit lists whole is read off its wards’ own tables', async (t) => {
  // Two girls in one ward, seven in the other: a system whose jurisdiction is the two wards reads each ward, and the
  // group, but nothing above them. Protected as a table of its own, the group withheld the seven its ward's table
  // shows; its total, where shown beside that ward's seven, would give the two away.
  const [few, many] = ['00301-2025', '00331-2025']
  const read = await twoWards(
    t,
    {
      now: '2026-02-10T03:00:00Z',
      wards: [
        [few, 2],
        [many, 7],
      ],
      born: '2019',
      sex: 'female',
      readOn: '2026-04-02T09:00:00+07:00',
      asOf: '2026-03-29',
      readerUnits: [few, many],
    },
    groupNamed(t, [few, many]),
  )
  const ofMany = (await read(many)).find((figure) => figure.unitCode === many)!
  const ofFew = (await read(few)).find((figure) => figure.unitCode === few)!
  t.equal(ofMany.numerator, 7, 'the ward of seven shows them in its own table')
  t.same(ofFew.numerator, withheld, 'the ward of two withholds them')
  const ofGroup = await read('NAM')
  t.same(
    ofGroup.find((figure) => figure.unitCode === few),
    ofFew,
    'the ward of two as its own table shows it',
  )
  t.same(
    ofGroup.find((figure) => figure.unitCode === many),
    ofMany,
    'the ward of seven as its own table shows it',
  )
  const total = ofGroup.find((figure) => figure.unitCode === 'NAM')!
  t.same(total, sumOfPublished('count', 'NAM', [ofFew, ofMany]), 'the group’s total is the sum of its wards as shown')
  t.same(total.numerator, withheld, 'withheld with the two: nine less seven would give them away')
})

t.test(
  'a group of today’s wards that took an abolished ward whole counts its records for a system of its wards',
  async (t) => {
    const ctx = await createTestApp(t, { now: '2025-03-10T03:00:00Z' })
    const admin = await accountFor(ctx, { role: 'district_admin', units: [province] })
    // Seven girls filed at 00307 before the reform, whose only successor is 00316-2025.
    for (let index = 0; index < 7; index++)
      await registerChild(ctx, admin, {
        fullName: `Đinh Thị Bích Cũ ${index}`,
        dateOfBirth: `2019-0${1 + index}-11`,
        sex: 'female',
        address: { wardCode: '00307' },
      })
    ctx.clock.set('2026-02-10T03:00:00Z')
    await groupNamed(t, ['00316-2025', '00322-2025'])(ctx, admin)
    ctx.clock.set('2026-04-02T09:00:00+07:00')
    const system = await clientFor(ctx, { role: 'city_system', units: ['00316-2025', '00322-2025'] })
    const response = await ctx.app.inject({
      url: '/v1/indicators/values?year=2026&unit=NAM&asOf=2026-03-29&breakdown=sex',
      headers: system.headers,
    })
    t.equal(response.statusCode, 200)
    const values = response
      .json<{ indicators: { code: string; values: PublishedFigure[] }[] }>()
      .indicators.find((indicator) => indicator.code === 'CHILDREN_BY_AGE_SEX')!.values
    t.equal(values.find((figure) => figure.unitCode === 'NAM')!.numerator, 7, 'the group counts the seven')
  },
)
