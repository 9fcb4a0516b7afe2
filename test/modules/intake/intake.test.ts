import { and, eq } from 'drizzle-orm'
import t from 'tap'
import { auditEvents } from '../../../src/modules/audit/tables.js'
import { createTestApp } from '../../support/app.js'
import { accountFor, clientFor, otherWardToday, province, wardToday } from '../../support/auth.js'

// Monday 8 September 2025, 09:00 in Hanoi.
const ctx = await createTestApp(t, { now: '2025-09-08T02:00:00Z' })
const { app, clock } = ctx
const hotline = await clientFor(ctx, { role: 'hotline_intake', units: [province] })
const officer = await accountFor(ctx, { role: 'ward_officer', units: [wardToday] })
const officerB = await accountFor(ctx, { role: 'ward_officer', units: [otherWardToday] })
const hour = 60 * 60 * 1000

function report(overrides: Record<string, unknown> = {}) {
  return {
    receivedAt: new Date(clock.now().getTime() - 3 * hour).toISOString(),
    kind: 'violence',
    address: { wardCode: wardToday },
    children: [{ fullName: 'Lương Gia Bảo', estimatedAgeYears: 10, sex: 'male' }],
    narrative: 'A neighbour called about repeated beatings; details withheld.',
    ...overrides,
  }
}

function intake(payload: Record<string, unknown>, headers: Record<string, string> = {}) {
  return app.inject({
    method: 'POST',
    url: '/v1/intake/incidents',
    headers: { ...hotline.headers, ...headers },
    payload,
  })
}

t.test(
  'a report received 3 hours ago: due 21 hours from now, at its ward, seen by the ward like any other',
  async (t) => {
    const response = await intake(report(), { 'idempotency-key': 'call-0001' })
    t.equal(response.statusCode, 201)
    const receipt = response.json()
    t.equal(response.headers.location, `/v1/intake/incidents/${receipt.incidentId}`)
    t.equal(receipt.wardCode, wardToday)
    t.equal(Date.parse(receipt.writtenReport.dueAt) - clock.now().getTime(), 21 * hour)
    t.equal(receipt.writtenReport.basis, 'detected')

    const seen = await app.inject({ url: `/v1/incidents/${receipt.incidentId}`, headers: officer.headers })
    t.equal(seen.statusCode, 200)
    t.match(seen.json(), {
      channel: 'hotline_111',
      receivedAt: receipt.receivedAt,
      writtenReport: { dueAt: receipt.writtenReport.dueAt, compliance: 'pending' },
      narrative: 'A neighbour called about repeated beatings; details withheld.',
      children: [{ ageYears: 10, unregistered: { fullName: 'Lương Gia Bảo' } }],
    })
    t.match(seen.json().steps, [{ step: 'receipt', at: receipt.receivedAt }])
    const listed = await app.inject({ url: '/v1/incidents', headers: officer.headers })
    t.ok(listed.json().items.some((i: { id: string }) => i.id === receipt.incidentId))
    const elsewhere = await app.inject({ url: `/v1/incidents/${receipt.incidentId}`, headers: officerB.headers })
    t.equal(elsewhere.statusCode, 404, 'another ward does not see it')

    const replay = await intake(report({ receivedAt: receipt.receivedAt }), { 'idempotency-key': 'call-0001' })
    t.equal(replay.statusCode, 201)
    t.equal(replay.json().incidentId, receipt.incidentId, 'a retry answers the first incident')
    t.equal(replay.headers['idempotent-replayed'], 'true')
    const reused = await intake(report({ kind: 'neglect' }), { 'idempotency-key': 'call-0001' })
    t.equal(reused.statusCode, 422)
    t.equal(reused.json().code, 'idempotency_key_reused')

    const audited = await app.database.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.resourceId, receipt.incidentId), eq(auditEvents.action, 'incident.intake')))
    t.equal(audited.length, 1)
    t.match(audited[0], { actorType: 'client', unitCode: wardToday, details: { routedBy: 'ward' } })
  },
)

t.test('an address of before the 2025 reorganisation goes to today’s ward', async (t) => {
  const cases: [string, Record<string, string>, string, string | null][] = [
    ['a ward that went whole to one successor', { wardCode: '00310' }, '00322-2025', null],
    ['a group of a split ward, by the mapping', { residentialGroupCode: '00301-R02' }, '00328-2025', '00328-2025-R01'],
    ['a residential group of today', { residentialGroupCode: '00322-2025-R02' }, '00322-2025', '00322-2025-R02'],
  ]
  for (const [name, address, ward, group] of cases) {
    const response = await intake(report({ address }))
    t.equal(response.statusCode, 201, name)
    t.match(response.json(), { wardCode: ward, residentialGroupCode: group }, name)
    const read = await app.inject({ url: response.headers.location as string, headers: hotline.headers })
    t.equal(read.json().wardCode, ward, `${name}: read back`)
  }
})

t.test('bad input gets its problem code', async (t) => {
  const now = clock.now().getTime()
  const cases: [string, Record<string, unknown>, number, string[]][] = [
    ['a receipt in the future', { receivedAt: new Date(now + hour).toISOString() }, 422, ['time_in_future']],
    ['a receipt 8 days old', { receivedAt: new Date(now - 8 * 24 * hour).toISOString() }, 422, ['receipt_too_old']],
    ['a split ward without its group', { address: { wardCode: '00301' } }, 422, ['ward_not_resolved']],
    ['no address to route', { address: {} }, 422, ['address_required']],
    [
      'a group of another ward',
      { address: { wardCode: wardToday, residentialGroupCode: '00322-2025-R02' } },
      422,
      ['address_mismatch'],
    ],
    ['occurred after the receipt', { occurredAt: new Date(now - hour).toISOString() }, 422, ['occurred_after_receipt']],
    ['an unknown property', { callerPhone: '0900000000' }, 400, []],
    ['no child', { children: [] }, 400, []],
  ]
  for (const [name, overrides, status, codes] of cases) {
    const response = await intake(report(overrides))
    t.equal(response.statusCode, status, name)
    if (status === 422) {
      t.equal(response.json().code, 'invalid_intake', `${name}: code`)
      t.same(
        response.json().errors.map((e: { code: string }) => e.code),
        codes,
        `${name}: field codes`,
      )
    }
  }
})

t.test('the hotline writes; it reads nothing but where its own reports went', async (t) => {
  const byOfficer = await app.inject({
    method: 'POST',
    url: '/v1/incidents',
    headers: officer.headers,
    payload: {
      kind: 'neglect',
      occurredAt: '2025-09-08T07:00:00+07:00',
      occurredAtPrecision: 'exact',
      detectedAt: '2025-09-08T08:00:00+07:00',
      channel: 'in_person',
      address: { wardCode: wardToday },
      children: [{ unregistered: { estimatedAgeYears: 6 } }],
    },
  })
  t.equal(byOfficer.statusCode, 201)
  const attempts: [string, string, number][] = [
    ['the incidents', '/v1/incidents', 403],
    ['an incident', `/v1/incidents/${byOfficer.json().id}`, 403],
    ['the children', '/v1/children', 403],
    ['an incident it did not record', `/v1/intake/incidents/${byOfficer.json().id}`, 404],
  ]
  for (const [name, url, status] of attempts) {
    t.equal((await app.inject({ url, headers: hotline.headers })).statusCode, status, name)
  }
  const officerIntake = await app.inject({
    method: 'POST',
    url: '/v1/intake/incidents',
    headers: officer.headers,
    payload: report(),
  })
  t.equal(officerIntake.statusCode, 403, 'the intake is the hotline’s')
})
