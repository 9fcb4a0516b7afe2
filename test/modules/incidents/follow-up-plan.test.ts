import { sql } from 'drizzle-orm'
import t, { type Test } from 'tap'
import { queryRows } from '../../../src/db/client.js'
import { endOfLocalDay, endOfLocalDaySql } from '../../../src/modules/calendar/rules.js'
import { createTestApp } from '../../support/app.js'
import { accountFor, wardA, wardB, type TestAccount } from '../../support/auth.js'
import { recordIncidentOn, registerChild } from '../../support/registry.js'

interface FollowUpItem {
  id: string
  kind: string
  dueDate: string
  status: string
  assignee: { id: string } | null
  planAction: { key: string; planVersion: number } | null
  rescheduleCount: number
  rescheduleReason: string | null
  cancelReason: string | null
  version: number
}

interface TaskItem {
  kind: string
  id: string
  subject: string
  label: string
  dueAt: string
  incidentId: string
  link: string
}

// Monday 10 June 2024, 09:00 in Hanoi.
const ctx = await createTestApp(t, { now: '2024-06-10T02:00:00Z' })
const { app } = ctx
const officer = await accountFor(ctx, { role: 'ward_officer', units: [wardA] })
const colleague = await accountFor(ctx, { role: 'ward_officer', units: [wardA] })
const officerB = await accountFor(ctx, { role: 'ward_officer', units: [wardB] })
const chair = await accountFor(ctx, { role: 'ward_chair', units: [wardA] })
const child = await registerChild(ctx, officer, { fullName: 'Hà Minh Châu', address: { wardCode: wardA } })
const { id: incidentId } = await recordIncidentOn(ctx, officer, { id: child.id, wardCode: wardA }, '2024-06-10', {
  occurredAt: '2024-06-10T07:00:00+07:00',
  detectedAt: '2024-06-10T08:00:00+07:00',
})
for (const step of ['initial_assessment', 'specific_assessment'])
  await app.inject({
    method: 'POST',
    url: `/v1/incidents/${incidentId}/steps`,
    headers: officer.headers,
    payload: { step },
  })

const planUrl = `/v1/incidents/${incidentId}/forms/support-plan`
const followUpsUrl = `/v1/incidents/${incidentId}/follow-ups`

type Action = {
  key?: string
  service: string
  responsible: { kind: 'agency' | 'person'; name: string; userId?: string }
  startOn: string
  dueOn: string
}
const action = (service: string, dueOn: string, responsible: Action['responsible'], key?: string): Action => ({
  ...(key ? { key } : {}),
  service,
  responsible,
  startOn: '2024-06-12',
  dueOn,
})
const person = (account: TestAccount | null) => ({
  kind: 'person' as const,
  name: 'Cán bộ phường',
  ...(account ? { userId: account.id } : {}),
})
const agency = { kind: 'agency' as const, name: 'Trung tâm Công tác xã hội Hà Nội' }
const goal = (code: string, domain: string, actions: Action[]) => ({ code, domain, title: `Mục tiêu ${code}`, actions })

/** Writes the plan, submits it and has the chair approve it; returns the version approved. */
const approve = async (t: Test, goals: object[]) => {
  const current = await app.inject({ url: planUrl, headers: officer.headers })
  const written = await app.inject({
    method: 'PUT',
    url: planUrl,
    headers: { ...officer.headers, ...(current.headers.etag ? { 'if-match': current.headers.etag } : {}) },
    payload: { goals },
  })
  t.equal(written.statusCode, 200, `the plan written${written.statusCode === 200 ? '' : `: ${written.body}`}`)
  const submitted = await app.inject({
    method: 'POST',
    url: `${planUrl}/submit`,
    headers: { ...officer.headers, 'if-match': written.headers.etag as string },
  })
  t.equal(submitted.statusCode, 200, 'submitted')
  const approved = await app.inject({
    method: 'POST',
    url: `${planUrl}/approve`,
    headers: { ...chair.headers, 'if-match': submitted.headers.etag as string },
  })
  t.equal(approved.statusCode, 200, `approved${approved.statusCode === 200 ? '' : `: ${approved.body}`}`)
  return approved.json<{ approved: { version: number } }>().approved.version
}
const followUps = async () => {
  const items = (await app.inject({ url: `${followUpsUrl}?limit=200`, headers: officer.headers })).json<{
    items: FollowUpItem[]
  }>().items
  return new Map(items.map((item) => [item.planAction?.key ?? item.id, item]))
}
const tasksOf = async (account: TestAccount, query = '') => {
  const response = await app.inject({ url: `/v1/me/tasks${query}`, headers: account.headers })
  t.equal(response.statusCode, 200)
  return response.json<{ items: TaskItem[]; nextCursor: string | null }>()
}
const act = (id: string, what: string, version: number, payload: object) =>
  app.inject({
    method: 'POST',
    url: `${followUpsUrl}/${id}/${what}`,
    headers: { ...officer.headers, 'if-match': `"${version}"` },
    payload,
  })

const firstPlan = [
  goal('M1', 'safety', [
    action('Thăm gia đình hằng tuần', '2024-07-01', person(officer)),
    action('Trao đổi với nhà trường', '2024-07-15', person(null)),
  ]),
  goal('M2', 'psychosocial', [
    action('Tham vấn tâm lý tám buổi', '2024-08-31', agency, 'counselling'),
    action('Tư vấn pháp lý cho gia đình', '2024-08-15', agency),
  ]),
]

t.test('an officer the plan names must be one who may take the follow-up', async (t) => {
  const cases: [string, Action['responsible'], string][] = [
    ['an officer of another ward', person(officerB), 'invalid_assignee'],
    ['the chair, who records no case work', person(chair), 'invalid_assignee'],
    ['an agency', { ...agency, userId: officer.id }, 'user_for_agency'],
  ]
  for (const [name, responsible, code] of cases) {
    const response = await app.inject({
      method: 'PUT',
      url: planUrl,
      headers: officer.headers,
      payload: { goals: [goal('M1', 'safety', [action('Thăm gia đình', '2024-07-01', responsible)])] },
    })
    t.equal(response.statusCode, 422, name)
    t.match(response.json(), {
      code: 'invalid_form',
      errors: [{ pointer: '/goals/0/actions/0/responsible/userId', code }],
    })
  }
  const twice = await app.inject({
    method: 'PUT',
    url: planUrl,
    headers: officer.headers,
    payload: {
      goals: [goal('M1', 'safety', [action('a', '2024-07-01', agency, 'k'), action('b', '2024-07-02', agency, 'k')])],
    },
  })
  t.match(twice.json(), {
    code: 'invalid_form',
    errors: [{ pointer: '/goals/0/actions/1/key', code: 'duplicate_action_key' }],
  })
  t.equal((await app.inject({ url: planUrl, headers: officer.headers })).statusCode, 404, 'nothing was saved')
})

t.test('the approved plan schedules a review of each action, and its tasks are listed once', async (t) => {
  t.equal((await followUps()).size, 0, 'nothing before the chair approves')
  const version = await approve(t, firstPlan)
  const scheduled = await followUps()
  t.same(
    [...scheduled.values()].map((f) => [f.planAction?.key, f.kind, f.dueDate, f.status, f.assignee?.id ?? null]),
    [
      ['M1.1', 'review', '2024-07-01', 'scheduled', officer.id],
      ['M1.2', 'review', '2024-07-15', 'scheduled', null],
      ['M2.2', 'review', '2024-08-15', 'scheduled', null],
      ['counselling', 'review', '2024-08-31', 'scheduled', null],
    ],
  )
  t.ok(
    [...scheduled.values()].every((f) => f.planAction?.planVersion === version),
    'each names the plan version that set it',
  )

  const mine = (await tasksOf(officer)).items.filter((task) => task.incidentId === incidentId)
  t.same(
    mine.filter((task) => task.kind !== 'case_step').map((task) => [task.kind, task.subject]),
    [
      ['plan_action', 'M1.1'],
      ['plan_action', 'M1.2'],
      ['plan_action', 'M2.2'],
      ['plan_action', 'counselling'],
    ],
    'each action once, as a plan action, never again as a follow-up',
  )
  const first = scheduled.get('M1.1')!
  t.same(
    mine.find((task) => task.subject === 'M1.1'),
    {
      kind: 'plan_action',
      id: first.id,
      subject: 'M1.1',
      label: 'Check support plan action M1.1',
      dueAt: '2024-07-01T16:59:59.000Z',
      overdue: false,
      incidentId,
      wardCode: wardA,
      link: `${followUpsUrl}/${first.id}`,
    },
  )
  t.same(
    (await tasksOf(colleague)).items.filter((task) => task.kind === 'plan_action').map((task) => task.subject),
    ['M1.2', 'M2.2', 'counselling'],
    'an action whose officer is someone else is not the colleague’s',
  )
  t.same(
    (await tasksOf(officerB)).items.filter((task) => task.incidentId === incidentId),
    [],
    'nor another ward’s',
  )
})

t.test('approving a revised plan applies what it changed, once', async (t) => {
  const before = await followUps()
  t.equal(
    (await act(before.get('M1.1')!.id, 'reschedule', 1, { dueDate: '2024-07-03', reason: 'Gia đình vắng nhà' }))
      .statusCode,
    200,
  )
  t.equal((await act(before.get('M1.2')!.id, 'complete', 1, { outcome: 'no_concerns' })).statusCode, 200)

  const version = await approve(t, [
    goal('M1', 'safety', [action('Thăm gia đình hằng tuần', '2024-07-01', person(officer))]),
    goal('M2', 'psychosocial', [action('Tham vấn tâm lý mười buổi', '2024-09-30', agency, 'counselling')]),
    goal('M3', 'education', [action('Phụ đạo môn Toán', '2024-09-15', person(colleague))]),
  ])
  const after = await followUps()
  t.equal(after.size, 5, 'no action is followed twice')
  t.match(
    after.get('M1.1'),
    {
      status: 'scheduled',
      dueDate: '2024-07-03',
      rescheduleCount: 1,
      planAction: { planVersion: before.get('M1.1')!.planAction!.planVersion },
    },
    'what the plan did not change stays as the ward set it',
  )
  t.match(
    after.get('M1.2'),
    { status: 'completed', version: 2 },
    'a completed follow-up is left alone, its action removed',
  )
  t.match(after.get('counselling'), {
    status: 'scheduled',
    dueDate: '2024-09-30',
    rescheduleCount: 1,
    rescheduleReason: `support plan version ${version} moved the action’s due date`,
    planAction: { planVersion: version },
  })
  t.match(after.get('M2.2'), {
    status: 'cancelled',
    cancelReason: `support plan version ${version} no longer has the action`,
  })
  t.match(after.get('M3.1'), { status: 'scheduled', dueDate: '2024-09-15', assignee: { id: colleague.id } })

  const unchanged = await approve(t, [
    goal('M1', 'safety', [action('Thăm gia đình hằng tuần', '2024-07-01', person(officer))]),
    {
      ...goal('M2', 'psychosocial', [action('Tham vấn tâm lý mười buổi', '2024-09-30', agency, 'counselling')]),
      title: 'Trẻ được tham vấn',
    },
    goal('M3', 'education', [action('Phụ đạo môn Toán', '2024-09-15', person(colleague))]),
  ])
  t.ok(unchanged > version)
  t.same(
    [...(await followUps()).values()].map((f) => [f.planAction?.key, f.status, f.version]),
    [...after.values()].map((f) => [f.planAction?.key, f.status, f.version]),
    'approving a plan whose actions did not change changes no follow-up',
  )

  const moved = await approve(t, [
    goal('M1', 'safety', [action('Thăm gia đình hằng tuần', '2024-07-01', person(colleague))]),
    goal('M2', 'psychosocial', [
      action('Tham vấn tâm lý mười buổi', '2024-09-30', agency, 'counselling'),
      action('Tư vấn pháp lý cho gia đình', '2024-08-20', agency),
    ]),
    goal('M3', 'education', [action('Phụ đạo môn Toán', '2024-09-15', person(colleague))]),
  ])
  const last = await followUps()
  t.match(
    last.get('M1.1'),
    { assignee: { id: colleague.id }, dueDate: '2024-07-03', planAction: { planVersion: moved } },
    'another officer named',
  )
  t.match(
    last.get('M2.2'),
    { status: 'scheduled', dueDate: '2024-08-20' },
    'an action back in the plan is followed again',
  )
  t.equal([...last.values()].filter((f) => f.planAction?.key === 'M2.2').length, 1)
  const all = (await app.inject({ url: `${followUpsUrl}?limit=200`, headers: officer.headers })).json<{
    items: FollowUpItem[]
  }>().items
  t.same(
    all
      .filter((f) => f.planAction?.key === 'M2.2')
      .map((f) => f.status)
      .sort(),
    ['cancelled', 'scheduled'],
    'beside the one cancelled when it left the plan',
  )
})

t.test('plan actions and follow-ups scheduled by hand page together without gap or repeat', async (t) => {
  const byHand = await app.inject({
    method: 'POST',
    url: followUpsUrl,
    headers: officer.headers,
    payload: { kind: 'home_visit', dueDate: '2024-07-10' },
  })
  t.equal(byHand.statusCode, 201)
  t.equal(byHand.json().planAction, null, 'scheduled by hand: no plan action')
  const whole = (await tasksOf(colleague, '?limit=200')).items
  t.same(
    whole
      .filter((task) => task.incidentId === incidentId && task.kind !== 'case_step')
      .map((task) => [task.kind, task.subject]),
    [
      ['plan_action', 'M1.1'],
      ['follow_up', 'home_visit'],
      ['plan_action', 'M2.2'],
      ['plan_action', 'M3.1'],
      ['plan_action', 'counselling'],
    ],
  )
  const walked: string[] = []
  let cursor: string | null = null
  do {
    const page = await tasksOf(colleague, `?limit=2${cursor ? `&cursor=${cursor}` : ''}`)
    walked.push(...page.items.map((task) => `${task.kind}:${task.id}`))
    cursor = page.nextCursor
  } while (cursor)
  t.same(
    walked,
    whole.map((task) => `${task.kind}:${task.id}`),
  )
})

t.test('the database ends a local day where the service does', async (t) => {
  for (const day of ['2024-06-14', '2024-12-31', '2025-02-28']) {
    const [row] = await queryRows<{ ms: number }>(
      app.database.db,
      sql`select extract(epoch from ${endOfLocalDaySql(sql`${day}::date`)})::float8 * 1000 as ms`,
    )
    t.equal(Number(row!.ms), endOfLocalDay(day).getTime(), day)
  }
})

t.test('a follow-up the ward cancels stays cancelled until the plan changes its action', async (t) => {
  const allOf = async (key: string) =>
    (await app.inject({ url: `${followUpsUrl}?limit=200`, headers: officer.headers }))
      .json<{ items: FollowUpItem[] }>()
      .items.filter((f) => f.planAction?.key === key)
  const [live] = (await allOf('M3.1')).filter((f) => f.status === 'scheduled')
  const cancelled = await act(live!.id, 'cancel', live!.version, { reason: 'Gia đình đã tự thu xếp gia sư' })
  t.equal(cancelled.statusCode, 200, cancelled.body)
  // Each approval changes the first goal's title: a plan approved again must differ from the one in force.
  const plan = (dueOn: string, title: string) => [
    { ...goal('M1', 'safety', [action('Thăm gia đình hằng tuần', '2024-07-01', person(colleague))]), title },
    goal('M2', 'psychosocial', [
      action('Tham vấn tâm lý mười buổi', '2024-09-30', agency, 'counselling'),
      action('Tư vấn pháp lý cho gia đình', '2024-08-20', agency),
    ]),
    goal('M3', 'education', [action('Phụ đạo môn Toán', dueOn, person(colleague))]),
  ]
  await approve(t, plan('2024-09-15', 'Trẻ an toàn'))
  t.same(
    (await allOf('M3.1')).map((f) => f.status),
    ['cancelled'],
    'approved again with the action unchanged: not brought back',
  )
  await approve(t, plan('2024-10-15', 'Trẻ an toàn tại nhà'))
  t.same(
    (await allOf('M3.1')).map((f) => [f.status, f.dueDate]).sort(),
    [
      ['cancelled', '2024-09-15'],
      ['scheduled', '2024-10-15'],
    ],
    'the plan moved the action: followed again',
  )
})

t.test('the stored plan carries every action’s key, so removing an action moves no follow-up', async (t) => {
  const read = await app.inject({ url: planUrl, headers: officer.headers })
  const content = read.json<{ content: { goals: { code: string; actions: Action[] }[] } }>().content
  t.same(
    content.goals.map((g) => g.actions.map((a) => a.key)),
    [['M1.1'], ['counselling', 'M2.2'], ['M3.1']],
    'keys written in where the officer gave none',
  )
  const before = (await followUps()).get('M2.2')!
  // The plan as read, less the goal's first action: its second keeps its key.
  const goals = content.goals.map((g) => (g.code === 'M2' ? { ...g, actions: g.actions.slice(1) } : g))
  await approve(t, goals)
  const after = await app.inject({ url: `${followUpsUrl}?limit=200`, headers: officer.headers })
  const items = after.json<{ items: FollowUpItem[] }>().items
  t.match(
    items.find((f) => f.id === before.id),
    { status: 'scheduled', dueDate: before.dueDate, version: before.version },
    'the remaining action’s follow-up is untouched',
  )
  t.ok(
    items.some((f) => f.planAction?.key === 'counselling' && f.status === 'cancelled'),
    'the removed action’s follow-up is cancelled',
  )
})
