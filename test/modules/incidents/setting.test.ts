import t from 'tap'
import { createTestApp } from '../../support/app.js'
import { accountFor, wardA } from '../../support/auth.js'
import { incidentReport, registerChild } from '../../support/registry.js'

// Circular 13/2021/TT-BLĐTBXH counts abused children by where the abuse took place, and counts the
// other forms of harm with abuse.
const ctx = await createTestApp(t, { now: '2024-06-20T03:00:00Z' })
const { app } = ctx
const officer = await accountFor(ctx, { role: 'ward_officer', units: [wardA] })
const record = async (fullName: string, overrides: Record<string, unknown>) => {
  const child = await registerChild(ctx, officer, { fullName, address: { wardCode: wardA } })
  return app.inject({
    method: 'POST',
    url: '/v1/incidents',
    headers: officer.headers,
    payload: incidentReport({ id: child.id, wardCode: wardA }, overrides),
  })
}

t.test('an incident records where the abuse took place; other harm is abuse', async (t) => {
  const online = await record('Trần Thị Mạng', { kind: 'other_harm', setting: 'online' })
  t.equal(online.statusCode, 201)
  t.match(online.json(), { kind: 'other_harm', setting: 'online', writtenReport: { required: true } })
  const atSchool = await record('Lê Văn Trường', { kind: 'violence', setting: 'school' })
  t.equal(atSchool.statusCode, 201)
  t.equal((await record('Vũ Thị Chưa Rõ', { kind: 'violence' })).json().setting, null, 'not recorded: null')
  const unknownSetting = await record('Đỗ Văn Sai', { kind: 'violence', setting: 'street' })
  t.equal(unknownSetting.statusCode, 400)

  const { version } = atSchool.json()
  const corrected = await app.inject({
    method: 'PATCH',
    url: `/v1/incidents/${atSchool.json().id}`,
    headers: { ...officer.headers, 'if-match': `"${version}"` },
    payload: { setting: 'family' },
  })
  t.equal(corrected.statusCode, 200)
  t.equal(corrected.json().setting, 'family')

  const values = await app.inject({
    url: `/v1/indicators/values?year=2024&unit=${wardA}&breakdown=setting,kind`,
    headers: officer.headers,
  })
  t.equal(values.statusCode, 200)
  const abused = values.json().indicators.find((indicator: { code: string }) => indicator.code === 'ABUSED_CHILDREN')
  const figure = abused.values.at(-1)
  t.equal(figure.numerator, 3, 'the child harmed online counts as abused')
  const cells = figure.breakdowns[0].cells.map((cell: { key: Record<string, string>; numerator: number }) => [
    cell.key.setting,
    cell.key.kind,
    cell.numerator,
  ])
  t.same(cells, [
    ['family', 'violence', 1],
    ['online', 'other_harm', 1],
    ['unknown', 'violence', 1],
  ])
})

t.test('a drowning is not under the one-day duty: its report is never late', async (t) => {
  const drowning = await record('Ngô Văn Hồ', {
    kind: 'drowning',
    injuryOutcome: 'treated',
    occurredAt: '2024-06-18T08:00:00+07:00',
    detectedAt: '2024-06-18T08:30:00+07:00',
  })
  t.equal(drowning.statusCode, 201)
  const submitted = await app.inject({
    method: 'POST',
    url: `/v1/incidents/${drowning.json().id}/written-report`,
    headers: officer.headers,
    payload: {},
  })
  t.equal(submitted.statusCode, 200, 'two days on, no late reason asked')
  t.match(submitted.json().writtenReport, { required: false, compliance: 'not_required', lateReason: null })
})
