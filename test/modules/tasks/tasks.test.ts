import t from 'tap'
import { createTestApp } from '../../support/app.js'
import { accountFor, province, wardA, wardB, type TestAccount } from '../../support/auth.js'
import { incidentReport, registerChild } from '../../support/registry.js'

interface TaskItem {
  kind: string
  id: string
  subject: string
  label: string
  dueAt: string
  overdue: boolean
  incidentId: string
  wardCode: string
  link: string
}

t.test('the task list: case steps due and follow-ups, most urgent first, in scope', async (t) => {
  // Monday 10 June 2024, 09:00 in Hanoi.
  const ctx = await createTestApp(t, { now: '2024-06-10T02:00:00Z' })
  const { app, clock } = ctx
  const officer = await accountFor(ctx, { role: 'ward_officer', units: [wardA] })
  const colleague = await accountFor(ctx, { role: 'ward_officer', units: [wardA] })
  const officerB = await accountFor(ctx, { role: 'ward_officer', units: [wardB] })
  const district = await accountFor(ctx, { role: 'district_officer', units: [province] })
  const viewer = await accountFor(ctx, { role: 'agency_viewer', units: [wardA] })
  const collaborator = await accountFor(ctx, { role: 'collaborator', units: [wardA] })

  const openCase = async (account: TestAccount, wardCode: string, detectedAt: string) => {
    const child = await registerChild(ctx, account, { fullName: 'Phan Văn An', address: { wardCode } })
    const response = await app.inject({
      method: 'POST',
      url: '/v1/incidents',
      headers: account.headers,
      payload: incidentReport(
        { id: child.id, wardCode },
        { occurredAt: '2024-06-10T07:00:00+07:00', detectedAt, narrative: 'Bí mật: chi tiết vụ việc.' },
      ),
    })
    return response.json<{ id: string }>().id
  }
  const followUp = async (
    account: TestAccount,
    incidentId: string,
    payload: { kind: string; dueDate: string; assigneeId?: string },
  ) => {
    const response = await app.inject({
      method: 'POST',
      url: `/v1/incidents/${incidentId}/follow-ups`,
      headers: account.headers,
      payload: { ...payload, note: 'Ghi chú nhạy cảm' },
    })
    return response.json<{ id: string }>().id
  }
  const tasksOf = async (account: TestAccount, query = '') => {
    const response = await app.inject({ url: `/v1/me/tasks${query}`, headers: account.headers })
    t.equal(response.statusCode, 200)
    return response.json<{ items: TaskItem[]; nextCursor: string | null; asOf: string }>()
  }

  // Case A (ward A) received 08:00, case B (ward B) 08:30: each owes its initial assessment 12 hours later.
  const caseA = await openCase(officer, wardA, '2024-06-10T08:00:00+07:00')
  const caseB = await openCase(officerB, wardB, '2024-06-10T08:30:00+07:00')
  const mine = await followUp(officer, caseA, { kind: 'home_visit', dueDate: '2024-06-11', assigneeId: officer.id })
  const unassigned = await followUp(officer, caseA, { kind: 'review', dueDate: '2024-06-12' })
  const colleagues = await followUp(officer, caseA, {
    kind: 'phone_call',
    dueDate: '2024-06-11',
    assigneeId: colleague.id,
  })
  const inB = await followUp(officerB, caseB, { kind: 'school_visit', dueDate: '2024-06-13' })

  // Wednesday 09:00: both assessments and Tuesday's visit are overdue.
  clock.set('2024-06-12T09:00:00+07:00')

  t.test('a ward officer: their wards, their follow-ups and the ward’s unassigned ones', async (t) => {
    const { items, nextCursor, asOf } = await tasksOf(officer)
    t.equal(asOf, '2024-06-12T02:00:00.000Z')
    t.equal(nextCursor, null)
    t.same(
      items.map((task) => [task.kind, task.id, task.overdue]),
      [
        ['case_step', caseA, true],
        ['follow_up', mine, true],
        ['follow_up', unassigned, false],
      ],
    )
    t.same(items[0], {
      kind: 'case_step',
      id: caseA,
      subject: 'initial_assessment',
      label: 'Record the initial assessment',
      dueAt: '2024-06-10T13:00:00.000Z',
      overdue: true,
      incidentId: caseA,
      wardCode: wardA,
      link: `/v1/incidents/${caseA}/steps`,
    })
    t.same(items[1], {
      kind: 'follow_up',
      id: mine,
      subject: 'home_visit',
      label: 'Home visit',
      dueAt: '2024-06-11T16:59:59.000Z',
      overdue: true,
      incidentId: caseA,
      wardCode: wardA,
      link: `/v1/incidents/${caseA}/follow-ups/${mine}`,
    })
    t.notMatch(JSON.stringify(items), /nhạy cảm|Bí mật/, 'no note or narrative in a task')
    t.notOk(
      items.some((task) => task.id === colleagues || task.id === inB || task.id === caseB),
      'a colleague’s follow-up and another ward’s work are not listed',
    )
    t.same(
      (await tasksOf(colleague)).items.map((task) => task.id),
      [caseA, colleagues, unassigned],
    )
  })

  t.test('a district officer: every ward of the district', async (t) => {
    const { items } = await tasksOf(district)
    t.same(
      items.map((task) => [task.id, task.wardCode, task.overdue]),
      [
        [caseA, wardA, true],
        [caseB, wardB, true],
        [unassigned, wardA, false],
        [inB, wardB, false],
      ],
    )
  })

  t.test('another ward’s officer sees only their ward', async (t) => {
    t.same(
      (await tasksOf(officerB)).items.map((task) => task.id),
      [caseB, inB],
    )
  })

  t.test('pages follow one another without gap or repeat', async (t) => {
    const walked: string[] = []
    let cursor: string | null = null
    do {
      const page = await tasksOf(district, `?limit=1${cursor ? `&cursor=${cursor}` : ''}`)
      t.ok(page.items.length <= 1)
      walked.push(...page.items.map((task) => task.id))
      cursor = page.nextCursor
    } while (cursor)
    t.same(walked, [caseA, caseB, unassigned, inB])
    const forged = await app.inject({ url: '/v1/me/tasks?cursor=bm90LWEtY3Vyc29y', headers: district.headers })
    t.equal(forged.statusCode, 400)
    t.equal(forged.json().code, 'invalid_cursor')
  })

  t.test('done work leaves the list', async (t) => {
    const completed = await app.inject({
      method: 'POST',
      url: `/v1/incidents/${caseA}/follow-ups/${mine}/complete`,
      headers: { ...officer.headers, 'if-match': '"1"' },
      payload: { outcome: 'no_concerns' },
    })
    t.equal(completed.statusCode, 200)
    const assessed = await app.inject({
      method: 'POST',
      url: `/v1/incidents/${caseA}/steps`,
      headers: officer.headers,
      payload: { step: 'initial_assessment' },
    })
    t.equal(assessed.statusCode, 201)
    const { items } = await tasksOf(officer)
    t.same(
      items.map((task) => [task.id, task.subject]),
      [
        [unassigned, 'review'],
        [caseA, 'specific_assessment'],
      ],
      'the next step takes the case’s place, at its own deadline',
    )
  })

  t.test('incidents:read is needed; a reader without incidents:sensitive gets the same tasks', async (t) => {
    t.equal((await app.inject({ url: '/v1/me/tasks', headers: collaborator.headers })).statusCode, 403)
    t.same(
      (await tasksOf(viewer)).items.map((task) => task.id),
      [unassigned, caseA],
    )
  })
})
