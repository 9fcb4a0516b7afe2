import { sql } from 'drizzle-orm'
import t from 'tap'
import { createTestApp } from '../../support/app.js'
import { accountFor, wardA } from '../../support/auth.js'
import { registerChild } from '../../support/registry.js'
import { countRows, now, postImport, registrySnapshot } from './helpers.js'

const xlsxType = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'

t.test('export → fix → import: the registry’s own files come back', async (t) => {
  const ctx = await createTestApp(t, { now })
  const { app } = ctx
  const officer = await accountFor(ctx, { role: 'ward_officer', units: [wardA] })
  const household = await app.inject({
    method: 'POST',
    url: '/v1/households',
    headers: officer.headers,
    payload: { headName: 'Nguyễn Văn Hùng', address: { wardCode: wardA } },
  })
  const an = await registerChild(ctx, officer, {
    fullName: 'Nguyễn Văn An',
    sex: 'male',
    dateOfBirth: '2019-03-02',
    personalId: '001219012345',
    birthRegistered: true,
    householdId: household.json().id,
    healthNote: 'hen suyễn',
    address: { wardCode: wardA, streetAddress: 'Ngõ 12 phố Mẫu' },
  })
  await registerChild(ctx, officer, {
    fullName: 'Trần Thị Bình',
    sex: 'female',
    birthYear: 2016,
    dateOfBirth: null,
    birthDatePrecision: 'year',
    address: { wardCode: wardA },
  })
  await registerChild(ctx, officer, {
    fullName: 'Lê Minh Châu',
    sex: 'female',
    dateOfBirth: '2020-05-15',
    birthDatePrecision: 'month',
    address: { wardCode: wardA },
  })
  await registerChild(ctx, officer, {
    fullName: '=HYPERLINK("http://evil.example","bấm")',
    sex: 'unknown',
    dateOfBirth: '2021-01-01',
    address: { wardCode: wardA },
  })
  const membership = await app.inject({
    method: 'POST',
    url: `/v1/children/${an.id}/circumstances`,
    headers: officer.headers,
    payload: { kind: 'group', groupCode: 'd', startDate: '2024-01-01' },
  })
  t.equal(membership.statusCode, 201)
  const exportOf = (query: string) => app.inject({ url: `/v1/children/export?${query}`, headers: officer.headers })

  for (const [name, query, contentType] of [
    ['CSV with Vietnamese headers', 'format=csv', 'text/csv'],
    ['CSV with English headers', 'format=csv&headers=en', 'text/csv'],
    ['XLSX', 'format=xlsx', xlsxType],
  ] as const) {
    t.test(`${name}: imported back unchanged, nothing written`, async (t) => {
      const exported = await exportOf(query)
      t.equal(exported.statusCode, 200)
      const before = await registrySnapshot(ctx)
      const response = await postImport(ctx, officer, exported.rawPayload, { contentType })
      t.equal(response.statusCode, 201)
      t.match(response.json(), {
        state: 'completed',
        counts: { created: 0, updated: 0, unchanged: 4, rejected: 0, warnings: 0 },
        problems: [],
      })
      t.same(await registrySnapshot(ctx), before)
    })
  }

  t.test('a fixed cell updates just that child, keyed by the export’s id', async (t) => {
    const exported = (await exportOf('format=csv')).body
    t.ok(exported.includes('Ngõ 12 phố Mẫu'))
    const fixed = exported.replace('Ngõ 12 phố Mẫu', 'Số 7 ngõ 12 phố Mẫu').replace('Lê Minh Châu', 'Lê Minh Châu Anh')
    const response = await postImport(ctx, officer, fixed)
    t.match(response.json().counts, { created: 0, updated: 2, unchanged: 2, rejected: 0 })
    const child = await app.inject({ url: `/v1/children/${an.id}`, headers: officer.headers })
    t.match(child.json(), {
      address: { streetAddress: 'Số 7 ngõ 12 phố Mẫu' },
      healthNote: 'hen suyễn',
      personalId: '001219012345',
    })
    t.ok(
      child.json().circumstances.some((c: { groupCode: string; active: boolean }) => c.groupCode === 'd' && c.active),
      'the group listed in the export is kept',
    )
    t.equal(
      await countRows(ctx, 'children', sql`external_id is not null`),
      0,
      'rows matched by id gain no key they did not have',
    )
  })

  t.test('an export row given a key links the record to it; the next file with that key updates it', async (t) => {
    const exported = (await exportOf('format=csv&headers=en')).body.replace(/^\uFEFF/, '')
    const lines = exported.trim().split('\r\n')
    const anLine = lines.find((line) => line.startsWith(an.id))!
    const linked = [lines[0], anLine.replace(`${an.id},,`, `${an.id},SO-77,`)].join('\r\n')
    const response = await postImport(ctx, officer, linked, { query: 'source=so-ho-khau' })
    t.match(response.json().counts, { updated: 1 })
    const keyed = [
      lines[0]!.replace(/^id,/, ''),
      anLine.replace(`${an.id},,`, 'SO-77,').replace('Số 7 ngõ', 'Số 8 ngõ'),
    ].join('\r\n')
    const again = await postImport(ctx, officer, keyed, { query: 'source=so-ho-khau' })
    t.match(again.json().counts, { created: 0, updated: 1 })
    const child = await app.inject({ url: `/v1/children/${an.id}`, headers: officer.headers })
    t.equal(child.json().address.streetAddress, 'Số 8 ngõ 12 phố Mẫu')
  })
})
