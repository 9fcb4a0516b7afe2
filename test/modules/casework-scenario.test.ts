/**
 * One abuse case from the hotline's call to its approved closure, as the officers, the chair, the hotline and
 * the social work centre each drive it over HTTP: intake, assessments, a plan approved by the chair, a
 * referral the centre's own client accepts (and nothing else it can see), the plan's actions as follow-ups on the
 * officer's list, two follow-ups by hand (one overdue, raising its event once), documents, the plan and the closure
 * as PDFs, and the closure approved with its reason.
 */
import { and, eq, like } from 'drizzle-orm'
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs'
import t from 'tap'
import { sweepFollowUps } from '../../src/modules/incidents/follow-up-sweep.js'
import { events } from '../../src/modules/webhooks/tables.js'
import { inScope, systemScope } from '../../src/platform/scope.js'
import { createTestApp } from '../support/app.js'
import { accountFor, clientFor, otherWardToday, province, wardToday } from '../support/auth.js'

const socialWorkCentre = '5e1f0000-0000-4000-8000-000000000001'
// Monday 8 September 2025, 09:00 in Hanoi.
const ctx = await createTestApp(t, { now: '2025-09-08T02:00:00Z' })
const { app, clock } = ctx
const officer = await accountFor(ctx, { role: 'ward_officer', units: [wardToday] })
const chair = await accountFor(ctx, { role: 'ward_chair', units: [wardToday] })
const otherOfficer = await accountFor(ctx, { role: 'ward_officer', units: [otherWardToday] })
const admin = await accountFor(ctx, { role: 'district_admin', units: [province] })
const hotline = await clientFor(ctx, { role: 'hotline_intake', units: [province] })

type Headers = Record<string, string>
const call = async (method: 'GET' | 'POST' | 'PUT', url: string, headers: Headers, payload?: object) =>
  app.inject({ method, url, headers, ...(payload ? { payload } : {}) })
const expectStatus = async (response: Promise<{ statusCode: number; body: string }>, status: number, what: string) => {
  const answered = await response
  t.equal(answered.statusCode, status, `${what}${answered.statusCode === status ? '' : `: ${answered.body}`}`)
  return answered as Awaited<typeof response> & { json<T = Record<string, unknown>>(): T; headers: Headers }
}

t.test('an abuse case from the hotline to its approved closure', async (t) => {
  // The hotline took the call at 06:00 and records it at 09:00: the 24-hour clock runs from 06:00.
  const intake = await expectStatus(
    call(
      'POST',
      '/v1/intake/incidents',
      { ...hotline.headers, 'idempotency-key': 'hotline-2025-09-08-017' },
      {
        receivedAt: '2025-09-08T06:00:00+07:00',
        kind: 'violence',
        address: { wardCode: wardToday },
        children: [{ fullName: 'Vũ Thị Ngọc Anh', estimatedAgeYears: 10, sex: 'female' }],
        narrative: 'Một người hàng xóm gọi báo trẻ bị đánh nhiều lần.',
      },
    ),
    201,
    'the hotline records the call',
  )
  const { incidentId, writtenReport } = intake.json<{ incidentId: string; writtenReport: { dueAt: string } }>()
  t.equal(writtenReport.dueAt, '2025-09-08T23:00:00.000Z', '24 hours from the stated receipt, not from now')
  const base = `/v1/incidents/${incidentId}`
  const theCase = (await expectStatus(call('GET', base, officer.headers), 200, 'the ward sees it')).json<{
    children: { id: string }[]
  }>()
  await expectStatus(call('GET', base, otherOfficer.headers), 404, 'another ward does not')

  const tasks = (await call('GET', '/v1/me/tasks', officer.headers)).json<{ items: { incidentId: string }[] }>()
  t.ok(
    tasks.items.some((task) => task.incidentId === incidentId),
    'the next step is on the officer’s list',
  )

  // Assessments the next morning, then the plan, submitted by the officer and approved by the chair as read.
  clock.set('2025-09-09T10:30:00+07:00')
  const form = (path: string) => `${base}/forms/${path}`
  await expectStatus(
    call('PUT', form('initial-assessment'), officer.headers, {
      assessedAt: '2025-09-09T10:00:00+07:00',
      riskLevel: 'high',
      riskCriteria: ['perpetrator_has_access'],
      childSafeNow: true,
      emergencyResponse: { needed: false },
    }),
    200,
    'initial assessment',
  )
  await expectStatus(call('POST', `${base}/steps`, officer.headers, { step: 'initial_assessment' }), 201, 'step')
  await expectStatus(
    call('PUT', form('specific-assessment'), officer.headers, {
      assessedOn: '2025-09-09',
      needs: [
        { domain: 'safety', priority: 'high' },
        { domain: 'psychosocial', priority: 'high' },
      ],
    }),
    200,
    'specific assessment',
  )
  await expectStatus(call('POST', `${base}/steps`, officer.headers, { step: 'specific_assessment' }), 201, 'step')
  const badPlan = await call('PUT', form('support-plan'), officer.headers, {
    goals: [
      {
        code: 'M1',
        domain: 'legal',
        title: 'Hỗ trợ pháp lý',
        actions: [
          {
            service: 'Trợ giúp pháp lý',
            responsible: { kind: 'agency', name: 'Trung tâm Trợ giúp pháp lý' },
            startOn: '2025-09-10',
            dueOn: '2025-10-10',
          },
        ],
      },
    ],
  })
  t.equal(badPlan.statusCode, 422, 'a plan for a need nobody assessed is refused')
  t.match(badPlan.json(), {
    code: 'invalid_form',
    errors: [{ pointer: '/goals/0/domain', code: 'domain_not_assessed' }],
  })
  const plan = {
    goals: [
      {
        code: 'M1',
        domain: 'safety',
        title: 'Trẻ được an toàn tại nhà',
        actions: [
          {
            service: 'Thăm gia đình hằng tuần',
            responsible: { kind: 'person', name: 'Trần Văn Hùng', userId: officer.id },
            startOn: '2025-09-10',
            dueOn: '2025-11-30',
          },
        ],
      },
      {
        code: 'M2',
        domain: 'psychosocial',
        title: 'Trẻ được tham vấn tâm lý',
        actions: [
          {
            service: 'Tham vấn tâm lý tám buổi',
            responsible: { kind: 'agency', name: 'Trung tâm Công tác xã hội Hà Nội' },
            startOn: '2025-09-11',
            dueOn: '2025-12-15',
          },
        ],
      },
    ],
  }
  await expectStatus(call('PUT', form('support-plan'), officer.headers, plan), 200, 'the plan drafted')
  await expectStatus(
    call('POST', form('support-plan/submit'), { ...officer.headers, 'if-match': '"1"' }),
    200,
    'submitted',
  )
  await expectStatus(
    call('POST', form('support-plan/approve'), { ...officer.headers, 'if-match': '"2"' }),
    403,
    'the officer cannot approve it',
  )
  await expectStatus(
    call('POST', form('support-plan/approve'), { ...chair.headers, 'if-match': '"2"' }),
    200,
    'the chair approves it',
  )
  const planReviews = (await call('GET', `${base}/follow-ups`, officer.headers)).json<{
    items: { dueDate: string; assignee: { id: string } | null; planAction: { key: string } | null }[]
  }>().items
  t.same(
    planReviews.map((f) => [f.planAction?.key, f.dueDate, f.assignee?.id ?? null]),
    [
      ['M1.1', '2025-11-30', officer.id],
      ['M2.1', '2025-12-15', null],
    ],
    'the approved plan scheduled a review of each action',
  )
  const planTasks = (await call('GET', '/v1/me/tasks', officer.headers)).json<{
    items: { kind: string; subject: string; incidentId: string }[]
  }>()
  t.same(
    planTasks.items
      .filter((task) => task.incidentId === incidentId && task.kind !== 'case_step')
      .map((task) => [task.kind, task.subject]),
    [
      ['plan_action', 'M1.1'],
      ['plan_action', 'M2.1'],
    ],
    'each on the officer’s list once',
  )
  const pdf = await expectStatus(call('GET', form('support-plan.pdf'), officer.headers), 200, 'the plan as a PDF')
  const document = await getDocument({ data: new Uint8Array((pdf as unknown as { rawPayload: Buffer }).rawPayload) })
    .promise
  const pages: string[] = []
  for (let n = 1; n <= document.numPages; n++)
    pages.push(
      (await (await document.getPage(n)).getTextContent()).items
        .map((item) => ('str' in item ? item.str : ''))
        .join(' '),
    )
  const text = pages.join(' ').replace(/\s+/g, ' ')
  t.match(text, /Trẻ được tham vấn tâm lý/, 'the PDF holds the plan’s text')

  // A referral to the social work centre, answered by the centre's own client.
  const referral = await expectStatus(
    call('POST', `${base}/referrals`, officer.headers, {
      providerId: socialWorkCentre,
      incidentChildId: theCase.children[0]!.id,
      services: ['psychosocial_support'],
      urgency: 'urgent',
      note: 'Cần tham vấn tâm lý cho trẻ.',
      consent: {
        parties: [
          { party: 'guardian', givenAt: '2025-09-09T08:30:00+07:00' },
          { party: 'child', givenAt: '2025-09-09T08:35:00+07:00' },
        ],
      },
    }),
    201,
    'referred',
  )
  const referralId = referral.json<{ id: string }>().id
  const centreClient = await expectStatus(
    call('POST', `/v1/providers/${socialWorkCentre}/clients`, admin.headers, { name: 'Phần mềm của Trung tâm' }),
    201,
    'the centre is given a client',
  )
  const { client } = centreClient.json<{ client: { id: string } }>()
  const { token } = await app.accounts.tokens.issue({ kind: 'client', id: client.id }, clock.now(), 86400)
  const centre = { authorization: `Bearer ${token}` }
  await expectStatus(call('POST', `/v1/provider/referrals/${referralId}/accept`, centre, {}), 200, 'accepted')
  for (const url of [base, '/v1/incidents', '/v1/children', `${base}/documents`])
    t.equal((await call('GET', url, centre)).statusCode, 403, `the centre cannot read ${url}`)

  // Two follow-ups: one done on time, one left to run late.
  const followUp = (dueDate: string) =>
    expectStatus(
      call('POST', `${base}/follow-ups`, officer.headers, { kind: 'home_visit', dueDate, assigneeId: officer.id }),
      201,
      `a follow-up due ${dueDate}`,
    )
  const onTime = (await followUp('2025-09-12')).json<{ id: string }>().id
  const late = (await followUp('2025-09-15')).json<{ id: string }>().id
  clock.set('2025-09-12T15:00:00+07:00')
  await expectStatus(
    call(
      'POST',
      `${base}/follow-ups/${onTime}/complete`,
      { ...officer.headers, 'if-match': '"1"' },
      {
        completedOn: '2025-09-12',
        outcome: 'no_concerns',
      },
    ),
    200,
    'the first visit done',
  )
  clock.set('2025-09-16T09:00:00+07:00')
  await sweepFollowUps(app.database, clock.now(), 2)
  await sweepFollowUps(app.database, clock.now(), 2)
  const overdue = await inScope(app.database.db, systemScope, (tx) =>
    tx
      .select()
      .from(events)
      .where(and(eq(events.resourceId, late), like(events.type, 'follow_up.overdue'))),
  )
  t.equal(overdue.length, 1, 'the late follow-up raised its overdue event once')
  const onTimeEvents = await inScope(app.database.db, systemScope, (tx) =>
    tx
      .select()
      .from(events)
      .where(and(eq(events.resourceId, onTime), like(events.type, 'follow_up.overdue'))),
  )
  t.equal(onTimeEvents.length, 0, 'the one done on time raised none')

  // A document attached and downloaded by the ward, refused to another ward.
  const pdfBytes = Buffer.from('%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\n%%EOF\n')
  const boundary = 'casework-scenario'
  const upload = await app.inject({
    method: 'POST',
    url: `${base}/documents`,
    headers: { ...officer.headers, 'content-type': `multipart/form-data; boundary=${boundary}` },
    payload: Buffer.concat([
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="kind"\r\n\r\nsigned_plan\r\n` +
          `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="ke-hoach.pdf"\r\n` +
          'Content-Type: application/pdf\r\n\r\n',
      ),
      pdfBytes,
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]),
  })
  t.equal(upload.statusCode, 201, `the signed plan attached${upload.statusCode === 201 ? '' : `: ${upload.body}`}`)
  const content = `${upload.headers.location as string}/content`
  const download = await call('GET', content, officer.headers)
  t.equal(download.statusCode, 200)
  t.same(download.rawPayload, pdfBytes, 'downloaded as attached')
  t.equal((await call('GET', content, otherOfficer.headers)).statusCode, 404, 'another ward cannot')

  // Closure: asked by the officer, approved by the chair, with its reason.
  await expectStatus(call('POST', `${base}/steps`, officer.headers, { step: 'implementation' }), 201, 'step')
  await expectStatus(call('POST', `${base}/steps`, officer.headers, { step: 'monitoring' }), 201, 'step')
  await expectStatus(
    call('POST', `${base}/steps`, officer.headers, { step: 'closure', closureReason: 'đã ổn định' }),
    403,
    'the officer cannot close the case alone',
  )
  await expectStatus(
    call('PUT', form('closure'), officer.headers, {
      reason: 'goals_met',
      closedOn: '2025-09-16',
      detail: 'Trẻ an toàn, gia đình hợp tác',
    }),
    200,
    'closure asked',
  )
  await expectStatus(call('POST', form('closure/submit'), { ...officer.headers, 'if-match': '"1"' }), 200, 'submitted')
  await expectStatus(call('POST', form('closure/approve'), { ...chair.headers, 'if-match': '"2"' }), 200, 'approved')
  t.match((await call('GET', base, officer.headers)).json(), { status: 'closed', closureReason: 'goals_met' })
  const closurePdf = await expectStatus(call('GET', form('closure.pdf'), officer.headers), 200, 'the closure as a PDF')
  const closureText = await getDocument({
    data: new Uint8Array((closurePdf as unknown as { rawPayload: Buffer }).rawPayload),
  }).promise.then(async (printed) =>
    ((await (await printed.getPage(1)).getTextContent()).items as { str?: string }[])
      .map((item) => item.str ?? '')
      .join(' ')
      .replace(/\s+/g, ' '),
  )
  t.match(closureText, /Đã đạt các mục tiêu của kế hoạch hỗ trợ, can thiệp/, 'the closure’s reason in words')
  t.match(closureText, /Phê duyệt: /, 'and the chair’s approval')
})
