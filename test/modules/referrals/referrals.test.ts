import { and, eq, like } from 'drizzle-orm'
import t from 'tap'
import { auditEvents } from '../../../src/modules/audit/tables.js'
import { incidents } from '../../../src/modules/incidents/tables.js'
import { sweepOverdueReferrals } from '../../../src/modules/referrals/sweep.js'
import { events } from '../../../src/modules/webhooks/tables.js'
import { inScope, systemScope } from '../../../src/platform/scope.js'
import { createTestApp, type TestApp } from '../../support/app.js'
import { accountFor, clientFor, otherWardToday, province, wardToday, type TestAccount } from '../../support/auth.js'

const socialWorkCentre = '5e1f0000-0000-4000-8000-000000000001'
const ngo = '5e1f0000-0000-4000-8000-000000000006'
const wardPolice = '5e1f0000-0000-4000-8000-000000000002'
const childName = 'Phạm Thị Hồng Nhung'

// Monday 8 September 2025, 09:00 in Hanoi.
const ctx = await createTestApp(t, { now: '2025-09-08T02:00:00Z' })
const { app, clock } = ctx
const officer = await accountFor(ctx, { role: 'ward_officer', units: [wardToday] })
const officerB = await accountFor(ctx, { role: 'ward_officer', units: [otherWardToday] })
const viewer = await accountFor(ctx, { role: 'agency_viewer', units: [wardToday] })
const admin = await accountFor(ctx, { role: 'district_admin', units: [province] })

async function recordCase(account: TestAccount, wardCode: string, child: Record<string, unknown>) {
  const response = await app.inject({
    method: 'POST',
    url: '/v1/incidents',
    headers: account.headers,
    payload: {
      kind: 'violence',
      occurredAt: '2025-09-08T07:00:00+07:00',
      occurredAtPrecision: 'exact',
      detectedAt: '2025-09-08T08:00:00+07:00',
      channel: 'school',
      address: { wardCode },
      children: [{ unregistered: child }],
    },
  })
  if (response.statusCode !== 201) throw new Error(`incident: ${response.statusCode} ${response.body}`)
  const incident = response.json<{ id: string; children: { id: string }[] }>()
  return { id: incident.id, childId: incident.children[0]!.id }
}

/** The client a provider organisation is given through the API, with a token for it. */
async function providerClient({ app }: TestApp, providerId: string): Promise<TestAccount & { response: unknown }> {
  const response = await app.inject({
    method: 'POST',
    url: `/v1/providers/${providerId}/clients`,
    headers: admin.headers,
    payload: { name: `client of ${providerId.slice(-4)}` },
  })
  if (response.statusCode !== 201) throw new Error(`client: ${response.statusCode} ${response.body}`)
  const { client } = response.json<{ client: { id: string; name: string } }>()
  const { token } = await app.accounts.tokens.issue({ kind: 'client', id: client.id }, clock.now(), 365 * 86400)
  return {
    id: client.id,
    username: client.name,
    token,
    headers: { authorization: `Bearer ${token}` },
    response: response.json(),
  }
}

const centre = await providerClient(ctx, socialWorkCentre)
const ngoClient = await providerClient(ctx, ngo)
const theCase = await recordCase(officer, wardToday, { fullName: childName, estimatedAgeYears: 9, sex: 'female' })
const otherCase = await recordCase(officerB, otherWardToday, { fullName: 'Đỗ Minh Khang', estimatedAgeYears: 4 })

const consentOfBoth = {
  parties: [
    { party: 'guardian', givenAt: '2025-09-08T08:30:00+07:00' },
    { party: 'child', givenAt: '2025-09-08T08:35:00+07:00' },
  ],
}

function refer(incidentId: string, payload: Record<string, unknown>, account = officer, headers = {}) {
  return app.inject({
    method: 'POST',
    url: `/v1/incidents/${incidentId}/referrals`,
    headers: { ...account.headers, ...headers },
    payload: {
      providerId: socialWorkCentre,
      incidentChildId: theCase.childId,
      services: ['psychosocial_support'],
      urgency: 'urgent',
      consent: consentOfBoth,
      ...payload,
    },
  })
}

async function referralEvents(referralId: string) {
  return inScope(app.database.db, systemScope, (tx) =>
    tx
      .select()
      .from(events)
      .where(and(eq(events.resourceId, referralId), like(events.type, 'referral.%'))),
  )
}

t.test('the service directory: read by officers, kept by administrators', async (t) => {
  const serving = await app.inject({ url: `/v1/providers?ward=${wardToday}&limit=200`, headers: officer.headers })
  t.equal(serving.statusCode, 200)
  const codes = serving.json().items.map((p: { code: string }) => p.code)
  t.ok(codes.includes('tong-dai-111') && codes.includes('ttctxh-ha-noi'), 'the hotline and the city’s centre')
  t.notOk(codes.includes('cong-an-hoang-mai'), 'another ward’s police does not serve this ward')
  const shelters = await app.inject({ url: '/v1/providers?service=temporary_shelter', headers: officer.headers })
  t.ok(shelters.json().items.every((p: { services: string[] }) => p.services.includes('temporary_shelter')))

  const denied = await app.inject({
    method: 'POST',
    url: '/v1/providers',
    headers: officer.headers,
    payload: { code: 'x', name: 'X', kind: 'ngo', units: ['01'], services: ['counselling'] },
  })
  t.equal(denied.statusCode, 403, 'an officer does not keep the directory')
  const healthStation = {
    code: 'tram-y-te-vinh-hung',
    name: 'Trạm Y tế phường Vĩnh Hưng',
    kind: 'health_station',
    phone: '024 0000 0707',
    units: [wardToday],
    services: ['medical_care'],
  }
  const create = () =>
    app.inject({
      method: 'POST',
      url: '/v1/providers',
      headers: { ...admin.headers, 'idempotency-key': 'provider-1' },
      payload: healthStation,
    })
  const created = await create()
  t.equal(created.statusCode, 201)
  t.equal(created.headers.location, `/v1/providers/${created.json().id}`)
  t.equal(created.headers.etag, '"1"')
  t.equal((await create()).json().id, created.json().id, 'a retry answers the first provider')
  const duplicate = await app.inject({
    method: 'POST',
    url: '/v1/providers',
    headers: admin.headers,
    payload: { code: 'tram-y-te-vinh-hung', name: 'Again', kind: 'other', units: ['01'], services: ['counselling'] },
  })
  t.equal(duplicate.statusCode, 409)
  t.equal(duplicate.json().code, 'provider_code_taken')
  const badUnit = await app.inject({
    method: 'POST',
    url: '/v1/providers',
    headers: admin.headers,
    payload: { code: 'nowhere', name: 'Nowhere', kind: 'other', units: ['99999'], services: ['counselling'] },
  })
  t.equal(badUnit.statusCode, 422)
  t.match(badUnit.json(), { code: 'invalid_provider', errors: [{ pointer: '/units/0', code: 'unknown_unit' }] })
  const badService = await app.inject({
    method: 'POST',
    url: '/v1/providers',
    headers: admin.headers,
    payload: { code: 'odd', name: 'Odd', kind: 'other', units: ['01'], services: ['astrology'] },
  })
  t.equal(badService.statusCode, 400, 'a service code not in the list')

  const url = `/v1/providers/${created.json().id}`
  const unconditional = await app.inject({ method: 'PATCH', url, headers: admin.headers, payload: { active: false } })
  t.equal(unconditional.statusCode, 428)
  const deactivated = await app.inject({
    method: 'PATCH',
    url,
    headers: { ...admin.headers, 'if-match': '"1"' },
    payload: { active: false },
  })
  t.equal(deactivated.statusCode, 200)
  t.match(deactivated.json(), { active: false, version: 2 })
  const stale = await app.inject({
    method: 'PATCH',
    url,
    headers: { ...admin.headers, 'if-match': '"1"' },
    payload: { name: 'Stale' },
  })
  t.equal(stale.statusCode, 412)
  const read = await app.inject({ url, headers: officer.headers })
  t.equal(read.headers.etag, '"2"')
  const inactive = await refer(theCase.id, { providerId: created.json().id, services: ['medical_care'] })
  t.equal(inactive.statusCode, 422)
  t.match(inactive.json().errors, [{ pointer: '/providerId', code: 'provider_inactive' }])
})

t.test('a referral without consent is refused, unless an emergency reason is given', async (t) => {
  const none = await refer(theCase.id, { consent: undefined })
  t.equal(none.statusCode, 422)
  t.equal(none.json().code, 'consent_required')
  const guardianOnly = await refer(theCase.id, { consent: { parties: [consentOfBoth.parties[0]] } })
  t.equal(guardianOnly.statusCode, 422, 'a child of 9 consents too')
  t.match(guardianOnly.json(), { code: 'consent_required', errors: [{ pointer: '/consent/parties' }] })
  const emergency = await refer(theCase.id, {
    consent: undefined,
    urgency: 'emergency',
    emergencyReason: 'The guardian is the suspected perpetrator.',
  })
  t.equal(emergency.statusCode, 201)
  t.equal(emergency.json().consent, null)
})

t.test('bad input gets its problem code', async (t) => {
  const cases: [string, Record<string, unknown>, number, string, string[]][] = [
    [
      'an unknown provider',
      { providerId: '00000000-0000-4000-8000-000000000000' },
      422,
      'invalid_referral',
      ['unknown_provider'],
    ],
    [
      'a provider not serving the ward',
      { providerId: wardPolice, services: ['investigation'] },
      422,
      'invalid_referral',
      ['provider_not_serving'],
    ],
    [
      'a service the provider does not offer',
      { services: ['legal_aid'] },
      422,
      'invalid_referral',
      ['service_not_offered'],
    ],
    [
      'a child of another case',
      { incidentChildId: otherCase.childId },
      422,
      'invalid_referral',
      ['unknown_case_child'],
    ],
    ['an unknown property', { priority: 'high' }, 400, 'validation_failed', []],
    ['an unknown urgency', { urgency: 'whenever' }, 400, 'validation_failed', []],
  ]
  for (const [name, payload, status, code, fieldCodes] of cases) {
    const response = await refer(theCase.id, payload)
    t.equal(response.statusCode, status, name)
    if (status === 422) {
      t.equal(response.json().code, code, `${name}: code`)
      t.same(
        response.json().errors.map((e: { code: string }) => e.code),
        fieldCodes,
        `${name}: field codes`,
      )
    }
  }
  const elsewhere = await refer(otherCase.id, { incidentChildId: otherCase.childId })
  t.equal(elsewhere.statusCode, 404, 'another ward’s case is not found')
  const viewerTry = await refer(theCase.id, {}, viewer)
  t.equal(viewerTry.statusCode, 403, 'a viewer does not refer')
})

t.test(
  'a referral to the social work centre, answered by the centre’s own client, which sees nothing else',
  async (t) => {
    clock.set('2025-09-08T10:00:00+07:00')
    const sent = await refer(theCase.id, { note: 'Needs counselling after school violence.' }, officer, {
      'idempotency-key': 'referral-centre-1',
    })
    t.equal(sent.statusCode, 201)
    const referral = sent.json()
    t.equal(sent.headers.location, `/v1/referrals/${referral.id}`)
    t.match(referral, {
      state: 'sent',
      urgency: 'urgent',
      dueAt: '2025-09-09T03:00:00.000Z',
      overdue: false,
      provider: { id: socialWorkCentre, kind: 'social_work_centre' },
      child: { name: childName, ageYears: 9 },
      allowedActions: ['close'],
    })
    const replay = await refer(theCase.id, { note: 'Needs counselling after school violence.' }, officer, {
      'idempotency-key': 'referral-centre-1',
    })
    t.equal(replay.json().id, referral.id, 'a retry answers the first referral')
    const viewed = await app.inject({ url: `/v1/referrals/${referral.id}`, headers: viewer.headers })
    t.equal(viewed.statusCode, 200)
    t.notOk('name' in viewed.json().child, 'the child’s name only with incidents:sensitive')
    t.notOk('note' in viewed.json(), 'nor what is asked, which tells what happened to the child')
    const asOfficer = await app.inject({ url: `/v1/referrals/${referral.id}`, headers: officer.headers })
    t.equal(asOfficer.json().note, 'Needs counselling after school violence.', 'the case officer reads it')

    // Another provider's referral, and another ward's case: the centre must not see them.
    const toNgo = await refer(theCase.id, { providerId: ngo, services: ['legal_aid'] })
    t.equal(toNgo.statusCode, 201)

    const inbox = await app.inject({ url: '/v1/provider/referrals', headers: centre.headers })
    t.equal(inbox.statusCode, 200)
    const ids = inbox.json().items.map((r: { id: string }) => r.id)
    t.ok(ids.includes(referral.id))
    t.notOk(ids.includes(toNgo.json().id), 'not another provider’s referral')
    const mine = await app.inject({ url: `/v1/provider/referrals/${referral.id}`, headers: centre.headers })
    t.equal(mine.statusCode, 200)
    t.equal(mine.headers.etag, '"1"')
    t.match(mine.json(), {
      referringWardCode: wardToday,
      child: { name: childName, ageYears: 9 },
      urgency: 'urgent',
      services: ['psychosocial_support'],
      basis: 'consent',
      allowedActions: ['accept', 'decline'],
    })
    t.notOk('incidentId' in mine.json(), 'nothing of the case')

    const attacks: [string, string, string, number][] = [
      ['another provider’s referral', 'GET', `/v1/provider/referrals/${toNgo.json().id}`, 404],
      ['accepting another provider’s referral', 'POST', `/v1/provider/referrals/${toNgo.json().id}/accept`, 404],
      ['the list of incidents', 'GET', '/v1/incidents', 403],
      ['the case', 'GET', `/v1/incidents/${theCase.id}`, 403],
      ['the children', 'GET', '/v1/children', 403],
      ['the case side’s referrals', 'GET', '/v1/referrals', 403],
      ['the case side’s view of its own referral', 'GET', `/v1/referrals/${referral.id}`, 403],
      ['the event feed', 'GET', '/v1/events', 403],
      ['closing it', 'POST', `/v1/referrals/${referral.id}/close`, 403],
    ]
    for (const [name, method, url, status] of attacks) {
      const response = await app.inject({
        method: method as 'GET' | 'POST',
        url,
        headers: centre.headers,
        ...(method === 'POST' ? { payload: {} } : {}),
      })
      t.equal(response.statusCode, status, name)
    }
    const otherWard = await app.inject({ url: `/v1/referrals/${referral.id}`, headers: officerB.headers })
    t.equal(otherWard.statusCode, 404, 'another ward’s officer does not see it')

    clock.set('2025-09-08T15:00:00+07:00')
    const accepted = await app.inject({
      method: 'POST',
      url: `/v1/provider/referrals/${referral.id}/accept`,
      headers: { ...centre.headers, 'if-match': '"1"' },
    })
    t.equal(accepted.statusCode, 200)
    t.match(accepted.json(), { state: 'accepted', answeredOnTime: true, version: 2, allowedActions: ['feedback'] })
    const again = await app.inject({
      method: 'POST',
      url: `/v1/provider/referrals/${referral.id}/accept`,
      headers: centre.headers,
    })
    t.equal(again.statusCode, 409)
    t.equal(again.json().code, 'referral_transition_not_allowed')
    const feedback = await app.inject({
      method: 'POST',
      url: `/v1/provider/referrals/${referral.id}/feedback`,
      headers: centre.headers,
      payload: { feedback: 'Two counselling sessions held; the child attends school.' },
    })
    t.equal(feedback.statusCode, 200)
    t.equal(feedback.json().state, 'feedback_given')

    const seen = (await app.inject({ url: `/v1/referrals/${referral.id}`, headers: officer.headers })).json()
    t.match(seen, { state: 'feedback_given', feedback: 'Two counselling sessions held; the child attends school.' })
    const closed = await app.inject({
      method: 'POST',
      url: `/v1/referrals/${referral.id}/close`,
      headers: { ...officer.headers, 'if-match': `"${seen.version}"` },
      payload: { note: 'Goals met.' },
    })
    t.equal(closed.statusCode, 200)
    t.match(closed.json(), { state: 'closed', closureNote: 'Goals met.', allowedActions: [] })
    const afterClose = await app.inject({
      method: 'POST',
      url: `/v1/provider/referrals/${referral.id}/feedback`,
      headers: centre.headers,
      payload: { feedback: 'More.' },
    })
    t.equal(afterClose.statusCode, 409)

    const recorded = await referralEvents(referral.id)
    t.same(recorded.map((e) => e.type).sort(), ['referral.accepted', 'referral.closed', 'referral.sent'])
    t.ok(
      recorded.every((e) => e.wardCode === wardToday),
      'each at the case’s ward, the provider’s answer too',
    )
    const text = JSON.stringify(recorded.map((e) => e.data))
    t.notOk(text.includes('Nhung') || text.includes('counselling sessions'), 'no personal value in the events')

    const feed = await app.inject({ url: '/v1/events?limit=200', headers: officer.headers })
    t.ok(
      feed
        .json()
        .items.some(
          (e: { type: string; resource: { id: string } }) =>
            e.type === 'referral.accepted' && e.resource.id === referral.id,
        ),
      'the ward’s officer reads the answer in the feed',
    )
    const audited = await app.database.db.select().from(auditEvents).where(eq(auditEvents.resourceId, referral.id))
    t.ok(
      ['referral.create', 'referral.read', 'referral.accept', 'referral.feedback', 'referral.close'].every((action) =>
        audited.some((event) => event.action === action),
      ),
      'every write and read audited',
    )
  },
)

t.test('a provider declines with its reason', async (t) => {
  const sent = (await refer(theCase.id, { providerId: ngo, services: ['counselling'], urgency: 'routine' })).json()
  const noReason = await app.inject({
    method: 'POST',
    url: `/v1/provider/referrals/${sent.id}/decline`,
    headers: ngoClient.headers,
    payload: {},
  })
  t.equal(noReason.statusCode, 400)
  const byCentre = await app.inject({
    method: 'POST',
    url: `/v1/provider/referrals/${sent.id}/decline`,
    headers: centre.headers,
    payload: { reason: 'no_capacity' },
  })
  t.equal(byCentre.statusCode, 404, 'only its addressee answers it')
  const declined = await app.inject({
    method: 'POST',
    url: `/v1/provider/referrals/${sent.id}/decline`,
    headers: ngoClient.headers,
    payload: { reason: 'no_capacity', note: 'No counsellor free this month.' },
  })
  t.equal(declined.statusCode, 200)
  t.match(declined.json(), { state: 'declined', declineReason: 'no_capacity', allowedActions: [] })
  const seen = (await app.inject({ url: `/v1/referrals/${sent.id}`, headers: officer.headers })).json()
  t.match(seen, { state: 'declined', declineReason: 'no_capacity', declineNote: 'No counsellor free this month.' })
  const types = (await referralEvents(sent.id)).map((e) => e.type).sort()
  t.same(types, ['referral.declined', 'referral.sent'])
  t.equal(
    (await referralEvents(sent.id)).find((e) => e.type === 'referral.declined')?.data.declineReason,
    'no_capacity',
  )
})

t.test('a client of the provider role bound to no provider has no referrals', async (t) => {
  const unbound = await clientFor(ctx, { role: 'service_provider', units: [] })
  const response = await app.inject({ url: '/v1/provider/referrals', headers: unbound.headers })
  t.equal(response.statusCode, 403)
  t.equal(response.json().code, 'not_a_provider_client')
  const officerTry = await app.inject({ url: '/v1/provider/referrals', headers: officer.headers })
  t.equal(officerTry.statusCode, 403, 'an officer holds no referrals:respond')
})

t.test('an unanswered referral goes overdue, its event raised once', async (t) => {
  clock.set('2025-09-10T09:00:00+07:00')
  // The earlier tests' referrals, unanswered, are overdue by now: their events first.
  await sweepOverdueReferrals(app.database, clock.now())
  const sent = (
    await refer(theCase.id, {
      urgency: 'emergency',
      services: ['temporary_shelter'],
      note: 'Needs a safe place tonight.',
    })
  ).json()
  t.equal(sent.dueAt, '2025-09-10T14:00:00.000Z', '12 hours')
  clock.set('2025-09-10T20:59:00+07:00')
  t.equal((await sweepOverdueReferrals(app.database, clock.now())).recorded, 0, 'not yet')
  clock.set('2025-09-10T22:00:00+07:00')
  const results = await Promise.all([
    sweepOverdueReferrals(app.database, clock.now()),
    sweepOverdueReferrals(app.database, clock.now()),
  ])
  t.equal((await sweepOverdueReferrals(app.database, clock.now())).recorded, 0, 'a further sweep records nothing')
  const overdueEvents = (await referralEvents(sent.id)).filter((e) => e.type === 'referral.overdue')
  t.equal(overdueEvents.length, 1, 'once')
  t.ok(results.some((r) => r.recorded >= 1))
  t.match(overdueEvents[0]!.data, { overdueSince: '2025-09-10T14:00:00.000Z', urgency: 'emergency' })
  const listed = await app.inject({ url: '/v1/referrals?overdue=true', headers: officer.headers })
  t.ok(listed.json().items.some((r: { id: string; overdue: boolean }) => r.id === sent.id && r.overdue))
  const inbox = await app.inject({ url: '/v1/provider/referrals?overdue=true', headers: centre.headers })
  t.ok(
    inbox.json().items.some((r: { id: string; overdue: boolean }) => r.id === sent.id && r.overdue),
    'the provider sees it overdue too',
  )
  const tasks = await app.inject({ url: '/v1/me/tasks?limit=200', headers: officer.headers })
  t.match(
    tasks.json().items.find((task: { id: string }) => task.id === sent.id),
    { kind: 'referral', subject: 'emergency', overdue: true, link: `/v1/referrals/${sent.id}` },
    'on the officer’s task list while it waits',
  )
  const late = await app.inject({
    method: 'POST',
    url: `/v1/provider/referrals/${sent.id}/accept`,
    headers: centre.headers,
  })
  t.match(late.json(), { state: 'accepted', answeredOnTime: false, overdue: false })
})

t.test('a closed case’s referral raises no overdue event and is no officer’s task', async (t) => {
  clock.set('2025-09-15T09:00:00+07:00')
  const closingCase = await recordCase(officer, wardToday, { fullName: 'Vũ Thị Lan', estimatedAgeYears: 12 })
  const sent = (await refer(closingCase.id, { incidentChildId: closingCase.childId, urgency: 'urgent' })).json()
  await inScope(app.database.db, systemScope, (tx) =>
    tx
      .update(incidents)
      .set({ status: 'closed', closedAt: clock.now(), closureReason: 'goals_met' })
      .where(eq(incidents.id, closingCase.id)),
  )
  clock.set('2025-09-17T09:00:00+07:00')
  await sweepOverdueReferrals(app.database, clock.now())
  t.same(
    (await referralEvents(sent.id)).filter((e) => e.type === 'referral.overdue'),
    [],
    'past its clock, but the case is closed',
  )
  const tasks = await app.inject({ url: '/v1/me/tasks?limit=200', headers: officer.headers })
  t.notOk(
    tasks.json().items.some((task: { id: string }) => task.id === sent.id),
    'not on the task list',
  )
})

t.test('a routine clock counted through a year the calendar does not hold says so', async (t) => {
  // Thursday 30 December 2027: three working days run into 2028, which the reference calendar does not hold.
  clock.set('2027-12-30T09:00:00+07:00')
  const consent = {
    parties: [
      { party: 'guardian', givenAt: '2027-12-30T08:30:00+07:00' },
      { party: 'child', givenAt: '2027-12-30T08:35:00+07:00' },
    ],
  }
  const { token } = await app.accounts.tokens.issue({ kind: 'user', id: officer.id }, clock.now(), 3600)
  const routine = await refer(
    theCase.id,
    { urgency: 'routine', consent },
    { ...officer, headers: { authorization: `Bearer ${token}` } },
  )
  t.equal(routine.statusCode, 201, routine.body)
  t.match(routine.json(), { dueAt: '2028-01-04T16:59:59.000Z', calendarMissing: true })
  clock.set('2025-09-17T09:00:00+07:00')
  const urgent = await refer(theCase.id, { urgency: 'urgent' })
  t.match(urgent.json(), { calendarMissing: false }, 'an hours clock needs no calendar')
})
