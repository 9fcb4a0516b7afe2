import { sql } from 'drizzle-orm'
import t from 'tap'
import { queryRows } from '../../../src/db/client.js'
import { sweepFollowUps } from '../../../src/modules/incidents/follow-up-sweep.js'
import { inScope, systemScope } from '../../../src/platform/scope.js'
import { createTestApp } from '../../support/app.js'
import { accountFor, province, wardA, wardB } from '../../support/auth.js'
import { incidentReport, registerChild } from '../../support/registry.js'

interface StoredFollowUpEvent {
  type: string
  ward_code: string
  data: Record<string, unknown>
}

t.test('follow-ups of a case', async (t) => {
  // Monday 10 June 2024, 09:00 in Hanoi.
  const ctx = await createTestApp(t, { now: '2024-06-10T02:00:00Z' })
  const { app, clock, database } = ctx
  const officer = await accountFor(ctx, { role: 'ward_officer', units: [wardA] })
  const officerB = await accountFor(ctx, { role: 'ward_officer', units: [wardB] })
  const chair = await accountFor(ctx, { role: 'ward_chair', units: [wardA] })
  const viewer = await accountFor(ctx, { role: 'agency_viewer', units: [wardA] })
  const district = await accountFor(ctx, { role: 'district_officer', units: [province] })
  const child = await registerChild(ctx, officer, { fullName: 'Đỗ Thị Hoa', address: { wardCode: wardA } })
  const incident = (
    await app.inject({
      method: 'POST',
      url: '/v1/incidents',
      headers: officer.headers,
      payload: incidentReport(
        { id: child.id, wardCode: wardA },
        { occurredAt: '2024-06-10T08:00:00+07:00', detectedAt: '2024-06-10T08:30:00+07:00' },
      ),
    })
  ).json<{ id: string }>()
  const base = `/v1/incidents/${incident.id}/follow-ups`

  const schedule = (payload: Record<string, unknown>, account = officer) =>
    app.inject({ method: 'POST', url: base, headers: account.headers, payload })
  const act = (id: string, action: string, payload: Record<string, unknown>, ifMatch?: string, account = officer) =>
    app.inject({
      method: 'POST',
      url: `${base}/${id}/${action}`,
      headers: { ...account.headers, ...(ifMatch ? { 'if-match': ifMatch } : {}) },
      payload,
    })
  const countFollowUpEvents = async () =>
    (
      await inScope(database.db, systemScope, (tx) =>
        queryRows<{ count: number }>(
          tx,
          sql`select count(*)::int as count from events where resource_type = 'follow_up'`,
        ),
      )
    )[0]!.count
  const followUpEvents = (id: string) =>
    inScope(database.db, systemScope, (tx) =>
      queryRows<StoredFollowUpEvent>(
        tx,
        sql`select type, ward_code, data from events where resource_type = 'follow_up' and resource_id = ${id} order by id`,
      ),
    )

  t.test('scheduled with a due date and an assignee; the note only for incidents:sensitive', async (t) => {
    const created = await schedule({
      kind: 'home_visit',
      dueDate: '2024-06-14',
      assigneeId: officer.id,
      note: 'Check the child sleeps at home.',
    })
    t.equal(created.statusCode, 201)
    const body = created.json()
    t.equal(created.headers.location, `${base}/${body.id}`)
    t.equal(created.headers.etag, '"1"')
    t.match(body, {
      kind: 'home_visit',
      dueDate: '2024-06-14',
      dueAt: '2024-06-14T16:59:59.000Z',
      status: 'scheduled',
      standing: 'upcoming',
      assignee: { id: officer.id },
      note: 'Check the child sleeps at home.',
      wardCode: wardA,
    })
    const asViewer = await app.inject({ url: `${base}/${body.id}`, headers: viewer.headers })
    t.equal(asViewer.statusCode, 200)
    t.notOk('note' in asViewer.json(), 'withheld without incidents:sensitive')
    t.notOk('outcomeNote' in asViewer.json())
    const listed = await app.inject({ url: base, headers: viewer.headers })
    t.notOk('note' in listed.json().items[0])
    const asDistrict = await app.inject({ url: `${base}/${body.id}`, headers: district.headers })
    t.equal(asDistrict.json().note, 'Check the child sleeps at home.', 'a district officer of the ward sees it')
  })

  t.test('bad input answers with its problem code', async (t) => {
    const cases: [string, Record<string, unknown>, number, string, string[]][] = [
      ['a day gone by', { kind: 'review', dueDate: '2024-06-09' }, 422, 'invalid_follow_up', ['due_date_past']],
      ['beyond a year', { kind: 'review', dueDate: '2025-07-01' }, 422, 'invalid_follow_up', ['due_date_too_far']],
      [
        'an officer of another ward',
        { kind: 'review', dueDate: '2024-06-14', assigneeId: officerB.id },
        422,
        'invalid_follow_up',
        ['invalid_assignee'],
      ],
      [
        'a chair, who records no case work',
        { kind: 'review', dueDate: '2024-06-14', assigneeId: chair.id },
        422,
        'invalid_follow_up',
        ['invalid_assignee'],
      ],
      [
        'nobody at all',
        { kind: 'review', dueDate: '2024-06-14', assigneeId: '00000000-0000-4000-8000-000000000000' },
        422,
        'invalid_follow_up',
        ['invalid_assignee'],
      ],
      ['an unknown kind', { kind: 'party', dueDate: '2024-06-14' }, 400, 'validation_failed', []],
      ['an unknown member', { kind: 'review', dueDate: '2024-06-14', priority: 1 }, 400, 'validation_failed', []],
    ]
    for (const [name, payload, status, code, fieldCodes] of cases) {
      const response = await schedule(payload)
      t.equal(response.statusCode, status, name)
      t.equal(response.json().code, code, name)
      if (fieldCodes.length > 0)
        t.same(
          response.json().errors.map((e: { code: string }) => e.code),
          fieldCodes,
          name,
        )
    }
    const readOnly = await schedule({ kind: 'review', dueDate: '2024-06-14' }, viewer)
    t.equal(readOnly.statusCode, 403, 'incidents:write is needed')
  })

  t.test('another ward’s officer is answered 404', async (t) => {
    const id = (await schedule({ kind: 'phone_call', dueDate: '2024-06-12' })).json().id
    t.equal((await schedule({ kind: 'review', dueDate: '2024-06-14' }, officerB)).statusCode, 404)
    t.equal((await app.inject({ url: `${base}/${id}`, headers: officerB.headers })).statusCode, 404)
    t.equal((await app.inject({ url: base, headers: officerB.headers })).statusCode, 404)
    t.equal((await act(id, 'complete', { outcome: 'no_concerns' }, '"1"', officerB)).statusCode, 404)
  })

  t.test('completed, rescheduled and cancelled with If-Match', async (t) => {
    const id = (await schedule({ kind: 'school_visit', dueDate: '2024-06-12' })).json().id
    t.equal((await act(id, 'reschedule', { dueDate: '2024-06-13', reason: 'school closed' })).statusCode, 428)
    const moved = await act(id, 'reschedule', { dueDate: '2024-06-13', reason: 'school closed' }, '"1"')
    t.equal(moved.statusCode, 200)
    t.match(moved.json(), { dueDate: '2024-06-13', rescheduleCount: 1, rescheduleReason: 'school closed', version: 2 })
    t.equal(moved.headers.etag, '"2"')
    const same = await act(id, 'reschedule', { dueDate: '2024-06-13', reason: 'again' }, '"2"')
    t.equal(same.statusCode, 422)
    t.equal(same.json().errors[0].code, 'same_due_date')
    const stale = await act(id, 'complete', { outcome: 'no_concerns' }, '"1"')
    t.equal(stale.statusCode, 412)
    t.equal(stale.json().code, 'version_mismatch')
    const future = await act(id, 'complete', { outcome: 'no_concerns', completedOn: '2024-06-11' }, '"2"')
    t.equal(future.statusCode, 422)
    t.equal(future.json().errors[0].code, 'date_in_future')
    const done = await act(
      id,
      'complete',
      { outcome: 'concerns_found', outcomeNote: 'The teacher reports absences.' },
      '"2"',
    )
    t.equal(done.statusCode, 200)
    t.match(done.json(), {
      status: 'completed',
      outcome: 'concerns_found',
      completedOn: '2024-06-10',
      standing: null,
      version: 3,
    })
    const viewed = await app.inject({ url: `${base}/${id}`, headers: viewer.headers })
    t.notOk('outcomeNote' in viewed.json(), 'the outcome note is withheld too')
    t.equal(viewed.json().outcome, 'concerns_found', 'the coded outcome is not')
    const again = await act(id, 'cancel', { reason: 'not needed' }, '"3"')
    t.equal(again.statusCode, 409)
    t.match(again.json(), { code: 'follow_up_closed', state: 'completed' })

    const other = (await schedule({ kind: 'review', dueDate: '2024-06-20' })).json().id
    const reassigned = await app.inject({
      method: 'PATCH',
      url: `${base}/${other}`,
      headers: { ...officer.headers, 'if-match': '"1"' },
      payload: { assigneeId: officer.id },
    })
    t.equal(reassigned.statusCode, 200)
    t.equal(reassigned.json().assignee.id, officer.id)
    const cancelled = await act(other, 'cancel', { reason: 'covered by the monthly review' }, '"2"')
    t.equal(cancelled.statusCode, 200)
    t.match(cancelled.json(), { status: 'cancelled', cancelReason: 'covered by the monthly review' })
    const open = await app.inject({ url: `${base}?status=scheduled`, headers: officer.headers })
    t.notOk(
      open.json().items.some((item: { id: string }) => item.id === other || item.id === id),
      'listed by status',
    )
  })

  t.test('due-soon and overdue events, each raised once, with no personal values', async (t) => {
    clock.set('2024-06-10T09:00:00+07:00')
    const id = (await schedule({ kind: 'home_visit', dueDate: '2024-06-14', note: 'Bring the form.' })).json().id
    t.same(await followUpEvents(id), [], 'nothing while upcoming')
    // Wednesday: two days before Friday's due date.
    clock.set('2024-06-12T09:00:00+07:00')
    await app.jobs.runDue()
    await sweepFollowUps(database, clock.now(), 2)
    t.equal((await sweepFollowUps(database, clock.now(), 2)).recorded, 0, 'a repeated sweep records nothing')
    t.same(
      (await followUpEvents(id)).map((event) => event.type),
      ['follow_up.due_soon'],
    )
    const viewed = await app.inject({ url: `${base}/${id}`, headers: officer.headers })
    t.equal(viewed.json().standing, 'due_soon')
    // Saturday: past Friday's due date.
    clock.set('2024-06-15T09:00:00+07:00')
    const before = await countFollowUpEvents()
    const sweeps = await Promise.all([
      sweepFollowUps(database, clock.now(), 2),
      sweepFollowUps(database, clock.now(), 2),
    ])
    await app.jobs.runDue()
    await app.jobs.runDue()
    const events = await followUpEvents(id)
    t.same(
      events.map((event) => event.type),
      ['follow_up.due_soon', 'follow_up.overdue'],
    )
    t.equal(
      sweeps[0].recorded + sweeps[1].recorded,
      (await countFollowUpEvents()) - before,
      'of two sweeps at once, each event was recorded by one',
    )
    t.same(events[1]!.data, {
      followUpId: id,
      incidentId: incident.id,
      wardCode: wardA,
      kind: 'home_visit',
      dueDate: '2024-06-14',
      dueAt: '2024-06-14T16:59:59.000Z',
      assigneeId: null,
    })
    t.notMatch(JSON.stringify(events), /Bring the form/, 'no note in any event')

    const rescheduled = await act(id, 'reschedule', { dueDate: '2024-06-17', reason: 'family away' }, '"1"')
    t.equal(rescheduled.statusCode, 200)
    clock.set('2024-06-18T09:00:00+07:00')
    await sweepFollowUps(database, clock.now(), 2)
    await sweepFollowUps(database, clock.now(), 2)
    t.same(
      (await followUpEvents(id)).map((event) => event.type),
      ['follow_up.due_soon', 'follow_up.overdue', 'follow_up.overdue'],
      'a new due date is a new promise: overdue once more, once',
    )
  })
})
