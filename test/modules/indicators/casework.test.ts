/**
 * The case-work indicators (support plans on time, referrals answered on time, cases closed by reason)
 * over a small world written straight into the tables, as scenario.ts does for the others.
 */
import t from 'tap'
import { incidentChildren, incidents, incidentSteps } from '../../../src/modules/incidents/tables.js'
import { referrals, serviceProviders } from '../../../src/modules/referrals/tables.js'
import { inScope, systemScope } from '../../../src/platform/scope.js'
import { createTestApp, type TestApp } from '../../support/app.js'
import { accountFor, clientFor, province, wardA, wardB } from '../../support/auth.js'
import { disclosures, periodDisclosures } from '../../support/disclosure-audit.js'

const now = '2024-06-20T03:00:00Z' // 10:00 in Hanoi
const local = (instant: string) => new Date(`${instant}+07:00`)
const withheld = { suppressed: true }

type Count = number | { suppressed: true } | null
interface Figure {
  unitCode: string
  numerator: Count
  denominator: Count
  value: number | { suppressed: true } | null
  met: boolean | null
  breakdowns: { dimensions: string[]; cells: { key: Record<string, string>; numerator: Count; denominator: Count }[] }[]
}
interface Table {
  asOf: string
  indicators: { code: string; source: string; target: unknown; values: Figure[] }[]
}

type Tx = Parameters<Parameters<typeof inScope>[2]>[0]

/** Writers of cases and referrals straight into the tables, for a provider of the directory. */
function caseWriters(tx: Tx, providerId: string) {
  const incident = async (
    ward: string,
    kind: (typeof incidents.$inferInsert)['kind'],
    received: string,
    options: { planAt?: string; closed?: { at: string; reason: string } } = {},
  ) => {
    const receivedAt = local(received)
    const [row] = await tx
      .insert(incidents)
      .values({
        provinceCode: '01',
        wardCode: ward,
        kind,
        occurredAt: receivedAt,
        occurredAtPrecision: 'exact',
        detectedAt: receivedAt,
        channel: 'phone',
        writtenReportRequired: false,
        writtenReportDueAt: new Date(receivedAt.getTime() + 24 * 3_600_000),
        writtenReportBasis: 'occurred',
        receivedAt,
        status: options.closed ? 'closed' : 'open',
        closedAt: options.closed ? local(options.closed.at) : null,
        closureReason: options.closed?.reason ?? null,
        createdAt: receivedAt,
        updatedAt: receivedAt,
      })
      .returning({ id: incidents.id })
    const [child] = await tx
      .insert(incidentChildren)
      .values({
        incidentId: row!.id,
        provinceCode: '01',
        wardCode: ward,
        sex: 'female',
        ageYears: 9,
        createdAt: receivedAt,
      })
      .returning({ id: incidentChildren.id })
    if (options.planAt) {
      const at = local(options.planAt)
      await tx
        .insert(incidentSteps)
        .values({ incidentId: row!.id, provinceCode: '01', wardCode: ward, step: 'support_plan', at, createdAt: at })
    }
    return { id: row!.id, childId: child!.id, ward }
  }
  const referral = (
    from: { id: string; childId: string; ward: string },
    urgency: 'emergency' | 'urgent' | 'routine',
    sent: string,
    due: string,
    answer: { respondedAt?: string; closedAt?: string } = {},
  ) =>
    tx.insert(referrals).values({
      incidentId: from.id,
      incidentChildId: from.childId,
      provinceCode: '01',
      wardCode: from.ward,
      providerId,
      services: ['counselling'],
      urgency,
      emergencyReason: 'synthetic',
      state: answer.closedAt ? 'closed' : answer.respondedAt ? 'accepted' : 'sent',
      sentAt: local(sent),
      dueAt: local(due),
      respondedAt: answer.respondedAt ? local(answer.respondedAt) : null,
      closedAt: answer.closedAt ? local(answer.closedAt) : null,
      createdAt: local(sent),
      updatedAt: local(sent),
    })

  return { incident, referral }
}

/**
 * Ward A: a plan on time (received 4 March, made 8 March, due 11 March), a plan late (received 1 April,
 * due 8 April, made 15 April), a report closed as not a protection case before its plan was due, and a
 * case received on 18 June whose plan is not due yet; a referral answered within its 24 hours, a routine
 * one never answered, and an emergency one not due yet on 20 June; closures: goals met (20 April), not a
 * protection case (3 May), moved away (10 June). Ward B: a case without a plan, due 13 May and closed
 * on 14 May with its reason written in words; a referral withdrawn before it was due.
 */
async function seedCasework({ app }: TestApp): Promise<void> {
  await inScope(app.database.db, systemScope, async (tx) => {
    const [provider] = await tx.select({ id: serviceProviders.id }).from(serviceProviders).limit(1)
    const { incident, referral } = caseWriters(tx, provider!.id)

    const onTime = await incident(wardA, 'violence', '2024-03-04T09:00:00', {
      planAt: '2024-03-08T15:00:00',
      closed: { at: '2024-04-20T10:00:00', reason: 'goals_met' },
    })
    const late = await incident(wardA, 'sexual_abuse', '2024-04-01T09:00:00', {
      planAt: '2024-04-15T09:00:00',
      closed: { at: '2024-06-10T10:00:00', reason: 'moved_away' },
    })
    await incident(wardA, 'neglect', '2024-05-02T09:00:00', {
      closed: { at: '2024-05-03T10:00:00', reason: 'not_a_protection_case' },
    })
    const notDue = await incident(wardA, 'violence', '2024-06-18T09:00:00')
    const unplanned = await incident(wardB, 'violence', '2024-05-06T09:00:00', {
      closed: { at: '2024-05-14T16:00:00', reason: 'Gia đình chuyển đi nơi khác' },
    })

    await referral(onTime, 'urgent', '2024-03-05T09:00:00', '2024-03-06T09:00:00', {
      respondedAt: '2024-03-05T15:00:00',
    })
    await referral(late, 'routine', '2024-04-02T09:00:00', '2024-04-05T23:59:59')
    await referral(notDue, 'emergency', '2024-06-20T08:00:00', '2024-06-20T20:00:00')
    await referral(unplanned, 'routine', '2024-05-07T09:00:00', '2024-05-10T23:59:59', {
      closedAt: '2024-05-08T09:00:00',
    })
  })
}

/**
 * 2023, a larger world in which most cells are 5 or more, so that suppression has something to protect:
 * ward A closed 7 cases as goals met, 2 as moved away and 6 as transferred; ward B 5 as goals met and
 * 1 as moved away. Ward A's 8 urgent referrals were answered in time, its 3 routine ones late; ward B's
 * 6 urgent ones in time and 1 routine one late.
 */
async function seedLargerYear({ app }: TestApp): Promise<void> {
  const closures: [string, string, number][] = [
    [wardA, 'goals_met', 7],
    [wardA, 'moved_away', 2],
    [wardA, 'transferred', 6],
    [wardB, 'goals_met', 5],
    [wardB, 'moved_away', 1],
  ]
  const answers: [string, 'urgent' | 'routine', boolean, number][] = [
    [wardA, 'urgent', true, 8],
    [wardA, 'routine', false, 3],
    [wardB, 'urgent', true, 6],
    [wardB, 'routine', false, 1],
  ]
  await inScope(app.database.db, systemScope, async (tx) => {
    const [provider] = await tx.select({ id: serviceProviders.id }).from(serviceProviders).limit(1)
    const { incident, referral } = caseWriters(tx, provider!.id)
    for (const [ward, reason, count] of closures)
      for (let n = 0; n < count; n++)
        await incident(ward, 'violence', '2023-03-06T09:00:00', { closed: { at: '2023-09-12T10:00:00', reason } })
    for (const [ward, urgency, onTime, count] of answers)
      for (let n = 0; n < count; n++) {
        const from = await incident(ward, 'neglect', '2023-05-08T09:00:00')
        await referral(from, urgency, '2023-05-08T10:00:00', '2023-05-09T10:00:00', {
          respondedAt: onTime ? '2023-05-08T16:00:00' : '2023-05-15T16:00:00',
        })
      }
  })
}

/** A third ward of the old district, for the 2022 world. */
const wardC = '00307'

/**
 * 2022, a year whose counts grow from one closing day to the next: by 14 May ward A closed 1 case of violence
 * as goals met and 1 of neglect as moved away, wards B and C 6 of each; by 14 September ward A has closed 4 more of each, so
 * that none of September's counts is small. Published apart, May withholds wards A and B and shows ward C
 * and the district (13 goals met); September shows every count, and since no count falls, ward A's goals
 * met in May (13 less ward C's 6, less ward B's at most 6, and at most September's 5) lay between 1 and 5.
 */
async function seedGrowingYear({ app }: TestApp): Promise<void> {
  const closures: [string, string, string, number][] = [
    [wardA, '2022-04-11T10:00:00', 'goals_met', 1],
    [wardA, '2022-04-11T10:00:00', 'moved_away', 1],
    [wardB, '2022-04-12T10:00:00', 'goals_met', 6],
    [wardB, '2022-04-12T10:00:00', 'moved_away', 6],
    [wardC, '2022-04-13T10:00:00', 'goals_met', 6],
    [wardC, '2022-04-13T10:00:00', 'moved_away', 6],
    [wardA, '2022-08-09T10:00:00', 'goals_met', 4],
    [wardA, '2022-08-09T10:00:00', 'moved_away', 4],
  ]
  await inScope(app.database.db, systemScope, async (tx) => {
    const [provider] = await tx.select({ id: serviceProviders.id }).from(serviceProviders).limit(1)
    const { incident } = caseWriters(tx, provider!.id)
    for (const [ward, at, reason, count] of closures)
      for (let n = 0; n < count; n++)
        await incident(ward, reason === 'goals_met' ? 'violence' : 'neglect', '2022-03-07T09:00:00', {
          closed: { at, reason },
        })
  })
}

t.test('case-work indicators', async (t) => {
  const ctx = await createTestApp(t, { now })
  const { app } = ctx
  await seedCasework(ctx)
  await seedLargerYear(ctx)
  await seedGrowingYear(ctx)
  const district = await accountFor(ctx, { role: 'district_officer', units: [province] })
  const officerB = await accountFor(ctx, { role: 'ward_officer', units: [wardB] })
  const city = await clientFor(ctx, { role: 'city_system', units: [province] })
  const table = async (query: string, account = district): Promise<Table> => {
    const response = await app.inject({ url: `/v1/indicators/values?${query}`, headers: account.headers })
    if (response.statusCode !== 200) throw new Error(`${query}: ${response.statusCode} ${response.body}`)
    return response.json<Table>()
  }
  const figure = (data: Table, code: string, unit: string) => {
    const found = data.indicators.find((i) => i.code === code)?.values.find((v) => v.unitCode === unit)
    if (!found) throw new Error(`no figure for ${code} in ${unit}`)
    return found
  }
  const cells = (found: Figure) =>
    found.breakdowns[0]!.cells.map((c) => [...Object.values(c.key), c.numerator, c.denominator])

  t.test('figures for a ward and the district, worked out by hand', async (t) => {
    const data = await table('year=2024&unit=008')
    const cases: [string, string, Count, Count, number | null][] = [
      // The plan of 8 March in time, that of 15 April late; the report closed before its plan was due owes
      // none, and the case of 18 June is not due yet. Ward B's plan due 13 May was never made.
      ['SUPPORT_PLAN_ON_TIME_PCT', wardA, 1, 2, 50],
      ['SUPPORT_PLAN_ON_TIME_PCT', wardB, 0, 1, 0],
      ['SUPPORT_PLAN_ON_TIME_PCT', '008', 1, 3, 33.33],
      // Answered in 6 hours, and unanswered since 5 April; the emergency one is due tonight, ward B's was withdrawn.
      ['REFERRALS_ANSWERED_ON_TIME_PCT', wardA, 1, 2, 50],
      ['REFERRALS_ANSWERED_ON_TIME_PCT', wardB, 0, 0, null],
      ['REFERRALS_ANSWERED_ON_TIME_PCT', '008', 1, 2, 50],
      ['CLOSED_CASES', wardA, 3, null, 3],
      ['CLOSED_CASES', wardB, 1, null, 1],
      ['CLOSED_CASES', '008', 4, null, 4],
    ]
    for (const [code, unit, numerator, denominator, value] of cases)
      t.match(figure(data, code, unit), { numerator, denominator, value, met: null }, `${code} in ${unit}`)
    for (const code of ['SUPPORT_PLAN_ON_TIME_PCT', 'REFERRALS_ANSWERED_ON_TIME_PCT', 'CLOSED_CASES'])
      t.equal(data.indicators.find((i) => i.code === code)!.target, null, `${code}: the plan sets no target`)

    const before = await table('year=2024&unit=008&asOf=2024-04-07')
    t.match(
      figure(before, 'SUPPORT_PLAN_ON_TIME_PCT', '008'),
      { numerator: 1, denominator: 1 },
      'on 7 April the plan due on 8 April is not judged yet',
    )
    t.match(figure(before, 'REFERRALS_ANSWERED_ON_TIME_PCT', '008'), { numerator: 1, denominator: 2 })

    const own = await table(`year=2024&unit=${wardB}`, officerB)
    t.match(figure(own, 'CLOSED_CASES', wardB), { numerator: 1 }, 'a ward officer sees the ward’s own figures')
  })

  t.test('breakdowns: by kind, by urgency, by closure reason', async (t) => {
    const byKind = await table('year=2024&unit=008&breakdown=kind')
    t.same(cells(figure(byKind, 'SUPPORT_PLAN_ON_TIME_PCT', '008')), [
      ['sexual_abuse', 0, 1],
      ['violence', 1, 2],
    ])
    const byUrgency = await table('year=2024&unit=008&breakdown=urgency')
    t.same(cells(figure(byUrgency, 'REFERRALS_ANSWERED_ON_TIME_PCT', '008')), [
      ['urgent', 1, 1],
      ['routine', 0, 1],
    ])
    const byReason = await table('year=2024&unit=008&breakdown=closureReason')
    t.same(
      cells(figure(byReason, 'CLOSED_CASES', '008')),
      [
        ['goals_met', 1, null],
        ['moved_away', 1, null],
        ['not_a_protection_case', 1, null],
        ['unknown', 1, null],
      ],
      'a reason written in words is counted as unknown, and its words are not shown',
    )
  })

  t.test('a city system gets small counts withheld, on the full grid', async (t) => {
    const data = await table('year=2024&unit=008&breakdown=closureReason', city)
    t.equal(data.asOf, '2024-05-14', 'the latest closed period')
    t.match(figure(data, 'SUPPORT_PLAN_ON_TIME_PCT', '008'), { numerator: withheld, value: withheld })
    t.match(figure(data, 'REFERRALS_ANSWERED_ON_TIME_PCT', wardA), { numerator: withheld, denominator: withheld })
    t.match(figure(data, 'CLOSED_CASES', wardB), { numerator: withheld, value: withheld })
    const closed = figure(data, 'CLOSED_CASES', '008').breakdowns[0]!.cells
    t.same(
      closed.map((c) => c.key.closureReason),
      ['goals_met', 'moved_away', 'transferred', 'turned_16', 'death', 'not_a_protection_case', 'other', 'unknown'],
      'every reason is listed, so that which are listed tells nothing',
    )
    for (const breakdown of ['urgency', 'closureReason']) {
      const query = `year=2024&unit=008&breakdown=${breakdown}`
      t.same(await disclosures(await table(query, city), await table(`${query}&asOf=2024-05-14`)), [], query)
    }
    for (const code of ['SUPPORT_PLAN_ON_TIME_PCT', 'REFERRALS_ANSWERED_ON_TIME_PCT', 'CLOSED_CASES'])
      t.notMatch(
        JSON.stringify(data.indicators.find((i) => i.code === code)!.values),
        /"(numerator|denominator)":[1-4][,}]/,
        `${code}: no count of 1 to 4 reaches the city`,
      )
  })

  t.test('where most counts are 5 or more, a city system reads them and recovers none it is refused', async (t) => {
    for (const breakdown of ['urgency', 'closureReason']) {
      const query = `year=2023&unit=008&breakdown=${breakdown}`
      const data = await table(query, city)
      t.equal(data.asOf, '2023-12-31')
      t.same(await disclosures(data, await table(`${query}&asOf=2023-12-31`)), [], query)
    }
    const byReason = await table('year=2023&unit=008&breakdown=closureReason', city)
    t.match(figure(byReason, 'CLOSED_CASES', wardA), { numerator: 15 }, 'a count of 5 or more is published')
    t.match(figure(byReason, 'CLOSED_CASES', wardB), { numerator: 6 })
    const cellsOfA = figure(byReason, 'CLOSED_CASES', wardA).breakdowns[0]!.cells
    t.match(
      cellsOfA.find((c) => c.key.closureReason === 'moved_away'),
      { numerator: withheld },
      'the 2 is withheld',
    )
    t.notMatch(
      cellsOfA.find((c) => c.key.closureReason === 'transferred'),
      { numerator: 6 },
      'and the 6 beside it, which would give the 2 away from the published 15',
    )
    const district = figure(byReason, 'CLOSED_CASES', '008').breakdowns[0]!.cells
    t.match(
      district.find((c) => c.key.closureReason === 'goals_met'),
      { numerator: 12 },
      'a cell of 5 or more that gives nothing away is published',
    )
  })

  t.test('the year’s closing days, read in any order, give no count away between them', async (t) => {
    // September is published first: May's table is then protected with September's as shown.
    const days = ['2022-09-14', '2022-05-14', '2022-12-31', '2022-03-29', '2022-11-09']
    const periods: { asOf: string; city: Table; truth: Table }[] = []
    for (const asOf of days) {
      const query = `year=2022&unit=008&breakdown=closureReason&asOf=${asOf}`
      periods.push({ asOf, city: await table(query, city), truth: await table(query) })
    }
    t.same(await periodDisclosures(periods), [], 'no count narrowed across the closing days')
    for (const period of periods) t.same(await disclosures(period.city, period.truth), [], period.asOf)
    const closed = (asOf: string, unit: string) =>
      figure(periods.find((p) => p.asOf === asOf)!.city, 'CLOSED_CASES', unit)
    t.match(closed('2022-05-14', wardA), { numerator: withheld }, 'May’s 2 is withheld')
    t.match(closed('2022-09-14', wardA), { numerator: 10 }, 'September, published first, shows its 10')
  })

  t.test('the catalogue lists them', async (t) => {
    const response = await app.inject({ url: '/v1/indicators', headers: city.headers })
    t.equal(response.statusCode, 200)
    const items = response.json().items as { code: string }[]
    t.match(
      items.find((i) => i.code === 'SUPPORT_PLAN_ON_TIME_PCT'),
      {
        kind: 'percentage',
        breakdowns: ['kind'],
        source: 'incidents',
        available: true,
      },
    )
    t.match(
      items.find((i) => i.code === 'REFERRALS_ANSWERED_ON_TIME_PCT'),
      {
        kind: 'percentage',
        breakdowns: ['urgency'],
        available: true,
      },
    )
    t.match(
      items.find((i) => i.code === 'CLOSED_CASES'),
      {
        kind: 'count',
        denominator: null,
        breakdowns: ['closureReason', 'kind'],
        available: true,
      },
    )
  })
})
