import { eq, sql } from 'drizzle-orm'
import t from 'tap'
import { openDatabase, queryRows } from '../../../src/db/client.js'
import { sweepDeadlines } from '../../../src/modules/incidents/sweep.js'
import { auditEvents } from '../../../src/modules/audit/tables.js'
import { inScope, systemScope } from '../../../src/platform/scope.js'
import { createTestApp, onPostgres } from '../../support/app.js'
import { accountFor, province, wardA, wardB } from '../../support/auth.js'
import { incidentReport, registerChild } from '../../support/registry.js'
import { ownerConnectionString } from '../../support/owner.js'

t.test('incidents and the 24-hour written report', async (t) => {
  // Monday 10 June 2024, 09:00 in Hanoi.
  const ctx = await createTestApp(t, { now: '2024-06-10T02:00:00Z' })
  const { app, clock } = ctx
  const officer = await accountFor(ctx, { role: 'ward_officer', units: [wardA] })
  const officerB = await accountFor(ctx, { role: 'ward_officer', units: [wardB] })
  const chair = await accountFor(ctx, { role: 'ward_chair', units: [wardA] })
  const viewer = await accountFor(ctx, { role: 'agency_viewer', units: [wardA] })
  const district = await accountFor(ctx, { role: 'district_officer', units: [province] })
  const child = await registerChild(ctx, officer, {
    fullName: 'Lý Thị Mến',
    dateOfBirth: '2013-02-02',
    address: { wardCode: wardA },
  })

  const create = (payload: Record<string, unknown>, headers: Record<string, string> = {}) =>
    app.inject({
      method: 'POST',
      url: '/v1/incidents',
      headers: { ...officer.headers, ...headers },
      payload: incidentReport(
        { id: child.id, wardCode: wardA },
        {
          subKind: 'molestation',
          occurredAt: '2024-06-10T08:00:00+07:00',
          detectedAt: '2024-06-10T08:30:00+07:00',
          channel: 'hotline_111',
          narrative: 'Reported by a neighbour; details withheld.',
          perpetratorRelation: 'neighbour',
          ...payload,
        },
      ),
    })

  t.test('the deadline is computed by the server: 24 hours from the later of occurrence and detection', async (t) => {
    const occurred = await create({ detectedAt: '2024-06-10T08:00:00+07:00' })
    t.equal(occurred.statusCode, 201)
    t.match(occurred.json().writtenReport, {
      dueAt: '2024-06-11T01:00:00.000Z',
      basis: 'occurred',
      compliance: 'pending',
      submittedAt: null,
    })
    t.equal(occurred.json().children[0].childId, child.id)
    t.same(
      occurred.json().steps.map((s: { step: string }) => s.step),
      ['receipt'],
    )
    const detected = await create({ occurredAt: '2024-06-08T20:00:00+07:00', detectedAt: '2024-06-10T08:30:00+07:00' })
    t.match(detected.json().writtenReport, { dueAt: '2024-06-11T01:30:00.000Z', basis: 'detected' })
    const forged = await create({ writtenReportDueAt: '2030-01-01T00:00:00Z' })
    t.equal(forged.statusCode, 400, 'a client cannot send the deadline')
  })

  t.test('the children an incident names: found by id in any case, and only in the caller’s units', async (t) => {
    const today = { occurredAt: '2024-06-10T08:00:00+07:00', detectedAt: '2024-06-10T08:30:00+07:00' }
    const named = (children: unknown[], account = officer) =>
      app.inject({
        method: 'POST',
        url: '/v1/incidents',
        headers: account.headers,
        payload: { ...incidentReport({ id: child.id, wardCode: wardA }, today), children },
      })
    const capitals = await named([{ childId: child.id.toUpperCase() }])
    t.equal(capitals.statusCode, 201, 'a uuid in capitals is the same child')
    t.equal(capitals.json().children[0].childId, child.id)
    const twice = await named([{ childId: child.id }, { childId: child.id.toUpperCase() }])
    t.equal(twice.statusCode, 201)
    t.equal(twice.json().children.length, 2, 'each entry is linked')
    const unregisteredOnly = await named([{ unregistered: { fullName: 'Trẻ chưa rõ tên', estimatedAgeYears: 9 } }])
    t.equal(unregisteredOnly.statusCode, 201, 'no registry child to read')
    const elsewhere = await app.inject({
      method: 'POST',
      url: '/v1/incidents',
      headers: officerB.headers,
      payload: { ...incidentReport({ id: child.id, wardCode: wardB }, today), children: [{ childId: child.id }] },
    })
    t.equal(elsewhere.statusCode, 422)
    t.match(
      elsewhere.json().errors,
      [{ pointer: '/children/0/childId', code: 'unknown_child' }],
      'another ward’s child',
    )
  })

  t.test('time integrity', async (t) => {
    const cases: [string, Record<string, unknown>, string[]][] = [
      [
        'occurred in the future',
        { occurredAt: '2024-06-10T12:00:00+07:00', detectedAt: '2024-06-10T12:00:00+07:00' },
        ['/detectedAt', '/occurredAt'],
      ],
      [
        'detected before it occurred',
        { occurredAt: '2024-06-10T08:00:00+07:00', detectedAt: '2024-06-10T07:00:00+07:00' },
        ['/detectedAt'],
      ],
      [
        'a child of another ward',
        { children: [{ childId: '00000000-0000-4000-8000-000000000000' }] },
        ['/children/0/childId'],
      ],
      ['an outcome on a non-injury', { injuryOutcome: 'death' }, ['/injuryOutcome']],
    ]
    for (const [name, payload, pointers] of cases) {
      const response = await create(payload)
      t.equal(response.statusCode, 422, name)
      t.same(
        response
          .json()
          .errors.map((e: { pointer: string }) => e.pointer)
          .sort(),
        pointers,
        name,
      )
    }
  })

  t.test('on time at 23h59m, late at 24h01m; a late report needs a reason', async (t) => {
    const onTime = (await create({})).json()
    const late = (await create({})).json()
    clock.set('2024-06-11T08:29:00+07:00')
    const first = await app.inject({
      method: 'POST',
      url: `/v1/incidents/${onTime.id}/written-report`,
      headers: officer.headers,
      payload: {},
    })
    t.equal(first.statusCode, 200)
    t.match(first.json().writtenReport, {
      compliance: 'on_time',
      submittedAt: '2024-06-11T01:29:00.000Z',
      lateReason: null,
    })
    const again = await app.inject({
      method: 'POST',
      url: `/v1/incidents/${onTime.id}/written-report`,
      headers: officer.headers,
      payload: {},
    })
    t.equal(again.statusCode, 409, 'recorded once')
    clock.set('2024-06-11T08:31:00+07:00')
    const noReason = await app.inject({
      method: 'POST',
      url: `/v1/incidents/${late.id}/written-report`,
      headers: officer.headers,
      payload: {},
    })
    t.equal(noReason.statusCode, 422)
    t.equal(noReason.json().code, 'late_reason_required')
    t.equal(noReason.json().rule, 'written_report_within_24_hours')
    const withReason = await app.inject({
      method: 'POST',
      url: `/v1/incidents/${late.id}/written-report`,
      headers: officer.headers,
      payload: { lateReason: 'the officer was at a training course' },
    })
    t.equal(withReason.statusCode, 200)
    t.match(withReason.json().writtenReport, { compliance: 'late', lateReason: 'the officer was at a training course' })
    clock.set('2024-06-10T09:00:00+07:00')
  })

  t.test('compliance is derived from the clock, filterable and summarised per ward', async (t) => {
    clock.set('2024-06-12T09:00:00+07:00')
    const fresh = (
      await create({ occurredAt: '2024-06-12T08:00:00+07:00', detectedAt: '2024-06-12T08:00:00+07:00' })
    ).json()
    t.equal(fresh.writtenReport.compliance, 'pending')
    clock.set('2024-06-13T02:30:00+07:00')
    t.equal(
      (await app.inject({ url: `/v1/incidents/${fresh.id}`, headers: officer.headers })).json().writtenReport
        .compliance,
      'due_soon',
    )
    clock.set('2024-06-13T09:00:00+07:00')
    const overdue = await app.inject({ url: '/v1/incidents?compliance=overdue', headers: officer.headers })
    t.ok(overdue.json().items.some((i: { id: string }) => i.id === fresh.id))
    const report = await app.inject({
      url: '/v1/incidents/compliance?from=2024-06-01&to=2024-06-30',
      headers: district.headers,
    })
    t.equal(report.statusCode, 200)
    const ward = report.json().wards.find((w: { wardCode: string }) => w.wardCode === wardA)
    t.equal(ward.counts.on_time, 1)
    t.equal(ward.counts.late, 1)
    t.ok(ward.counts.overdue >= 1)
    t.equal(ward.onTimeRate, 1 / (1 + 1 + ward.counts.overdue))
    t.same(
      (await app.inject({ url: '/v1/incidents', headers: officerB.headers })).json().items,
      [],
      'another ward sees none',
    )
  })

  t.test('Decree 56 steps: order, approval by the chair, deadlines on working days', async (t) => {
    clock.set('2024-06-14T10:00:00+07:00') // a Friday
    const incident = (
      await create({ occurredAt: '2024-06-14T08:00:00+07:00', detectedAt: '2024-06-14T09:00:00+07:00' })
    ).json()
    const step = (payload: Record<string, unknown>, account = officer) =>
      app.inject({ method: 'POST', url: `/v1/incidents/${incident.id}/steps`, headers: account.headers, payload })
    const early = await step({ step: 'support_plan' })
    t.equal(early.statusCode, 409)
    t.same(early.json().allowedNextSteps, ['initial_assessment'])
    t.equal((await step({ step: 'initial_assessment' })).statusCode, 201)
    t.equal((await step({ step: 'specific_assessment' })).statusCode, 201)
    const detail = (await app.inject({ url: `/v1/incidents/${incident.id}`, headers: officer.headers })).json()
    const plan = detail.pendingSteps.find((p: { step: string }) => p.step === 'support_plan')
    t.equal(
      plan.dueAt,
      '2024-06-21T16:59:59.000Z',
      'five working days after Friday receipt: the next Friday, 23:59:59 local',
    )
    t.equal((await step({ step: 'support_plan' })).statusCode, 201)
    const byOfficer = await step({ step: 'plan_approval' })
    t.equal(byOfficer.statusCode, 403, 'only the ward chair approves')
    t.equal(byOfficer.json().requiredPermission, 'plans:approve')
    const approved = await step({ step: 'plan_approval' }, chair)
    t.equal(approved.statusCode, 201)
    t.same(approved.json().incident.allowedNextSteps, ['implementation'])
    const future = await step({ step: 'implementation', at: '2024-06-20T10:00:00+07:00' })
    t.equal(future.statusCode, 422)
  })

  t.test('an emergency must be protected within 12 hours; overdue steps are flagged and filterable', async (t) => {
    clock.set('2024-06-14T10:00:00+07:00')
    const incident = (
      await create({
        emergency: true,
        occurredAt: '2024-06-14T09:00:00+07:00',
        detectedAt: '2024-06-14T09:30:00+07:00',
      })
    ).json()
    await app.inject({
      method: 'POST',
      url: `/v1/incidents/${incident.id}/steps`,
      headers: officer.headers,
      payload: { step: 'initial_assessment' },
    })
    const detail = (await app.inject({ url: `/v1/incidents/${incident.id}`, headers: officer.headers })).json()
    t.same(detail.allowedNextSteps, ['emergency_protection'])
    t.equal(detail.pendingSteps[0].dueAt, '2024-06-14T14:30:00.000Z', '12 hours after receipt')
    t.same(
      detail.schedule.map((s: { step: string; state: string; provisional: boolean }) => [
        s.step,
        s.state,
        s.provisional,
      ]),
      [
        ['initial_assessment', 'met', false],
        ['emergency_protection', 'due', false],
        ['specific_assessment', 'upcoming', true],
        ['support_plan', 'upcoming', true],
        ['plan_approval', 'upcoming', true],
      ],
      'every deadline shown from intake, the later ones provisional',
    )
    t.equal(
      detail.schedule.find((s: { step: string }) => s.step === 'support_plan').dueAt,
      '2024-06-21T16:59:59.000Z',
      'the plan is due at the end of the 5th working day after receipt (Friday 21 June)',
    )
    clock.set('2024-06-14T22:00:00+07:00')
    const overdue = await app.inject({ url: '/v1/incidents?overdueSteps=true', headers: officer.headers })
    t.ok(
      overdue
        .json()
        .items.some((i: { id: string; overdueSteps: number }) => i.id === incident.id && i.overdueSteps === 1),
    )
  })

  t.test('a case found to be an emergency after intake: the kept next-step deadline follows', async (t) => {
    clock.set('2024-06-17T10:00:00+07:00')
    const incident = (
      await create({ occurredAt: '2024-06-17T09:00:00+07:00', detectedAt: '2024-06-17T09:30:00+07:00' })
    ).json()
    await app.inject({
      method: 'POST',
      url: `/v1/incidents/${incident.id}/steps`,
      headers: officer.headers,
      payload: { step: 'initial_assessment' },
    })
    const overdueIds = async () =>
      (await app.inject({ url: '/v1/incidents?overdueSteps=true', headers: officer.headers }))
        .json()
        .items.map((i: { id: string }) => i.id)
    const version = (await app.inject({ url: `/v1/incidents/${incident.id}`, headers: officer.headers })).headers.etag
    const patched = await app.inject({
      method: 'PATCH',
      url: `/v1/incidents/${incident.id}`,
      headers: { ...officer.headers, 'if-match': version as string },
      payload: { emergency: true },
    })
    t.equal(patched.statusCode, 200)
    t.same(patched.json().allowedNextSteps, ['emergency_protection'])
    clock.set('2024-06-17T22:00:00+07:00')
    t.ok((await overdueIds()).includes(incident.id), 'protection was due 12 hours after receipt, at 21:30')
  })

  t.test('correcting occurredAt after the report needs a reason and is never silent', async (t) => {
    clock.set('2024-06-20T09:00:00+07:00')
    const incident = (
      await create({ occurredAt: '2024-06-18T08:00:00+07:00', detectedAt: '2024-06-18T08:00:00+07:00' })
    ).json()
    const reported = await app.inject({
      method: 'POST',
      url: `/v1/incidents/${incident.id}/written-report`,
      headers: officer.headers,
      payload: { lateReason: 'weekend duty gap' },
    })
    t.equal(reported.json().writtenReport.compliance, 'late')
    const patch = (payload: Record<string, unknown>, version: number) =>
      app.inject({
        method: 'PATCH',
        url: `/v1/incidents/${incident.id}`,
        headers: { ...officer.headers, 'if-match': `"${version}"` },
        payload,
      })
    const silent = await patch({ occurredAt: '2024-06-19T12:00:00+07:00', detectedAt: '2024-06-19T12:00:00+07:00' }, 2)
    t.equal(silent.statusCode, 422)
    t.equal(silent.json().errors[0].code, 'reason_required')
    const explained = await patch(
      {
        occurredAt: '2024-06-19T12:00:00+07:00',
        detectedAt: '2024-06-19T12:00:00+07:00',
        reason: 'the police report gives the 19th',
      },
      2,
    )
    t.equal(explained.statusCode, 200)
    t.equal(explained.json().writtenReport.compliance, 'on_time')
    const events = await app.database.db.select().from(auditEvents).where(eq(auditEvents.resourceId, incident.id))
    t.ok(
      events.some(
        (e) =>
          e.action === 'incident.update.compliance_improved' &&
          (e.details as { complianceBefore: string }).complianceBefore === 'late',
      ),
      'audited as an improvement',
    )
  })

  t.test('narratives and identities only with incidents:sensitive', async (t) => {
    const incident = (await create({})).json()
    const seen = (await app.inject({ url: `/v1/incidents/${incident.id}`, headers: viewer.headers })).json()
    t.notOk('narrative' in seen)
    t.notOk('perpetratorRelation' in seen)
    t.notOk('childId' in seen.children[0], 'the child’s identity is withheld')
    t.equal(seen.children[0].sex, 'female', 'sex and age stay')
    t.notMatch(JSON.stringify(seen), /neighbour/)
    const write = await app.inject({ method: 'POST', url: '/v1/incidents', headers: viewer.headers, payload: {} })
    t.equal(write.statusCode, 403)
    const collaborator = await accountFor(ctx, { role: 'collaborator', units: [wardA] })
    t.equal(
      (await app.inject({ url: '/v1/incidents', headers: collaborator.headers })).statusCode,
      403,
      'collaborators see no incidents',
    )
  })

  t.test('Idempotency-Key: a replayed create returns the same incident', async (t) => {
    const first = await create({}, { 'idempotency-key': 'hotline-call-7781' })
    const second = await create({}, { 'idempotency-key': 'hotline-call-7781' })
    t.equal(first.statusCode, 201)
    t.equal(second.json().id, first.json().id)
    t.equal(second.headers['idempotent-replayed'], 'true')
  })

  t.test('closing a sexual-abuse case offers, and can add, group l to the child', async (t) => {
    clock.set('2024-06-24T09:00:00+07:00')
    const incident = (
      await create({ occurredAt: '2024-06-24T08:00:00+07:00', detectedAt: '2024-06-24T08:30:00+07:00' })
    ).json()
    await app.inject({
      method: 'POST',
      url: `/v1/incidents/${incident.id}/steps`,
      headers: officer.headers,
      payload: { step: 'initial_assessment' },
    })
    // The chair closes (an officer asks through the closure form); adding the group is a registry write.
    const closer = await accountFor(ctx, { role: 'ward_chair', units: [wardA], grants: ['registry:write'] })
    const byOfficer = await app.inject({
      method: 'POST',
      url: `/v1/incidents/${incident.id}/steps`,
      headers: officer.headers,
      payload: { step: 'closure', closureReason: 'child safe; case transferred to the police' },
    })
    t.equal(byOfficer.statusCode, 403, 'an officer does not close a case without the chair')
    t.match(byOfficer.json(), { requiredPermission: 'plans:approve' })
    const noReason = await app.inject({
      method: 'POST',
      url: `/v1/incidents/${incident.id}/steps`,
      headers: closer.headers,
      payload: { step: 'closure' },
    })
    t.equal(noReason.statusCode, 422)
    const closed = await app.inject({
      method: 'POST',
      url: `/v1/incidents/${incident.id}/steps`,
      headers: closer.headers,
      payload: {
        step: 'closure',
        closureReason: 'child safe; case transferred to the police',
        applyCircumstanceGroup: true,
      },
    })
    t.equal(closed.statusCode, 201)
    t.same(closed.json().circumstanceOffer, { groupCode: 'l', childIds: [child.id], applied: true })
    t.equal(closed.json().incident.status, 'closed')
    const record = (await app.inject({ url: `/v1/children/${child.id}`, headers: officer.headers })).json()
    t.ok(
      record.circumstances.some(
        (c: { groupCode: string; startDate: string }) => c.groupCode === 'l' && c.startDate === '2024-06-24',
      ),
    )
    const after = await app.inject({
      method: 'POST',
      url: `/v1/incidents/${incident.id}/steps`,
      headers: officer.headers,
      payload: { step: 'monitoring' },
    })
    t.equal(after.statusCode, 409, 'nothing after closure')
  })

  t.test('the deadline sweep records each event exactly once, and alerts show them in scope', async (t) => {
    clock.set('2024-07-01T09:00:00+07:00')
    const incident = (
      await create({ occurredAt: '2024-07-01T08:00:00+07:00', detectedAt: '2024-07-01T08:00:00+07:00' })
    ).json()
    clock.set('2024-07-02T03:00:00+07:00')
    await sweepDeadlines(app.database, clock.now())
    await sweepDeadlines(app.database, clock.now())
    clock.set('2024-07-02T09:00:00+07:00')
    const results = await Promise.all([
      sweepDeadlines(app.database, clock.now()),
      sweepDeadlines(app.database, clock.now()),
    ])
    await app.jobs.runDue()
    const visible = await app.inject({ url: '/v1/alerts?limit=200', headers: officer.headers })
    const mine = visible
      .json()
      .items.filter((a: { incidentId: string }) => a.incidentId === incident.id)
      .map((a: { type: string }) => a.type)
      .sort()
    t.same(mine, ['incident.step.overdue', 'incident.written_report.due_soon', 'incident.written_report.overdue'])
    t.equal(
      results[0].recorded + results[1].recorded,
      1,
      'of two concurrent sweeps, one recorded the newly overdue report',
    )
    t.equal((await sweepDeadlines(app.database, clock.now())).recorded, 0, 'a further sweep records nothing new')
    t.same(
      (await app.inject({ url: '/v1/alerts', headers: officerB.headers })).json().items,
      [],
      'another ward’s alerts are not shown',
    )
  })
})

t.test(
  'two instances sweeping one PostgreSQL at once record each event once',
  { skip: !onPostgres && 'needs two connections (DATABASE_URL)' },
  async (t) => {
    const ctx = await createTestApp(t, { now: '2024-06-10T02:00:00Z' })
    const officer = await accountFor(ctx, { role: 'ward_officer', units: [wardA] })
    for (let i = 0; i < 5; i++) {
      const response = await ctx.app.inject({
        method: 'POST',
        url: '/v1/incidents',
        headers: officer.headers,
        payload: {
          kind: 'violence',
          occurredAt: '2024-06-10T08:00:00+07:00',
          occurredAtPrecision: 'exact',
          detectedAt: '2024-06-10T08:00:00+07:00',
          channel: 'phone',
          address: { wardCode: wardA },
          children: [{ unregistered: { sex: 'male', estimatedAgeYears: 9 } }],
        },
      })
      t.equal(response.statusCode, 201)
    }
    const second = await openDatabase({
      url: await ownerConnectionString(ctx.database),
      dataDir: '',
      poolMax: 4,
      statementTimeoutMs: 30_000,
    })
    await second.useAppRole()
    t.teardown(() => second.close())
    const now = new Date('2024-06-11T09:00:00+07:00')
    const runs = await Promise.all([
      sweepDeadlines(ctx.database, now),
      sweepDeadlines(second, now),
      sweepDeadlines(ctx.database, now),
      sweepDeadlines(second, now),
    ])
    const [row] = await inScope(ctx.database.db, systemScope, (tx) =>
      queryRows<{ n: number; distinct: number }>(
        tx,
        sql`select count(*)::int as n, count(distinct dedupe_key)::int as distinct from events where dedupe_key is not null`,
      ),
    )
    t.equal(row?.n, row?.distinct, 'no event twice')
    t.equal(
      runs.reduce((sum, run) => sum + run.recorded, 0),
      row?.n,
      'every event recorded by exactly one run',
    )
    t.equal(row?.n, 10, 'overdue report and overdue initial assessment, for each of the 5 incidents')
  },
)
