import t from 'tap'
import { publishWardDays } from '../../../src/modules/incidents/daily.js'
import { incidentKinds } from '../../../src/modules/incidents/rules.js'
import { createTestApp } from '../../support/app.js'
import { accountFor, clientFor, province, wardToday } from '../../support/auth.js'
import { recordIncidentOn, registerChild } from '../../support/registry.js'

const withheld = { suppressed: true }
const isWithheld = (count: unknown) => typeof count === 'object' && count !== null

t.test('a day’s counts per ward and kind: small ones withheld with what they could be read back from', async (t) => {
  const counts = (entries: Record<string, number>) => new Map(Object.entries(entries))
  const [busy, quiet, none] = publishWardDays([
    { wardCode: 'W1', provinceCode: '01', counts: counts({ violence: 7, neglect: 6, sexual_abuse: 2 }) },
    { wardCode: 'W2', provinceCode: '01', counts: counts({ drowning: 1 }) },
    { wardCode: 'W3', provinceCode: '01', counts: counts({}) },
  ])
  const count = (row: typeof busy, kind: string) => row!.kinds.find((entry) => entry.kind === kind)!.count
  t.same(
    busy!.kinds.map((entry) => entry.kind),
    [...incidentKinds],
    'every kind is listed',
  )
  t.same(count(busy, 'sexual_abuse'), withheld, '2 cases of sexual abuse')
  t.ok(
    isWithheld(count(busy, 'violence')) || isWithheld(count(busy, 'neglect')) || isWithheld(busy!.total),
    'and one more count of the ward, or 15 − 7 − 6 would give them away',
  )
  t.same(quiet!.total, withheld, 'one drowning in a ward: the ward’s total is withheld')
  t.same(count(quiet, 'drowning'), withheld)
  t.ok(
    quiet!.kinds.every((entry) => isWithheld(entry.count)),
    'with every kind, so that neither "all of them were drownings" nor which kind it was can be read',
  )
  t.same(none, {
    wardCode: 'W3',
    provinceCode: '01',
    kinds: incidentKinds.map((kind) => ({ kind, count: 0 })),
    total: 0,
  })
})

t.test('city systems learn of incidents by the day, after it closes, never one incident at a time', async (t) => {
  const ctx = await createTestApp(t, { now: '2026-12-02T03:00:00Z' })
  const { app, clock } = ctx
  const officer = await accountFor(ctx, { role: 'ward_officer', units: [wardToday] })
  const city = await clientFor(ctx, { role: 'city_system', units: [province] })
  const child = await registerChild(ctx, officer, {
    fullName: 'Phạm Thị Thử',
    address: { wardCode: wardToday },
  })
  await recordIncidentOn(ctx, officer, { id: child.id, wardCode: wardToday }, '2026-12-02')
  await recordIncidentOn(ctx, officer, { id: child.id, wardCode: wardToday }, '2026-12-02', { kind: 'violence' })

  const feed = async (account: { headers: Record<string, string> }, types?: string) => {
    const response = await app.inject({
      url: `/v1/events${types ? `?types=${types}` : ''}`,
      headers: account.headers,
    })
    t.equal(response.statusCode, 200)
    return response.json<{ items: { type: string; unit: { wardCode: string }; data: Record<string, unknown> }[] }>()
      .items
  }
  t.ok(
    (await feed(officer)).some((event) => event.type === 'incident.created'),
    'the ward officer sees each incident',
  )

  t.same(
    (await feed(city)).filter((event) => event.type.startsWith('incident.') || event.type.startsWith('child.')),
    [],
    'a city system sees no incident’s or child’s own event',
  )

  clock.set('2026-12-02T20:00:00+07:00')
  await app.jobs.runDue()
  t.notOk(
    (await feed(city, 'incidents.daily')).some((event) => event.data.date === '2026-12-02'),
    'not before the day has closed',
  )

  clock.set('2026-12-03T01:30:00+07:00')
  await app.jobs.runDue()
  const days = (await feed(city, 'incidents.daily')).filter((event) => event.data.date === '2026-12-02')
  t.same(
    days.map((event) => event.unit.wardCode),
    [wardToday],
    'one event for the ward that recorded incidents; a ward without one is silent, as its zeros would say',
  )
  const ours = days[0]!
  t.match(ours.data, { date: '2026-12-02', wardCode: wardToday, total: withheld })
  const kinds = ours.data.kinds as { kind: string; count: unknown }[]
  t.same(
    kinds.map((entry) => entry.kind),
    [...incidentKinds],
    'every kind is listed',
  )
  t.ok(
    kinds.every((entry) => isWithheld(entry.count)),
    'two incidents: every kind is withheld, so that which were withheld does not tell which happened',
  )
  t.notOk(
    (await feed(officer)).some((event) => event.type === 'incidents.daily'),
    'officers have each incident, not the daily counts cut for city systems',
  )

  await app.jobs.runDue()
  clock.set('2026-12-03T05:30:00+07:00')
  await app.jobs.runDue()
  t.equal(
    (await feed(city, 'incidents.daily')).filter((event) => event.data.date === '2026-12-02').length,
    days.length,
    'each day is released once',
  )

  const refused = await app.inject({
    method: 'POST',
    url: '/v1/webhooks',
    headers: (await accountFor(ctx, { role: 'district_admin', units: [province] })).headers,
    payload: {
      url: 'https://city.example.vn/hooks',
      eventTypes: ['incidents.daily', 'incident.created'],
      clientId: city.id,
    },
  })
  t.equal(refused.statusCode, 422)
  t.match(refused.json(), {
    code: 'invalid_webhook',
    errors: [{ pointer: '/eventTypes/1', code: 'type_not_for_owner' }],
  })
})
