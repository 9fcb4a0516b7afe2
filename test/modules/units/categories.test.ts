import { eq } from 'drizzle-orm'
import t, { type Test } from 'tap'
import { auditEvents } from '../../../src/modules/audit/tables.js'
import { createTestApp } from '../../support/app.js'
import { accountFor, province } from '../../support/auth.js'
import { registerChild } from '../../support/registry.js'

const newWard = '00301-2025'
const oldWard = '00301'

t.test('unit categories and recognising units, effective-dated', async (t) => {
  const ctx = await createTestApp(t, { now: '2026-12-03T03:00:00Z' })
  const { app } = ctx
  const admin = await accountFor(ctx, { role: 'district_admin', units: [province] })
  const district = await accountFor(ctx, { role: 'district_officer', units: [province] })
  const officer = await accountFor(ctx, { role: 'ward_officer', units: [newWard] })
  const oldOfficer = await accountFor(ctx, { role: 'ward_officer', units: [oldWard] })
  const history = async (code = newWard) =>
    app.inject({ url: `/v1/units/${code}/categories`, headers: officer.headers })
  const setCategory = (payload: Record<string, unknown>, code = newWard, headers = admin.headers) =>
    app.inject({ method: 'POST', url: `/v1/units/${code}/categories`, headers, payload })
  // Outside the assessment years (2022, 2024, 2027…) an administrator opens an extraordinary assessment.
  const open = async (t: Test, account: typeof officer, wardCode: string, year: number) => {
    const regular = year === 2022 || year === 2024
    const response = await app.inject({
      method: 'POST',
      url: regular ? '/v1/assessments' : '/v1/assessments/extraordinary',
      headers: regular ? account.headers : admin.headers,
      payload: {
        wardCode,
        year,
        assessedOn: `${year}-11-15`,
        ...(regular ? {} : { reason: 'Đánh giá bổ sung (thử nghiệm)' }),
      },
    })
    t.equal(response.statusCode, 201, `assessment of ${wardCode} in ${year} opened`)
    return response.json<{ category: string; requiredTotal: number; recognisingUnitCode: string | null }>()
  }

  t.test('seeded from the units reference: each ward from its first day, recognised by its parent', async (t) => {
    const response = await history()
    t.equal(response.statusCode, 200)
    t.match(response.json(), {
      unitCode: newWard,
      items: [
        {
          category: 'urban_ward_central_city',
          decision06Class: 'urban_ward_central_city',
          validFrom: '2025-07-01',
          validTo: null,
          recognisingUnitCode: '01',
          setBy: null,
        },
      ],
    })
    t.match((await history(oldWard)).json().items, [{ validFrom: '2004-01-01', recognisingUnitCode: '008' }])
    t.equal((await history('nowhere')).statusCode, 404)
  })

  t.test('re-categorised as a commune from a date: assessments after it need 850, before it 900', async (t) => {
    const set = await setCategory({ category: 'commune', validFrom: '2026-06-01', note: 'Nghị quyết (test)' })
    t.equal(set.statusCode, 201)
    t.match(set.json(), {
      unitCode: newWard,
      category: 'commune',
      categoryNameEn: 'Commune',
      decision06Class: 'other',
      validFrom: '2026-06-01',
      validTo: null,
      recognisingUnitCode: '01',
      setBy: admin.id,
      note: 'Nghị quyết (test)',
    })
    const audited = await app.database.db
      .select()
      .from(auditEvents)
      .where(eq(auditEvents.requestId, set.headers['x-request-id'] as string))
    t.same(
      audited.map((e) => [e.action, e.outcome, e.resourceId, e.unitCode]),
      [['unit.category.set', 'success', newWard, newWard]],
    )
    t.match(audited[0]?.details, { category: 'commune', previous: 'urban_ward_central_city', replaced: false })

    t.same(
      (await history()).json().items.map((e: { category: string; validTo: string | null }) => [e.category, e.validTo]),
      [
        ['urban_ward_central_city', '2026-05-31'],
        ['commune', null],
      ],
    )
    const unit = await app.inject({ url: `/v1/units/${newWard}`, headers: officer.headers })
    t.equal(unit.json().category, 'commune', 'the unit shows the category in force today')
    const listed = async (asOf: string) =>
      (await app.inject({ url: `/v1/units?level=ward&asOf=${asOf}&limit=200`, headers: officer.headers }))
        .json<{ items: { code: string; category: string }[] }>()
        .items.find((u) => u.code === newWard)?.category
    t.equal(await listed('2026-01-01'), 'urban_ward_central_city', 'a list as of a date shows the category then')
    t.equal(await listed('2026-06-01'), 'commune')

    t.match(await open(t, officer, newWard, 2026), {
      category: 'other',
      requiredTotal: 850,
      recognisingUnitCode: '01',
    })
    t.match(await open(t, officer, newWard, 2025), {
      category: 'urban_ward_central_city',
      requiredTotal: 900,
      recognisingUnitCode: '01',
    })
  })

  t.test('the same date again replaces the entry', async (t) => {
    const replaced = await setCategory({ category: 'disadvantaged_commune', validFrom: '2026-06-01' })
    t.equal(replaced.statusCode, 200)
    t.match(replaced.json(), { decision06Class: 'disadvantaged', recognisingUnitCode: '01', note: null })
    t.equal((await history()).json().items.length, 2)
  })

  t.test('the recognising unit: the district before the reform unless configured otherwise', async (t) => {
    t.match(await open(t, oldOfficer, oldWard, 2023), { recognisingUnitCode: '008', requiredTotal: 900 })
    const set = await setCategory(
      { category: 'urban_ward_central_city', validFrom: '2024-01-01', recognisingUnitCode: '01' },
      oldWard,
    )
    t.equal(set.statusCode, 201)
    t.match(await open(t, oldOfficer, oldWard, 2024), { recognisingUnitCode: '01', requiredTotal: 900 })
  })

  t.test('bad input answers 4xx and changes nothing', async (t) => {
    const before = (await history()).json()
    const cases: [string, string, Record<string, unknown>, number, string[]][] = [
      ['an unknown category', newWard, { category: 'village', validFrom: '2026-07-01' }, 422, ['/category']],
      [
        'a threshold class is not a category',
        newWard,
        { category: 'other', validFrom: '2026-07-01' },
        422,
        ['/category'],
      ],
      ['not a ward', '008', { category: 'commune', validFrom: '2020-01-01' }, 422, ['/code']],
      ['before the ward existed', newWard, { category: 'commune', validFrom: '2025-06-30' }, 422, ['/validFrom']],
      [
        'a recogniser not above the ward',
        newWard,
        { category: 'commune', validFrom: '2026-07-01', recognisingUnitCode: '008' },
        422,
        ['/recognisingUnitCode'],
      ],
      ['not a date', newWard, { category: 'commune', validFrom: '2026-13-01' }, 400, ['/validFrom']],
      [
        'an unknown member',
        newWard,
        { category: 'commune', validFrom: '2026-07-01', threshold: 700 },
        400,
        ['/threshold'],
      ],
      ['no category', newWard, { validFrom: '2026-07-01' }, 400, ['/category']],
    ]
    for (const [name, code, payload, status, pointers] of cases) {
      const response = await setCategory(payload, code)
      t.equal(response.statusCode, status, name)
      t.match(response.headers['content-type'], /application\/problem\+json/, name)
      if (status === 422) t.equal(response.json().code, 'invalid_unit_category', name)
      t.same(
        response.json().errors.map((e: { pointer: string }) => e.pointer),
        pointers,
        name,
      )
    }
    t.equal((await setCategory({ category: 'commune', validFrom: '2026-07-01' }, 'nowhere')).statusCode, 404)
    for (const account of [district, officer]) {
      const response = await setCategory({ category: 'commune', validFrom: '2026-07-01' }, newWard, account.headers)
      t.equal(response.statusCode, 403, 'without units:manage')
    }
    t.same((await history()).json(), before, 'nothing changed')
  })
})

t.test('a city officer assigned to the city sees the records of the wards under it', async (t) => {
  const ctx = await createTestApp(t, { now: '2026-12-03T03:00:00Z' })
  const { app } = ctx
  const officer = await accountFor(ctx, { role: 'ward_officer', units: [newWard] })
  const city = await accountFor(ctx, { role: 'city_officer', units: [province] })
  const elsewhere = await accountFor(ctx, { role: 'city_officer', units: ['00322-2025'] })
  const child = await registerChild(ctx, officer, {
    fullName: 'Đỗ Minh Châu',
    dateOfBirth: '2019-04-04',
    address: { wardCode: newWard },
  })
  const read = await app.inject({ url: `/v1/children/${child.id}`, headers: city.headers })
  t.equal(read.statusCode, 200)
  t.equal(read.json().address.wardCode, newWard)
  t.equal(
    (await app.inject({ url: `/v1/children/${child.id}`, headers: elsewhere.headers })).statusCode,
    404,
    'a city officer assigned elsewhere does not see it',
  )
})
