import { randomUUID } from 'node:crypto'
import { sql } from 'drizzle-orm'
import t, { type Test } from 'tap'
import { queryRows, type Executor } from '../../../src/db/client.js'
import { loadDeadlineRules } from '../../../src/modules/incidents/repository.js'
import { ageGroups } from '../../../src/modules/children/rules.js'
import { settleRegistryTallies } from '../../../src/modules/children/repository.js'
import {
  careRecords,
  children,
  childCircumstances,
  healthInsuranceCards,
} from '../../../src/modules/children/tables.js'
import { MeasureSource } from '../../../src/modules/indicators/measures.js'
import { periodsOfYear } from '../../../src/modules/indicators/repository.js'
import { indicatorFigures } from '../../../src/modules/indicators/figures.js'
import { inScope, systemScope, textArray, type Scope } from '../../../src/platform/scope.js'
import { createTestApp, onPostgres, type TestApp } from '../../support/app.js'
import { accountFor, province, wardA, wardB } from '../../support/auth.js'
import { asTableOwner, ownerSession, waitForLockWaiter } from '../../support/owner.js'
import { addResidentialGroup } from '../../support/registry.js'
import { seedScenario } from './scenario.js'

const now = '2024-06-20T03:00:00Z'
const created = new Date('2024-01-02T00:00:00Z')
const wards = [wardA, wardB]

/** The tallies as net counts per key, whatever mix of deltas and settled rows holds them. */
async function netTallies({ app }: TestApp) {
  return inScope(app.database.db, systemScope, (tx) =>
    queryRows<Record<string, string | number | null>>(
      tx,
      sql`select ward_code, sex, birth_date::text, inactive_since::text, card_coverage::text, membership_coverage::text, care_coverage::text,
                 sum(children)::int as children
          from registry_tallies group by 1, 2, 3, 4, 5, 6, 7 having sum(children) <> 0 order by 1, 2, 3, 4, 5, 6, 7`,
    ),
  )
}

type Figures = Record<string, [children: number, special: number, cared: number] | [under6: number, carded: number]>

/** The registry measure's figures as the indicators compute them (from the tallies), by ward, sex and age group. */
async function fromTallies({ app }: TestApp, scope: Scope, windowFrom: string, asOf: string): Promise<Figures> {
  return inScope(app.database.db, scope, async (tx) => {
    const source = new MeasureSource({
      tx,
      scope,
      wards,
      projection: { sources: wards, kept: wards, byGroup: {}, byWard: {}, movedBackTo: wards, createdAfter: [] },
      windowFrom,
      asOf,
      cutoff: new Date(`${asOf}T23:59:59+07:00`),
      deadlines: await loadDeadlineRules(tx),
      periods: await periodsOfYear(tx, Number(asOf.slice(0, 4))),
      breakdowns: new Map(),
    })
    const registry = await source.registry()
    const figures: Figures = {}
    registry.children.forEach((cell, index) => {
      const special = registry.special[index]!
      if (cell.numerator !== 0 || special.denominator !== 0 || special.numerator !== 0)
        figures[`${cell.key.ward} ${cell.key.sex} ${cell.key.ageGroup}`] = [
          cell.numerator,
          special.denominator,
          special.numerator,
        ]
    })
    for (const cell of registry.carded)
      if (cell.denominator !== 0 || cell.numerator !== 0)
        figures[`${cell.key.ward} ${cell.key.sex} under 6`] = [cell.denominator, cell.numerator]
    return figures
  })
}

/** The same figures worked out from the children and their parts themselves, one child at a time: what the tallies must give. */
async function fromChildren({ app }: TestApp, windowFrom: string, asOf: string): Promise<Figures> {
  const yearsBefore = (years: number) => sql`(${asOf}::date - make_interval(years => ${years}))::date`
  const ageGroup = sql`case when born is null then 'unknown' ${sql.join(
    ageGroups.map(
      (group) =>
        sql`when born > ${yearsBefore(group.max + 1)} and born <= ${yearsBefore(group.min)} then ${group.code}::text`,
    ),
    sql` `,
  )} end`
  const rows = await inScope(app.database.db, systemScope, (tx) =>
    queryRows<{
      ward: string
      sex: string
      age_group: string
      under6: boolean
      special: boolean
      cared: boolean
      carded: boolean
    }>(
      tx,
      sql`select ward, sex, ${ageGroup} as age_group, born > ${yearsBefore(6)} as under6, special, cared, carded
          from (
            select c.ward_code as ward, c.sex, c.effective_birth_date as born,
                   exists (select 1 from child_circumstances m where m.child_id = c.id and m.kind = 'group' and m.group_code is not null
                             and m.start_date <= ${asOf}::date and (m.end_date is null or m.end_date >= ${asOf}::date)) as special,
                   exists (select 1 from care_records r where r.child_id = c.id and r.start_date <= ${asOf}::date
                             and (r.end_date is null or (r.end_date >= ${windowFrom}::date and r.start_date <= r.end_date))) as cared,
                   exists (select 1 from health_insurance_cards h where h.child_id = c.id
                             and h.valid_from <= ${asOf}::date and h.valid_to >= ${asOf}::date) as carded
              from children c
             where c.deleted_at is null and c.merged_into is null and c.ward_code = any(${textArray(wards)})
               and (c.effective_birth_date is null or (c.effective_birth_date <= ${asOf}::date and c.effective_birth_date > ${yearsBefore(16)}))
               and (c.status = 'active' or c.status_date > ${asOf}::date)
          ) child`,
    ),
  )
  const figures: Figures = {}
  for (const row of rows) {
    const age = (figures[`${row.ward} ${row.sex} ${row.age_group}`] ??= [0, 0, 0]) as number[]
    age[0]!++
    if (row.special) age[1]!++
    if (row.special && row.cared) age[2]!++
    if (row.under6) {
      const young = (figures[`${row.ward} ${row.sex} under 6`] ??= [0, 0]) as number[]
      young[0]!++
      if (row.carded) young[1]!++
    }
  }
  return figures
}

async function addChild(
  tx: Executor,
  values: Partial<typeof children.$inferInsert> & { wardCode: string; dateOfBirth: string },
) {
  const [row] = await tx
    .insert(children)
    .values({
      provinceCode: '01',
      fullName: `Trẻ thử nghiệm ${randomUUID().slice(0, 8)}`,
      sex: 'female',
      createdAt: created,
      updatedAt: created,
      ...values,
    })
    .returning({ id: children.id })
  return row!.id
}

t.test('registry tallies kept by the writing transactions', async (t) => {
  const ctx = await createTestApp(t, { now })
  await seedScenario(ctx)

  // Changes of every kind the tallies must follow: a new child and its parts, a birth date corrected,
  // a child moving ward, a card replaced, a membership ended, care ended, a merge moving parts to the
  // surviving record, a child moving out, a deletion, and a card whose dates are reversed.
  await inScope(ctx.app.database.db, systemScope, async (tx) => {
    const survivor = await addChild(tx, { wardCode: wardA, dateOfBirth: '2020-02-02' })
    const duplicate = await addChild(tx, { wardCode: wardA, dateOfBirth: '2020-02-02' })
    await tx.insert(healthInsuranceCards).values([
      {
        childId: duplicate,
        provinceCode: '01',
        wardCode: wardA,
        cardNumber: 'TE1-A',
        validFrom: '2020-02-02',
        validTo: '2022-12-31',
        createdAt: created,
      },
      {
        childId: duplicate,
        provinceCode: '01',
        wardCode: wardA,
        cardNumber: 'TE1-B',
        validFrom: '2023-01-01',
        validTo: '2026-09-30',
        createdAt: created,
      },
      {
        childId: survivor,
        provinceCode: '01',
        wardCode: wardA,
        cardNumber: 'TE1-C',
        validFrom: '2024-05-01',
        validTo: '2024-04-01',
        createdAt: created,
      },
    ])
    await tx.insert(childCircumstances).values({
      childId: duplicate,
      provinceCode: '01',
      wardCode: wardA,
      kind: 'group',
      groupCode: 'c',
      startDate: '2024-02-01',
      createdAt: created,
      updatedAt: created,
    })
    await tx
      .update(healthInsuranceCards)
      .set({ childId: survivor })
      .where(sql`${healthInsuranceCards.childId} = ${duplicate}`)
    await tx
      .update(childCircumstances)
      .set({ childId: survivor })
      .where(sql`${childCircumstances.childId} = ${duplicate}`)
    await tx
      .update(children)
      .set({ mergedInto: survivor, deletedAt: created })
      .where(sql`${children.id} = ${duplicate}`)

    const mover = await addChild(tx, { wardCode: wardA, dateOfBirth: '2017-07-07', sex: 'male' })
    await tx.insert(careRecords).values({
      childId: mover,
      provinceCode: '01',
      wardCode: wardA,
      kind: 'allowance',
      startDate: '2024-01-01',
      endDate: '2024-03-31',
      amountVnd: 500_000,
      createdAt: created,
      updatedAt: created,
    })
    await tx
      .update(children)
      .set({ wardCode: wardB, dateOfBirth: '2017-08-08' })
      .where(sql`${children.id} = ${mover}`)
    await tx.execute(sql`update care_records set ward_code = ${wardB} where child_id = ${mover}`)

    const leaver = await addChild(tx, { wardCode: wardB, dateOfBirth: '2019-09-09' })
    await tx
      .update(children)
      .set({ status: 'moved_out', statusDate: '2024-05-05' })
      .where(sql`${children.id} = ${leaver}`)
    const removed = await addChild(tx, { wardCode: wardB, dateOfBirth: '2019-10-10' })
    await tx.delete(children).where(sql`${children.id} = ${removed}`)
    await tx.execute(
      sql`update child_circumstances set end_date = '2024-04-30' where group_code = 'b' and id = (select min(id::text)::uuid from child_circumstances where group_code = 'b')`,
    )
  })

  const sameBothWays = async (t: Test) => {
    for (const [windowFrom, asOf] of [
      ['2024-01-01', '2024-01-01'],
      ['2024-01-01', '2024-03-31'],
      ['2024-04-01', '2024-04-30'],
      ['2024-01-01', '2024-05-05'],
      ['2024-01-01', '2024-06-20'],
      ['2023-01-01', '2023-12-31'],
    ] as const) {
      const expected = await fromChildren(ctx, windowFrom, asOf)
      t.ok(
        Object.values(expected).some((figure) => figure.length === 2 && figure[1] > 0),
        'cards are counted',
      )
      t.same(
        await fromTallies(ctx, { all: false, wards, groups: [] }, windowFrom, asOf),
        expected,
        `${windowFrom}…${asOf}: as counting the children gives`,
      )
    }
  }

  t.test('answer as counting the children does, before the deltas are folded', async (t) => {
    await sameBothWays(t)
    t.same(
      [...ageGroups]
        .sort((a, b) => a.min - b.min)
        .map((group, index, sorted) => index === 0 || group.min === sorted[index - 1]!.max + 1),
      ageGroups.map(() => true),
      'the age groups follow one another without a gap (the age buckets assume it)',
    )
  })

  t.test('equal a rebuild from the tables, before and after settling', async (t) => {
    const incremental = await netTallies(ctx)
    t.ok(incremental.length > 0)
    const merged = incremental.filter((row) => row.birth_date === '2020-02-02')
    t.same(
      merged,
      [
        {
          ward_code: wardA,
          sex: 'female',
          birth_date: '2020-02-02',
          inactive_since: null,
          card_coverage: '{[2020-02-02,2026-10-01)}',
          membership_coverage: '{[2024-02-01,)}',
          care_coverage: '{}',
          children: 1,
        },
      ],
      'the merged record left the tallies; the survivor holds its cards and membership; a reversed card covers no day',
    )
    t.same(
      incremental.filter((row) => row.birth_date === '2019-09-09'),
      [
        {
          ward_code: wardB,
          sex: 'female',
          birth_date: '2019-09-09',
          inactive_since: '2024-05-05',
          card_coverage: '{}',
          membership_coverage: '{}',
          care_coverage: '{}',
          children: 1,
        },
      ],
    )
    t.equal(incremental.filter((row) => row.birth_date === '2019-10-10').length, 0, 'a deleted row leaves no count')

    const [{ deltas }] = (await inScope(ctx.app.database.db, systemScope, (tx) =>
      queryRows<{ deltas: number }>(tx, sql`select count(*)::int as deltas from registry_tallies where not settled`),
    )) as [{ deltas: number }]
    t.ok(deltas > 3, 'the writes appended deltas')
    t.equal(await settleRegistryTallies(ctx.app.database.db, 3), deltas, 'folded three at a time, every one of them')
    t.same(await netTallies(ctx), incremental, 'settling changes no count')
    t.equal(await settleRegistryTallies(ctx.app.database.db), 0, 'nothing left to fold')
    await sameBothWays(t)

    await asTableOwner(ctx.app.database, ['select cps_rebuild_registry_tallies()'])
    t.same(await netTallies(ctx), incremental, 'a rebuild from the tables finds the same counts')
  })

  t.test('the application role reads its wards’ tallies and writes none', async (t) => {
    const seen = await inScope(ctx.app.database.db, { all: false, wards: [wardA], groups: [] }, (tx) =>
      queryRows<{ ward_code: string }>(tx, sql`select distinct ward_code from registry_tallies`),
    )
    t.same(seen, [{ ward_code: wardA }], 'row-level security: another ward’s counts are not visible')
    const before = await netTallies(ctx)
    for (const statement of [
      sql`insert into registry_tallies (ward_code, sex, card_coverage, membership_coverage, care_coverage, children) values (${wardA}, 'male', '{}', '{}', '{}', 1000)`,
      sql`update registry_tallies set children = children + 1`,
      sql`delete from registry_tallies`,
      sql`select cps_rebuild_registry_tallies()`,
      sql`update children set card_coverage = '{[2000-01-01,)}' where ward_code = ${wardA}`,
      sql`insert into children (province_code, ward_code, full_name, sex, created_at, updated_at, card_coverage)
          values ('01', ${wardA}, 'Trẻ thử nghiệm giả thẻ', 'male', now(), now(), '{[2000-01-01,)}')`,
    ]) {
      const attempt = inScope(ctx.app.database.db, systemScope, (tx) => tx.execute(statement))
      await t.rejects(attempt, { cause: { code: '42501' } }, 'permission denied')
    }
    t.same(await netTallies(ctx), before, 'no count changed')
  })

  t.test(
    'writers adding children with the same key do not wait for one another',
    { skip: !onPostgres && 'needs two connections' },
    async (t) => {
      const [first, second] = await Promise.all([ownerSession(t, ctx.app.database), ownerSession(t, ctx.app.database)])
      const insert = `insert into children (province_code, ward_code, full_name, date_of_birth, sex, created_at, updated_at)
                    values ('01', '${wardA}', 'Trẻ thử nghiệm song song', '2022-02-22', 'male', now(), now())`
      await first.query('begin')
      await first.query(insert)
      await second.query(`set lock_timeout = '1s'`)
      await second.query('begin')
      await second.query(insert)
      await second.query('commit')
      await first.query('commit')
      const counted = (await netTallies(ctx)).filter((row) => row.birth_date === '2022-02-22')
      t.same(
        counted.map((row) => row.children),
        [2],
      )
    },
  )

  t.test('the tallies answer for whole wards only: a residential group’s officer is refused its ward', async (t) => {
    const admin = await accountFor(ctx, { role: 'district_admin', units: [province] })
    t.equal(
      (
        await addResidentialGroup(ctx, admin, {
          code: `${wardA}-91`,
          nameVi: 'Tổ dân phố thử nghiệm',
          parentCode: wardA,
        })
      ).statusCode,
      201,
    )
    const groupOfficer = await accountFor(ctx, { role: 'ward_officer', units: [`${wardA}-91`] })
    const response = await ctx.app.inject({
      url: `/v1/indicators/values?year=2024&unit=${wardA}`,
      headers: groupOfficer.headers,
    })
    t.equal(response.statusCode, 403)
    t.equal(response.json().code, 'unit_out_of_scope')
  })

  t.test('figures for a window that has not started are refused, not computed', async (t) => {
    const ward = { code: wardA, nameVi: 'Phường thử nghiệm', level: 'ward' }
    const attempt = inScope(ctx.app.database.db, { all: false, wards: [wardA], groups: [] }, (tx) =>
      indicatorFigures(tx, {
        scope: { all: false, wards: [wardA], groups: [] },
        year: 2024,
        target: {
          unit: ward,
          superior: null,
          wards: [ward],
          projection: {
            sources: [wardA],
            kept: [wardA],
            byGroup: {},
            byWard: {},
            movedBackTo: [wardA],
            createdAfter: [],
          },
          reprojected: false,
        },
        windowFrom: '2024-07-01',
        asOf: '2024-06-20',
        now: new Date(now),
        setsFor: () => [],
      }),
    )
    await t.rejects(attempt, { status: 409, code: 'window_not_started' })
  })

  t.test(
    'parts written at once to the same child both reach its coverage',
    { skip: !onPostgres && 'needs two connections' },
    async (t) => {
      const [first, second] = await Promise.all([ownerSession(t, ctx.app.database), ownerSession(t, ctx.app.database)])
      const [{ id }] = (
        await first.query<{ id: string }>(
          `insert into children (province_code, ward_code, full_name, date_of_birth, sex, created_at, updated_at)
         values ('01', '${wardB}', 'Trẻ thử nghiệm hai thẻ', '2023-03-03', 'female', now(), now()) returning id`,
        )
      ).rows as [{ id: string }]
      const card = (number: string, from: string, to: string) =>
        `insert into health_insurance_cards (child_id, province_code, ward_code, card_number, valid_from, valid_to, created_at)
       values ('${id}', '01', '${wardB}', '${number}', '${from}', '${to}', now())`
      await first.query('begin')
      await first.query(card('TE1-R1', '2023-03-03', '2024-03-02'))
      await second.query('begin')
      const waiting = second.query(card('TE1-R2', '2025-01-01', '2025-12-31'))
      await waitForLockWaiter(first)
      await first.query('commit')
      await waiting
      await second.query('commit')
      const [{ coverage }] = (
        await first.query<{ coverage: string }>(
          `select card_coverage::text as coverage from children where id = '${id}'`,
        )
      ).rows as [{ coverage: string }]
      t.equal(
        coverage,
        '{[2023-03-03,2024-03-03),[2025-01-01,2026-01-01)}',
        'the second writer waited for the first and kept its card',
      )
      const incremental = await netTallies(ctx)
      await asTableOwner(ctx.app.database, ['select cps_rebuild_registry_tallies()'])
      t.same(await netTallies(ctx), incremental, 'the tallies agree with a rebuild')
    },
  )

  t.test('emptying a table with TRUNCATE empties what it counted', async (t) => {
    await asTableOwner(ctx.app.database, ['truncate care_records'])
    const after = await netTallies(ctx)
    t.ok(
      after.every((row) => row.care_coverage === '{}'),
      'no care left in the coverage',
    )
    await asTableOwner(ctx.app.database, ['select cps_rebuild_registry_tallies()'])
    t.same(await netTallies(ctx), after, 'the tallies agree with a rebuild')
    await sameBothWays(t)
  })
})
