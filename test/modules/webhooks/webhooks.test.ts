import { and, eq, like, sql } from 'drizzle-orm'
import { Webhook } from 'standardwebhooks'
import t from 'tap'
import { queryRows } from '../../../src/db/client.js'
import { auditEvents } from '../../../src/modules/audit/tables.js'
import { forgetReplacedSecrets, recordEvent } from '../../../src/modules/webhooks/repository.js'
import { formerWebhookSignature, verifyWebhook } from '../../../src/modules/webhooks/rules.js'
import { webhookSubscriptions } from '../../../src/modules/webhooks/tables.js'
import { jobs } from '../../../src/platform/jobs-tables.js'
import { inScope, systemScope } from '../../../src/platform/scope.js'
import { createTestApp } from '../../support/app.js'
import { accountFor, clientFor, province, wardA, wardB } from '../../support/auth.js'
import { registerChild } from '../../support/registry.js'
import { configureWebhooks, startReceiver, type Received } from './fixtures/receiver.js'

const personalFields = /"(fullName|personalId|dateOfBirth|childId)"|Phạm Thị Mai|001318012345/

const signaturesOf = (delivery: Received) => String(delivery.headers['webhook-signature']).split(' ')

function verify(secret: string, request: Received, now: Date) {
  const header = (name: string) => request.headers[name] as string | undefined
  return verifyWebhook(
    secret,
    { id: header('webhook-id'), timestamp: header('webhook-timestamp'), signature: header('webhook-signature') },
    request.body,
    now,
  )
}

t.test('events and webhooks', async (t) => {
  const ctx = await createTestApp(t, { now: '2024-06-15T03:00:00Z', extend: (app) => void configureWebhooks(app, {}) })
  const { app, clock } = ctx
  const receiver = await startReceiver(t)
  const admin = await accountFor(ctx, { role: 'district_admin', units: [province] })
  const officerA = await accountFor(ctx, { role: 'ward_officer', units: [wardA] })
  const officerB = await accountFor(ctx, { role: 'ward_officer', units: [wardB] })
  const city = await clientFor(ctx, { role: 'city_system', units: [province] })
  // A district system that works with records (a case-management front-end): it receives children's events.
  const partner = await clientFor(ctx, { role: 'district_officer', units: [province] })
  const tick = async (ms = 1000) => {
    clock.advance(ms)
    return app.jobs.runDue()
  }
  const subscribe = (payload: Record<string, unknown>, account = admin) =>
    app.inject({ method: 'POST', url: '/v1/webhooks', headers: account.headers, payload })
  const deliveriesOf = async (id: string) =>
    (await app.inject({ url: `/v1/webhooks/${id}/deliveries`, headers: admin.headers })).json().items as {
      id: string
      [key: string]: unknown
    }[]

  const partnerSubscription = await subscribe({
    url: receiver.url('/partner'),
    eventTypes: ['child.created', 'child.updated'],
    clientId: partner.id,
  })
  t.equal(partnerSubscription.statusCode, 201, 'subscribed for the partner system')
  const { webhook: partnerHook, secret: partnerSecret } = partnerSubscription.json()
  t.match(partnerSecret, /^whsec_/, 'the secret is shown once, at creation')
  t.equal(partnerSubscription.headers['cache-control'], 'no-store')
  t.match(partnerHook, {
    owner: { kind: 'client', id: partner.id },
    units: [province],
    eventTypes: ['child.created', 'child.updated'],
    active: true,
  })
  const ownSubscription = await subscribe({
    url: receiver.url('/admin'),
    eventTypes: ['child.created'],
    units: [wardA],
  })
  t.equal(ownSubscription.statusCode, 201, 'subscribed for the admin')
  const { webhook: ownHook, secret: ownSecret } = ownSubscription.json()
  t.match(ownHook, { owner: { kind: 'user', id: admin.id }, units: [wardA] })

  t.test('the secret is never shown again and is kept encrypted', async (t) => {
    const read = await app.inject({ url: `/v1/webhooks/${partnerHook.id}`, headers: admin.headers })
    t.equal(read.statusCode, 200)
    t.notMatch(read.body, /whsec_/)
    t.equal(read.headers.etag, '"1"')
    const list = await app.inject({ url: '/v1/webhooks', headers: admin.headers })
    t.same(
      list
        .json()
        .items.map((w: { id: string }) => w.id)
        .sort(),
      [partnerHook.id, ownHook.id].sort(),
    )
    t.notMatch(list.body, /whsec_/)
    const [row] = await app.database.db
      .select()
      .from(webhookSubscriptions)
      .where(eq(webhookSubscriptions.id, partnerHook.id))
    t.match(row!.secret, /^v1:/)
    t.notMatch(row!.secret, partnerSecret)
  })

  t.test('a new child is delivered, signed, cut to each owner’s role', async (t) => {
    const child = await registerChild(ctx, officerA, {
      fullName: 'Phạm Thị Mai',
      personalId: '001318012345',
      dateOfBirth: '2018-05-10',
      address: { wardCode: wardA },
    })
    await tick()
    const [toPartner] = receiver.at('/partner')
    const [toAdmin] = receiver.at('/admin')
    t.ok(toPartner && toAdmin, 'both subscriptions received it')
    t.equal(verify(partnerSecret, toPartner!, clock.now()), 'valid', 'the partner system verifies its signature')
    t.equal(verify(ownSecret, toAdmin!, clock.now()), 'valid')
    t.equal(verify(ownSecret, toPartner!, clock.now()), 'bad_signature', 'each subscription signs with its own secret')
    t.equal(
      verify(partnerSecret, toPartner!, new Date(clock.now().getTime() + 6 * 60_000)),
      'stale',
      'a replay six minutes later is refused',
    )
    t.equal(toPartner!.headers['webhook-id'], toAdmin!.headers['webhook-id'], 'the same event id for every receiver')
    t.equal(toPartner!.headers['content-type'], 'application/json')
    const partnerBody = JSON.parse(toPartner!.body)
    t.match(partnerBody, {
      type: 'child.created',
      unit: { wardCode: wardA },
      resource: { type: 'child', id: child.id },
      data: { wardCode: wardA, sex: 'female', dateOfBirth: '2018-05-10' },
    })
    t.match(JSON.parse(toAdmin!.body), {
      resource: { id: child.id },
      data: { fullName: 'Phạm Thị Mai', personalId: '001318012345', dateOfBirth: '2018-05-10' },
    })
    const [attempt] = await deliveriesOf(partnerHook.id)
    t.match(attempt, {
      eventType: 'child.created',
      eventId: partnerBody.id,
      attempt: 1,
      state: 'succeeded',
      responseStatus: 200,
      error: null,
      nextAttemptAt: null,
    })
    t.type(attempt!.latencyMs, 'number')
    const disclosures = await app.database.db
      .select()
      .from(auditEvents)
      .where(eq(auditEvents.action, 'webhook.deliver'))
    t.equal(disclosures.length, 2, 'each delivery is audited')
    t.match(disclosures[0], { actorType: 'system', resourceType: 'child', resourceId: child.id, outcome: 'success' })
    t.notMatch(JSON.stringify(disclosures), personalFields)
    await tick()
    t.equal(receiver.at('/partner').length, 1, 'delivered once: the next dispatch finds nothing new')
  })

  t.test('receiver down: retried with backoff, then delivered when it comes back', async (t) => {
    await receiver.stop()
    await registerChild(ctx, officerA, {
      fullName: 'Lê Văn Bình',
      dateOfBirth: '2015-01-20',
      sex: 'male',
      address: { wardCode: wardA },
    })
    await tick()
    let attempts = await deliveriesOf(partnerHook.id)
    t.match(attempts[0], { attempt: 1, state: 'failed', responseStatus: null, error: 'connection refused' })
    const nextAt = Date.parse(attempts[0]!.nextAttemptAt as string)
    t.ok(
      nextAt >= clock.now().getTime() + 24_000 && nextAt <= clock.now().getTime() + 36_000,
      'the next attempt in about 30 s (jittered)',
    )
    await tick(10_000)
    t.equal((await deliveriesOf(partnerHook.id)).length, attempts.length, 'nothing before the backoff has passed')
    await tick(30_000)
    attempts = await deliveriesOf(partnerHook.id)
    t.match(attempts[0], { attempt: 2, state: 'failed' })
    await receiver.start()
    await tick(80_000)
    attempts = await deliveriesOf(partnerHook.id)
    t.match(attempts.slice(0, 3), [
      { attempt: 3, state: 'succeeded', responseStatus: 200 },
      { attempt: 2, state: 'failed', nextAttemptAt: null },
      { attempt: 1, state: 'failed', nextAttemptAt: null },
    ])
    const bodies = receiver.at('/partner').map((request) => JSON.parse(request.body))
    t.equal(bodies.filter((body) => body.id === attempts[0]!.eventId).length, 1, 'the receiver got it once')
  })

  t.test('dead-lettered after the maximum, then retried by hand', async (t) => {
    receiver.statusFor = (path) => (path === '/admin' ? 500 : 200)
    await registerChild(ctx, officerA, {
      fullName: 'Đỗ Minh Khôi',
      dateOfBirth: '2019-09-09',
      sex: 'male',
      address: { wardCode: wardA },
    })
    await tick()
    await tick(40_000)
    await tick(80_000)
    await tick(160_000)
    const attempts = await deliveriesOf(ownHook.id)
    t.match(attempts.slice(0, 3), [
      { attempt: 3, state: 'dead', responseStatus: 500, error: 'receiver answered 500', nextAttemptAt: null },
      { attempt: 2, state: 'failed' },
      { attempt: 1, state: 'failed' },
    ])
    const sent = receiver.at('/admin').length
    await tick(3_600_000)
    t.equal(receiver.at('/admin').length, sent, 'no attempt after the last')
    const [job] = await app.database.db
      .select()
      .from(jobs)
      .where(like(jobs.singletonKey, `webhook:${ownHook.id}:%`))
      .orderBy(jobs.id)
    t.ok(job, 'the delivery job exists')
    receiver.statusFor = () => 200
    const retried = await app.inject({
      method: 'POST',
      url: `/v1/webhooks/${ownHook.id}/deliveries/${attempts[0]!.id}/retry`,
      headers: admin.headers,
    })
    t.equal(retried.statusCode, 202)
    t.match(retried.json(), { subscriptionId: ownHook.id, eventId: attempts[0]!.eventId, state: 'queued' })
    await tick()
    const after = await deliveriesOf(ownHook.id)
    t.match(after[0], { attempt: 4, state: 'succeeded', eventId: attempts[0]!.eventId })
    const audited = await app.database.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.action, 'webhook.delivery.retry'), eq(auditEvents.actorId, admin.id)))
    t.equal(audited.length, 1)
  })

  t.test('a retry while an attempt is running is refused', async (t) => {
    const [latest] = await deliveriesOf(ownHook.id)
    const key = `webhook:${ownHook.id}:`
    await app.database.db
      .update(jobs)
      .set({ state: 'active', lockedBy: 'another-instance', lockedUntil: new Date(clock.now().getTime() + 60_000) })
      .where(like(jobs.singletonKey, `${key}%`))
    const retried = await app.inject({
      method: 'POST',
      url: `/v1/webhooks/${ownHook.id}/deliveries/${latest!.id}/retry`,
      headers: admin.headers,
    })
    t.equal(retried.statusCode, 409)
    t.equal(retried.json().code, 'delivery_in_progress')
    await app.database.db
      .update(jobs)
      .set({ state: 'done', lockedBy: null, lockedUntil: null })
      .where(like(jobs.singletonKey, `${key}%`))
  })

  t.test('the event feed: in order, scoped, cut to the reader', async (t) => {
    const page1 = await app.inject({ url: '/v1/events?limit=1', headers: officerA.headers })
    t.equal(page1.statusCode, 200)
    t.equal(page1.json().items.length, 1)
    t.match(page1.json().items[0], { type: 'child.created', data: { fullName: 'Phạm Thị Mai' } })
    const page2 = await app.inject({ url: `/v1/events?after=${page1.json().nextCursor}`, headers: officerA.headers })
    t.same(
      page2.json().items.map((e: { data: { fullName: string } }) => e.data.fullName),
      ['Lê Văn Bình', 'Đỗ Minh Khôi'],
    )
    const caughtUp = await app.inject({ url: `/v1/events?after=${page2.json().nextCursor}`, headers: officerA.headers })
    t.same(caughtUp.json().items, [])
    t.equal(caughtUp.json().nextCursor, page2.json().nextCursor, 'nothing new: the same cursor comes back')
    const fromEvent = await app.inject({
      url: `/v1/events?after=${page1.json().items[0].cursor}&limit=1`,
      headers: officerA.headers,
    })
    t.equal(fromEvent.json().items[0].data.fullName, 'Lê Văn Bình', 'each event carries a cursor to read on from')

    await registerChild(ctx, officerB, {
      fullName: 'Vương Gia Hân',
      dateOfBirth: '2020-02-02',
      address: { wardCode: wardB },
    })
    const forA = await app.inject({ url: `/v1/events?after=${page2.json().nextCursor}`, headers: officerA.headers })
    t.same(forA.json().items, [], 'another ward’s events are not in the feed')
    t.not(forA.json().nextCursor, page2.json().nextCursor, 'but the cursor moves past them')
    const forB = await app.inject({ url: '/v1/events', headers: officerB.headers })
    t.same(
      forB.json().items.map((e: { data: { fullName: string } }) => e.data.fullName),
      ['Vương Gia Hân'],
    )

    const forCity = await app.inject({ url: '/v1/events?types=child.created', headers: city.headers })
    t.equal(forCity.statusCode, 200)
    t.same(forCity.json().items, [], 'a city system gets no child’s own event')
    const audited = await app.database.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.action, 'event.list'), eq(auditEvents.actorId, city.id)))
    t.match(
      audited,
      [{ outcome: 'success', details: { types: ['child.created'], count: 4 } }],
      'every feed read is audited',
    )

    const filtered = await app.inject({
      url: '/v1/events?types=incident.created,report.submitted',
      headers: officerA.headers,
    })
    t.same(filtered.json().items, [])
  })

  t.test('a once-per-thing event is recorded once, without leaving a gap in the feed', async (t) => {
    const overdue = {
      type: 'incident.written_report.overdue',
      occurredAt: clock.now(),
      unit: { provinceCode: province, wardCode: wardA, residentialGroupCode: null },
      resourceType: 'incident',
      resourceId: '7d1e5a52-0000-4000-8000-000000000001',
      data: {
        incidentId: '7d1e5a52-0000-4000-8000-000000000001',
        kind: 'violence',
        narrative: 'synthetic narrative',
        children: [{ childId: 'c1', sex: 'male', ageYears: 9 }],
      },
      dedupeKey: 'incident-overdue:7d1e5a52',
    }
    const recorded = await inScope(app.database.db, systemScope, async (tx) => [
      await recordEvent(tx, overdue),
      await recordEvent(tx, overdue),
      await recordEvent(tx, { ...overdue, type: 'incident.step.overdue', dedupeKey: undefined }),
    ])
    t.same(recorded, [true, false, true])
    const ids = await inScope(app.database.db, systemScope, (tx) =>
      queryRows<{ id: string | number }>(tx, sql`select id from events order by id desc limit 2`),
    )
    t.equal(Number(ids[0]!.id) - Number(ids[1]!.id), 1, 'the repeat drew no id from the sequence')
    const forOfficer = (
      await app.inject({ url: '/v1/events?types=incident.written_report.overdue', headers: officerA.headers })
    ).json().items
    t.match(forOfficer, [{ data: { narrative: 'synthetic narrative', children: [{ childId: 'c1' }] } }])
    const forCity = (
      await app.inject({ url: '/v1/events?types=incident.written_report.overdue', headers: city.headers })
    ).json().items
    t.same(forCity, [], 'a city system gets no incident’s own event')
  })

  t.test('bad input is a problem, never a 500, and changes nothing', async (t) => {
    const before = (await app.inject({ url: '/v1/webhooks', headers: admin.headers })).json().items.length
    const cases: [string, string, Record<string, unknown> | undefined, number, string][] = [
      ['GET', '/v1/events?types=child.deleted', undefined, 400, 'unknown_event_type'],
      ['GET', '/v1/events?types=DROP%20TABLE', undefined, 400, 'validation_failed'],
      ['GET', '/v1/events?after=bm90LWEtY3Vyc29y', undefined, 400, 'invalid_cursor'],
      ['GET', `/v1/events?after=${Buffer.from('["x"]').toString('base64url')}`, undefined, 400, 'invalid_cursor'],
      ['GET', '/v1/events?limit=500', undefined, 400, 'validation_failed'],
      ['POST', '/v1/webhooks', { url: receiver.url('/x'), eventTypes: ['child.deleted'] }, 400, 'validation_failed'],
      ['POST', '/v1/webhooks', { url: receiver.url('/x'), eventTypes: [] }, 400, 'validation_failed'],
      [
        'POST',
        '/v1/webhooks',
        { url: receiver.url('/x'), eventTypes: ['child.created'], secret: 'mine' },
        400,
        'validation_failed',
      ],
      [
        'POST',
        '/v1/webhooks',
        { url: receiver.url('/x'), eventTypes: ['child.created'], clientId: 'not-a-uuid' },
        400,
        'validation_failed',
      ],
      [
        'POST',
        '/v1/webhooks',
        { url: receiver.url('/x'), eventTypes: ['child.created'], clientId: '00000000-0000-4000-8000-000000000000' },
        422,
        'invalid_webhook',
      ],
      [
        'POST',
        '/v1/webhooks',
        { url: receiver.url('/x'), eventTypes: ['child.created'], units: ['99999'] },
        422,
        'invalid_webhook',
      ],
      ['POST', '/v1/webhooks', { url: 'not a url', eventTypes: ['child.created'] }, 422, 'webhook_url_rejected'],
      ['GET', '/v1/webhooks/not-a-uuid', undefined, 400, 'validation_failed'],
      ['GET', '/v1/webhooks/00000000-0000-4000-8000-000000000000', undefined, 404, 'not_found'],
      ['GET', `/v1/webhooks/${partnerHook.id}/deliveries?state=lost`, undefined, 400, 'validation_failed'],
      ['POST', `/v1/webhooks/${partnerHook.id}/deliveries/abc/retry`, undefined, 400, 'validation_failed'],
      ['POST', `/v1/webhooks/${partnerHook.id}/deliveries/999999/retry`, undefined, 404, 'not_found'],
    ]
    for (const [method, url, payload, status, code] of cases) {
      const response = await app.inject({
        method: method as 'GET',
        url,
        headers: admin.headers,
        ...(payload ? { payload } : {}),
      })
      t.equal(
        response.statusCode,
        status,
        response.statusCode === status ? `${method} ${url} ${JSON.stringify(payload ?? '')}` : response.body,
      )
      t.equal(response.json().code, code)
      t.match(response.headers['content-type'], /application\/problem\+json/)
    }
    t.equal((await app.inject({ url: '/v1/webhooks', headers: admin.headers })).json().items.length, before)
  })

  t.test('each blocked URL form is rejected at registration', async (t) => {
    const settings = configureWebhooks(app, { allowHttp: false, allowedHosts: [] })
    const before = (await app.inject({ url: '/v1/webhooks', headers: admin.headers })).json().items.length
    const cases: [string, string][] = [
      ['https://127.0.0.1/hook', 'loopback_address'],
      [receiver.url('/hook').replace('http:', 'https:'), 'loopback_address'],
      ['https://[::1]/hook', 'loopback_address'],
      ['https://localhost/hook', 'loopback_address'],
      ['https://169.254.169.254/latest/meta-data/', 'metadata_address'],
      ['https://[fd00:ec2::254]/', 'metadata_address'],
      ['https://10.0.0.8/hook', 'private_address'],
      ['https://192.168.1.20/hook', 'private_address'],
      ['https://100.64.1.1/hook', 'shared_address'],
      ['https://2130706433/hook', 'non_canonical_ip'],
      ['https://0x7f.1/hook', 'non_canonical_ip'],
      ['https://[::ffff:127.0.0.1]/hook', 'ipv4_embedded_address'],
      ['file:///etc/passwd', 'unsupported_scheme'],
      ['http://hooks.example.org/hook', 'https_required'],
      ['https://user:password@hooks.example.org/hook', 'credentials_in_url'],
    ]
    for (const [url, reason] of cases) {
      const response = await subscribe({ url, eventTypes: ['child.created'] })
      t.equal(response.statusCode, 422, url)
      t.match(
        response.json(),
        { code: 'webhook_url_rejected', errors: [{ location: 'body', pointer: '/url', code: reason }] },
        url,
      )
    }
    t.equal(
      (await app.inject({ url: '/v1/webhooks', headers: admin.headers })).json().items.length,
      before,
      'nothing was stored',
    )
    configureWebhooks(app, { ...settings, allowHttp: true, allowedHosts: ['127.0.0.1'] })
  })

  t.test('a URL that stops passing the guard is not called (checked again at delivery)', async (t) => {
    const guarded = (
      await subscribe({ url: receiver.url('/guarded'), eventTypes: ['child.updated'], units: [wardA] })
    ).json().webhook
    configureWebhooks(app, { allowedHosts: [] })
    const child = await registerChild(ctx, officerA, {
      fullName: 'Hà Thu Trang',
      dateOfBirth: '2016-06-06',
      address: { wardCode: wardA },
    })
    await app.inject({
      method: 'PATCH',
      url: `/v1/children/${child.id}`,
      headers: { ...officerA.headers, 'if-match': '"1"' },
      payload: { birthRegistered: true },
    })
    await tick()
    t.equal(receiver.at('/guarded').length, 0)
    t.match((await deliveriesOf(guarded.id))[0], {
      state: 'failed',
      responseStatus: null,
      error: 'not sent: the URL is a loopback address',
    })
    configureWebhooks(app, {})
    await tick(60_000)
    t.equal(receiver.at('/guarded').length, 1, 'delivered once allowed again')
  })

  t.test('who may manage subscriptions, and see which', async (t) => {
    const ownerB = await clientFor(ctx, { role: 'city_system', units: [wardB] })
    const outside = await subscribe({
      url: receiver.url('/b'),
      eventTypes: ['child.created'],
      clientId: ownerB.id,
      units: [wardA],
    })
    t.equal(outside.statusCode, 422)
    t.match(outside.json().errors, [{ pointer: '/units/0', code: 'outside_owner_units' }])
    const adminB = await accountFor(ctx, { role: 'district_admin', units: [wardB] })
    const beyond = await subscribe(
      { url: receiver.url('/b'), eventTypes: ['child.created'], clientId: city.id, units: [wardA] },
      adminB,
    )
    t.match(
      beyond.json().errors,
      [{ pointer: '/units/0', code: 'outside_your_units' }],
      'nor beyond the registering admin’s own units',
    )
    t.equal(
      (await app.inject({ url: `/v1/webhooks/${ownHook.id}`, headers: adminB.headers })).statusCode,
      404,
      'another ward’s admin: 404, like a missing one',
    )
    t.equal(
      (await app.inject({ url: `/v1/webhooks/${ownHook.id}/deliveries`, headers: adminB.headers })).statusCode,
      404,
    )
    t.notOk(
      (await app.inject({ url: '/v1/webhooks', headers: adminB.headers }))
        .json()
        .items.some((w: { id: string }) => w.id === ownHook.id),
    )
    const deleteB = await app.inject({
      method: 'DELETE',
      url: `/v1/webhooks/${ownHook.id}`,
      headers: { ...adminB.headers, 'if-match': '"1"' },
    })
    t.equal(deleteB.statusCode, 404)
    const [delivered] = await deliveriesOf(partnerHook.id)
    const retryB = await app.inject({
      method: 'POST',
      url: `/v1/webhooks/${ownHook.id}/deliveries/${delivered!.id}/retry`,
      headers: adminB.headers,
    })
    t.equal(retryB.statusCode, 404, 'nor re-send a delivery through it')
    const crossed = await app.inject({
      method: 'POST',
      url: `/v1/webhooks/${ownHook.id}/deliveries/${delivered!.id}/retry`,
      headers: admin.headers,
    })
    t.equal(crossed.statusCode, 404, 'a delivery of another subscription cannot be re-sent under this one')
    const statuses = await Promise.all([
      subscribe({ url: receiver.url('/x'), eventTypes: ['child.created'] }, officerA),
      app.inject({ url: '/v1/webhooks', headers: city.headers }),
      app.inject({
        url: '/v1/events',
        headers: (await accountFor(ctx, { role: 'collaborator', units: [wardA] })).headers,
      }),
      app.inject({
        url: '/v1/events',
        headers: (await accountFor(ctx, { role: 'auditor', units: [province] })).headers,
      }),
      app.inject({ url: '/v1/events' }),
    ])
    t.same(
      statuses.map((response) => response.statusCode),
      [403, 403, 403, 403, 401],
    )
  })

  t.test(
    'Standard Webhooks: verified by the standardwebhooks package; a rotation signs with both secrets for a day',
    async (t) => {
      /** What an off-the-shelf verifier answers for a delivery, at the service's clock (it reads Date.now). */
      const standardVerdict = (secret: string, delivery: Received) => {
        const realNow = Date.now
        Date.now = () => clock.now().getTime()
        try {
          new Webhook(secret).verify(delivery.body, delivery.headers as Record<string, string>)
          return 'valid'
        } catch (error) {
          return (error as Error).message
        } finally {
          Date.now = realNow
        }
      }
      const created = await subscribe({ url: receiver.url('/standard'), eventTypes: ['child.created'], units: [wardA] })
      const { webhook, secret: first } = created.json()
      t.match(webhook, { previousSecretValidUntil: null, formerSignature: null })
      const childFor = async (fullName: string) => {
        await registerChild(ctx, officerA, { fullName, dateOfBirth: '2019-03-03', address: { wardCode: wardA } })
        await tick()
        return receiver.at('/standard').at(-1)!
      }
      const before = await childFor('Lã Thị Cúc')
      t.equal(standardVerdict(first, before), 'valid', 'the standardwebhooks package verifies a real delivery')
      t.match(before.headers['webhook-signature'], /^v1,[A-Za-z0-9+/]{43}=$/, 'one signature, v1,<base64>')

      const refused = await app.inject({
        method: 'POST',
        url: `/v1/webhooks/${webhook.id}/rotate-secret`,
        headers: admin.headers,
      })
      t.equal(refused.statusCode, 428, 'a rotation needs If-Match')
      const stale = await app.inject({
        method: 'POST',
        url: `/v1/webhooks/${webhook.id}/rotate-secret`,
        headers: { ...admin.headers, 'if-match': '"9"' },
      })
      t.equal(stale.statusCode, 412)
      const rotated = await app.inject({
        method: 'POST',
        url: `/v1/webhooks/${webhook.id}/rotate-secret`,
        headers: { ...admin.headers, 'if-match': '"1"' },
      })
      t.equal(rotated.statusCode, 200)
      t.equal(rotated.headers['cache-control'], 'no-store')
      t.equal(rotated.headers.etag, '"2"')
      const { webhook: after, secret: second } = rotated.json()
      t.not(second, first, 'a new secret, shown once')
      t.equal(after.previousSecretValidUntil, new Date(clock.now().getTime() + 24 * 3600_000).toISOString())
      const read = await app.inject({ url: `/v1/webhooks/${webhook.id}`, headers: admin.headers })
      t.notMatch(read.body, /whsec_/, 'never shown again')

      const during = await childFor('Lã Văn Cường')
      t.equal(signaturesOf(during).length, 2, 'two signatures during the day')
      t.equal(standardVerdict(first, during), 'valid', 'the receiver still on the old secret accepts it')
      t.equal(standardVerdict(second, during), 'valid', 'and the one already on the new secret')
      clock.advance(24 * 3600_000)
      const dayAfter = await childFor('Lã Minh Châu')
      t.equal(standardVerdict(second, dayAfter), 'valid')
      t.equal(standardVerdict(first, dayAfter), 'No matching signature found', 'the old secret no longer signs')
      const audited = await app.database.db
        .select()
        .from(auditEvents)
        .where(eq(auditEvents.action, 'webhook.secret.rotate'))
      t.match(audited, [{ resourceId: webhook.id, actorId: admin.id, outcome: 'success' }])
      t.notMatch(JSON.stringify(audited), /whsec_/, 'the audit trail holds no secret')
    },
  )

  t.test(
    'a subscription made before Standard Webhooks keeps the former signature until its secret is rotated out',
    async (t) => {
      const created = await subscribe({ url: receiver.url('/former'), eventTypes: ['child.created'], units: [wardA] })
      const { webhook, secret: held } = created.json()
      // As migration 0033 marks every subscription that existed before it.
      await app.database.db
        .update(webhookSubscriptions)
        .set({ formerSignatureSecret: 'current' })
        .where(eq(webhookSubscriptions.id, webhook.id))
      const deliver = async (fullName: string) => {
        await registerChild(ctx, officerA, { fullName, dateOfBirth: '2019-04-04', address: { wardCode: wardA } })
        await tick()
        return receiver.at('/former').at(-1)!
      }
      const formerIn = (delivery: Received, secret: string) =>
        signaturesOf(delivery).includes(
          formerWebhookSignature(
            secret,
            delivery.headers['webhook-id'] as string,
            Number(delivery.headers['webhook-timestamp']),
            delivery.body,
          ),
        )
      const old = await deliver('Mạc Thị Duyên')
      t.ok(formerIn(old, held), 'the receiver’s former check still passes')
      t.equal(verify(held, old, clock.now()), 'valid', 'and the standard signature is there beside it')
      const rotated = await app.inject({
        method: 'POST',
        url: `/v1/webhooks/${webhook.id}/rotate-secret`,
        headers: { ...admin.headers, 'if-match': '"1"' },
      })
      t.match(rotated.json().webhook, { formerSignature: 'previous' })
      const { secret: fresh } = rotated.json()
      const during = await deliver('Mạc Văn Dũng')
      t.ok(formerIn(during, held), 'under the old secret for the day of the rotation')
      t.notOk(formerIn(during, fresh), 'never under the new secret')
      clock.advance(24 * 3600_000 + 1000)
      const later = await deliver('Mạc Ngọc Diệp')
      t.equal(signaturesOf(later).length, 1, 'the standard signature alone once the day is over')
      t.equal(verify(fresh, later, clock.now()), 'valid')
      t.equal(
        await forgetReplacedSecrets(app.database.db, clock.now()),
        2,
        'the replaced secrets of this and the previous rotation, each over its day, are forgotten',
      )
      const read = await app.inject({ url: `/v1/webhooks/${webhook.id}`, headers: admin.headers })
      t.match(read.json(), { previousSecretValidUntil: null, formerSignature: null })
      const [row] = await app.database.db
        .select()
        .from(webhookSubscriptions)
        .where(eq(webhookSubscriptions.id, webhook.id))
      t.equal(row!.previousSecret, null)
    },
  )

  t.test('ending a subscription: If-Match, then no more deliveries', async (t) => {
    t.equal(
      (await app.inject({ method: 'DELETE', url: `/v1/webhooks/${partnerHook.id}`, headers: admin.headers }))
        .statusCode,
      428,
    )
    t.equal(
      (
        await app.inject({
          method: 'DELETE',
          url: `/v1/webhooks/${partnerHook.id}`,
          headers: { ...admin.headers, 'if-match': '"7"' },
        })
      ).statusCode,
      412,
    )
    await registerChild(ctx, officerA, {
      fullName: 'Trịnh Quốc Bảo',
      dateOfBirth: '2017-07-07',
      sex: 'male',
      address: { wardCode: wardA },
    })
    const deleted = await app.inject({
      method: 'DELETE',
      url: `/v1/webhooks/${partnerHook.id}`,
      headers: { ...admin.headers, 'if-match': '"1"' },
    })
    t.equal(deleted.statusCode, 204)
    const sent = receiver.at('/partner').length
    await tick()
    t.equal(receiver.at('/partner').length, sent, 'nothing more to a deleted subscription')
    t.equal((await app.inject({ url: `/v1/webhooks/${partnerHook.id}`, headers: admin.headers })).statusCode, 404)
    const audited = await app.database.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.action, 'webhook.delete'), eq(auditEvents.outcome, 'success')))
    t.match(audited, [{ resourceId: partnerHook.id, actorId: admin.id }])
  })

  t.test('a city system’s subscription from before it stopped receiving children’s events says why', async (t) => {
    const created = await subscribe({
      url: receiver.url('/old-city'),
      eventTypes: ['report.submitted'],
      clientId: city.id,
    })
    t.equal(created.statusCode, 201)
    const hook = created.json().webhook
    // As it was registered before: naming child.created.
    await app.database.db
      .update(webhookSubscriptions)
      .set({ eventTypes: ['child.created'] })
      .where(eq(webhookSubscriptions.id, hook.id))
    await registerChild(ctx, officerA, {
      fullName: 'Trần Minh Khang',
      dateOfBirth: '2016-02-02',
      address: { wardCode: wardA },
    })
    await tick(6000)
    t.equal(receiver.at('/old-city').length, 0, 'nothing is sent')
    t.match((await deliveriesOf(hook.id))[0], {
      state: 'dead',
      error: 'not sent: child.created events are not sent to the role city_system',
    })
  })

  t.test('a revoked client’s subscription stops at once', async (t) => {
    const revoked = await clientFor(ctx, { role: 'district_officer', units: [province] })
    const hook = (
      await subscribe({ url: receiver.url('/revoked'), eventTypes: ['child.created'], clientId: revoked.id })
    ).json().webhook
    const client = await app.inject({ url: `/v1/clients/${revoked.id}`, headers: admin.headers })
    await app.inject({
      method: 'DELETE',
      url: `/v1/clients/${revoked.id}`,
      headers: { ...admin.headers, 'if-match': client.headers.etag as string },
    })
    await registerChild(ctx, officerA, {
      fullName: 'Mai Anh Thư',
      dateOfBirth: '2014-04-04',
      address: { wardCode: wardA },
    })
    await tick(6000)
    t.equal(receiver.at('/revoked').length, 0)
    t.match((await deliveriesOf(hook.id))[0], { state: 'dead', error: /owner is no longer active/ })
  })
})
