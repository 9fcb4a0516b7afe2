import { and, eq } from 'drizzle-orm'
import t from 'tap'
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs'
import { auditEvents } from '../../../src/modules/audit/tables.js'
import { createTestApp } from '../../support/app.js'
import { accountFor, clientFor, province, wardA, wardB } from '../../support/auth.js'
import { incidentReport, registerChild } from '../../support/registry.js'

// Monday 10 June 2024, 09:00 in Hanoi: the case was received at 08:30.
const ctx = await createTestApp(t, { now: '2024-06-10T02:00:00Z' })
const { app, clock } = ctx
const officer = await accountFor(ctx, { role: 'ward_officer', units: [wardA] })
const officerB = await accountFor(ctx, { role: 'ward_officer', units: [wardB] })
const chair = await accountFor(ctx, { role: 'ward_chair', units: [wardA], username: 'chu-tich-le-thi-hoa' })
const viewer = await accountFor(ctx, { role: 'agency_viewer', units: [wardA] })
const writerWithoutSensitive = await accountFor(ctx, {
  role: 'agency_viewer',
  units: [wardA],
  grants: ['incidents:write'],
})
const child = await registerChild(ctx, officer, {
  fullName: 'Đỗ Minh Khang',
  dateOfBirth: '2014-03-05',
  address: { wardCode: wardA },
})

type Headers = Record<string, string>
const openCase = async () => {
  const response = await app.inject({
    method: 'POST',
    url: '/v1/incidents',
    headers: officer.headers,
    payload: incidentReport(
      { id: child.id, wardCode: wardA },
      { kind: 'violence', occurredAt: '2024-06-10T08:00:00+07:00', detectedAt: '2024-06-10T08:30:00+07:00' },
    ),
  })
  t.equal(response.statusCode, 201)
  return response.json<{ id: string }>().id
}
const form = (id: string, path: string) => `/v1/incidents/${id}/forms/${path}`
const put = (id: string, path: string, payload: object, headers: Headers = officer.headers) =>
  app.inject({ method: 'PUT', url: form(id, path), headers, payload })
const get = (id: string, path: string, headers: Headers = officer.headers) =>
  app.inject({ url: form(id, path), headers })
const post = (id: string, path: string, headers: Headers) =>
  app.inject({ method: 'POST', url: form(id, path), headers })
const step = async (id: string, payload: object) => {
  const response = await app.inject({
    method: 'POST',
    url: `/v1/incidents/${id}/steps`,
    headers: officer.headers,
    payload,
  })
  t.equal(response.statusCode, 201, `step ${JSON.stringify(payload)}`)
}
const incident = async (id: string) =>
  (await app.inject({ url: `/v1/incidents/${id}`, headers: officer.headers })).json()

const intake = {
  receivedAt: '2024-06-10T08:20:00+07:00',
  channel: 'hotline_111',
  reporter: { anonymous: false, name: 'Nguyễn Thị Lan', relationship: 'hàng xóm' },
  account: 'Người gọi nghe thấy trẻ bị đánh nhiều lần trong tuần.',
}
const plan = {
  goals: [
    {
      code: 'M1',
      domain: 'safety',
      title: 'Trẻ được an toàn tại nhà',
      actions: [
        {
          service: 'Thăm gia đình hằng tuần, tư vấn kỷ luật tích cực',
          responsible: { kind: 'person', name: 'Trần Văn Hùng' },
          startOn: '2024-06-12',
          dueOn: '2024-08-31',
        },
      ],
    },
    {
      code: 'M2',
      domain: 'psychosocial',
      title: 'Trẻ được hỗ trợ tâm lý',
      actions: [
        {
          service: 'Tham vấn tâm lý tám buổi',
          responsible: { kind: 'agency', name: 'Trung tâm Công tác xã hội Hà Nội' },
          startOn: '2024-06-13',
          dueOn: '2024-09-30',
        },
      ],
    },
  ],
  notes: 'Cha thường xuyên say rượu.',
}

const id = await openCase()

t.test('a form is versioned like a child’s record: ETag, If-Match, revisions', async (t) => {
  t.equal((await get(id, 'intake')).statusCode, 404, 'nothing written yet')
  const created = await put(id, 'intake', intake)
  t.equal(created.statusCode, 200)
  t.equal(created.headers.etag, '"1"')
  t.match(created.json(), { step: 'receipt', status: 'recorded', version: 1, withheld: false, content: intake })
  const read = await get(id, 'intake')
  t.equal(read.headers.etag, '"1"')
  t.equal((await put(id, 'intake', intake)).statusCode, 428, 'replacing needs If-Match')
  t.equal((await put(id, 'intake', intake, { ...officer.headers, 'if-match': '"7"' })).statusCode, 412)
  const changed = await put(
    id,
    'intake',
    { ...intake, channel: 'neighbour' },
    { ...officer.headers, 'if-match': '"1"' },
  )
  t.equal(changed.statusCode, 200)
  t.equal(changed.headers.etag, '"2"')
  const same = await put(id, 'intake', { ...intake, channel: 'neighbour' }, { ...officer.headers, 'if-match': '"2"' })
  t.equal(same.headers.etag, '"2"', 'the same content again is no new version')
  const history = (await get(id, 'intake/revisions')).json().items
  t.same(
    history.map((r: { version: number; action: string }) => [r.version, r.action]),
    [
      [1, 'create'],
      [2, 'update'],
    ],
  )
  t.same(history[1].changes, [{ field: 'channel', from: 'hotline_111', to: 'neighbour' }])
  const list = (await app.inject({ url: `/v1/incidents/${id}/forms`, headers: officer.headers })).json()
  t.match(list.items, [{ form: 'intake', step: 'receipt', status: 'recorded', version: 2 }])
  const audited = await app.database.db
    .select()
    .from(auditEvents)
    .where(and(eq(auditEvents.resourceId, id), eq(auditEvents.action, 'incident.form.write')))
  t.equal(audited.length, 2)
  t.notOk(JSON.stringify(audited).includes('Nguyễn Thị Lan'), 'the audit names fields, never values')
})

t.test('scoped like the incident, and who reported is withheld without incidents:sensitive', async (t) => {
  t.equal((await get(id, 'intake', officerB.headers)).statusCode, 404, 'another ward’s officer')
  t.equal((await put(id, 'intake', intake, officerB.headers)).statusCode, 404)
  const seen = (await get(id, 'intake', viewer.headers)).json()
  t.equal(seen.withheld, true)
  t.same(Object.keys(seen.content).sort(), ['channel', 'receivedAt'])
  const history = (await get(id, 'intake/revisions', viewer.headers)).json().items
  t.notOk(JSON.stringify(history).includes('Nguyễn Thị Lan'))
  t.equal((await put(id, 'intake', intake, viewer.headers)).statusCode, 403, 'no incidents:write')
  const blind = await put(id, 'intake', intake, { ...writerWithoutSensitive.headers, 'if-match': '"2"' })
  t.equal(blind.statusCode, 403)
  t.equal(blind.json().code, 'sensitive_field_forbidden')
})

t.test('each form’s bad input has its code, and nothing is changed', async (t) => {
  const refused = async (path: string, payload: object, status: number, code: string, pointer?: string) => {
    const before = await get(id, path)
    const response = await put(id, path, payload, {
      ...officer.headers,
      ...(before.headers.etag ? { 'if-match': before.headers.etag } : {}),
    })
    t.equal(response.statusCode, status, `${path}: ${code}`)
    t.equal(response.json().code, status === 422 ? 'invalid_form' : code)
    if (pointer) t.match(response.json().errors, [{ pointer, code }])
    const after = await get(id, path)
    t.equal(after.statusCode, before.statusCode)
    t.equal(after.headers.etag, before.headers.etag, `${path} unchanged`)
  }
  await refused(
    'intake',
    { ...intake, receivedAt: '2024-06-10T08:45:00+07:00' },
    422,
    'after_case_receipt',
    '/receivedAt',
  )
  await refused('intake', { ...intake, channel: 'carrier_pigeon' }, 400, 'validation_failed')
  await refused('intake', { ...intake, extra: true }, 400, 'validation_failed')
  const assessment = {
    assessedAt: '2024-06-10T08:55:00+07:00',
    riskLevel: 'low',
    riskCriteria: ['perpetrator_has_access'],
    childSafeNow: true,
    emergencyResponse: { needed: false },
  }
  await refused('initial-assessment', assessment, 422, 'risk_level_below_criteria', '/riskLevel')
  await refused(
    'initial-assessment',
    { ...assessment, riskLevel: 'high', childSafeNow: false },
    422,
    'emergency_response_required',
    '/emergencyResponse/needed',
  )
  const needs = { assessedOn: '2024-06-10', needs: [{ domain: 'safety', priority: 'high' }] }
  await refused('specific-assessment', needs, 409, 'form_not_open')
  await refused('support-plan', plan, 409, 'form_not_open')
  await refused('closure', { reason: 'moved_away', closedOn: '2024-06-10' }, 409, 'form_not_open')
  t.equal((await put(id, 'initial-assessment', { ...assessment, riskLevel: 'high' })).statusCode, 200)
  await step(id, { step: 'initial_assessment' })
  await refused(
    'specific-assessment',
    { ...needs, needs: [...needs.needs, { domain: 'safety', priority: 'low' }] },
    422,
    'duplicate_domain',
    '/needs/1/domain',
  )
  t.equal(
    (
      await put(id, 'specific-assessment', {
        ...needs,
        needs: [...needs.needs, { domain: 'psychosocial', priority: 'high' }],
      })
    ).statusCode,
    200,
  )
  await step(id, { step: 'specific_assessment' })
  await refused(
    'support-plan',
    { goals: [{ ...plan.goals[0], domain: 'legal' }] },
    422,
    'domain_not_assessed',
    '/goals/0/domain',
  )
  const late = { ...plan.goals[0]!.actions[0]!, dueOn: '2024-06-11' }
  await refused(
    'support-plan',
    { goals: [{ ...plan.goals[0], actions: [late] }] },
    422,
    'dates_out_of_order',
    '/goals/0/actions/0/dueOn',
  )
  await refused('reviews', { reviews: [{ reviewedOn: '2024-06-10', progress: [] }] }, 409, 'form_not_open')
})

t.test('the plan: submitted by the officer, approved by the chair as submitted', async (t) => {
  clock.set('2024-06-12T10:00:00+07:00')
  const draft = await put(id, 'support-plan', plan)
  t.equal(draft.statusCode, 200)
  t.match(draft.json(), { status: 'draft', version: 1, submitted: null, approved: null })
  const submitted = await post(id, 'support-plan/submit', { ...officer.headers, 'if-match': '"1"' })
  t.equal(submitted.statusCode, 200)
  t.match(submitted.json(), { status: 'submitted', version: 2, submitted: { version: 2 } })
  t.ok(
    (await incident(id)).steps.some((s: { step: string }) => s.step === 'support_plan'),
    'the step is recorded',
  )
  t.equal((await post(id, 'support-plan/approve', { ...officer.headers, 'if-match': '"2"' })).statusCode, 403)
  // A change after submission is a draft again: what the chair would approve is not what was submitted.
  const revised = await put(
    id,
    'support-plan',
    { ...plan, goals: [plan.goals[0], { ...plan.goals[1], title: 'Trẻ được tham vấn tâm lý' }] },
    { ...officer.headers, 'if-match': '"2"' },
  )
  t.match(revised.json(), { status: 'draft', version: 3, submitted: null })
  t.equal(
    (await post(id, 'support-plan/approve', chair.headers)).statusCode,
    428,
    'the chair approves the version read',
  )
  t.equal((await post(id, 'support-plan/approve', { ...chair.headers, 'if-match': '"2"' })).statusCode, 412)
  const notSubmitted = await post(id, 'support-plan/approve', { ...chair.headers, 'if-match': '"3"' })
  t.equal(notSubmitted.statusCode, 409)
  t.equal(notSubmitted.json().code, 'invalid_form_state')
  t.equal((await post(id, 'support-plan/submit', { ...officer.headers, 'if-match': '"3"' })).statusCode, 200)
  const approved = await post(id, 'support-plan/approve', { ...chair.headers, 'if-match': '"4"' })
  t.equal(approved.statusCode, 200)
  t.match(approved.json(), { status: 'approved', version: 5, approved: { version: 4, byName: 'chu-tich-le-thi-hoa' } })
  const steps = (await incident(id)).steps.map((s: { step: string }) => s.step)
  t.same(steps.slice(-2), ['support_plan', 'plan_approval'])
  const viewed = (await get(id, 'support-plan', viewer.headers)).json()
  t.equal(viewed.content.goals[0].title, 'Trẻ được an toàn tại nhà', 'the plan itself is for incidents:read')
  t.notOk('notes' in viewed.content, 'its notes are not')
})

const pdfText = async (body: Buffer) => {
  const document = await getDocument({ data: new Uint8Array(body) }).promise
  const pages: string[] = []
  for (let n = 1; n <= document.numPages; n++) {
    const content = await (await document.getPage(n)).getTextContent()
    pages.push(content.items.map((item) => ('str' in item ? item.str : '')).join(' '))
  }
  return pages.join('\n').replace(/\s+/g, ' ')
}

t.test('the plan as a filled PDF form in Vietnamese', async (t) => {
  const response = await app.inject({ url: form(id, 'support-plan.pdf'), headers: officer.headers })
  t.equal(response.statusCode, 200)
  t.equal(response.headers['content-type'], 'application/pdf')
  const text = await pdfText(response.rawPayload)
  for (const expected of [
    'CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM',
    'Độc lập - Tự do - Hạnh phúc',
    'KẾ HOẠCH HỖ TRỢ, CAN THIỆP',
    'Nghị định số 56/2017/NĐ-CP',
    'PHƯỜNG THANH TRÌ',
    id,
    'Trẻ được an toàn tại nhà',
    'Trung tâm Công tác xã hội Hà Nội',
    '31/08/2024',
    'Cha thường xuyên say rượu.',
    'Phê duyệt: chu-tich-le-thi-hoa',
  ])
    t.ok(text.includes(expected), `contains ${expected}`)
  const withheld = await pdfText(
    (await app.inject({ url: form(id, 'support-plan.pdf'), headers: viewer.headers })).rawPayload,
  )
  t.ok(withheld.includes('Trẻ được hỗ trợ tâm lý') || withheld.includes('Trẻ được tham vấn tâm lý'))
  t.notOk(withheld.includes('say rượu'), 'notes withheld without incidents:sensitive')
  t.equal((await app.inject({ url: form(id, 'support-plan.pdf'), headers: officerB.headers })).statusCode, 404)
  const downloads = await app.database.db
    .select()
    .from(auditEvents)
    .where(
      and(
        eq(auditEvents.resourceId, id),
        eq(auditEvents.action, 'incident.form.pdf'),
        eq(auditEvents.outcome, 'success'),
      ),
    )
  t.equal(downloads.length, 2, 'each download audited')
})

t.test('reviews of the plan, then closure approved by the chair closes the case', async (t) => {
  await step(id, { step: 'implementation' })
  const review = {
    reviewedOn: '2024-06-12',
    progress: [{ goalCode: 'M1', status: 'in_progress', note: 'Gia đình hợp tác' }],
  }
  const unknown = await put(id, 'reviews', {
    reviews: [{ ...review, progress: [{ goalCode: 'M7', status: 'achieved' }] }],
  })
  t.equal(unknown.statusCode, 422)
  t.match(unknown.json().errors, [{ pointer: '/reviews/0/progress/0/goalCode', code: 'unknown_goal' }])
  t.equal((await put(id, 'reviews', { reviews: [review] })).statusCode, 200)
  await step(id, { step: 'monitoring' })
  const transferred = await put(id, 'closure', { reason: 'transferred', closedOn: '2024-06-12' })
  t.equal(transferred.statusCode, 422)
  t.match(transferred.json().errors, [{ pointer: '/transferredTo', code: 'transferred_to_required' }])
  t.equal(
    (await put(id, 'closure', { reason: 'goals_met', closedOn: '2024-06-12', detail: 'Trẻ ổn định' })).statusCode,
    200,
  )
  t.equal((await post(id, 'closure/submit', { ...officer.headers, 'if-match': '"1"' })).statusCode, 200)
  t.equal((await incident(id)).status, 'open', 'submitted is not closed')
  t.equal((await post(id, 'closure/approve', { ...officer.headers, 'if-match': '"2"' })).statusCode, 403)
  const approved = await post(id, 'closure/approve', { ...chair.headers, 'if-match': '"2"' })
  t.equal(approved.statusCode, 200)
  const closed = await incident(id)
  t.match(closed, { status: 'closed', closureReason: 'goals_met' })
  t.equal(closed.steps.at(-1).step, 'closure')
  const after = await put(id, 'intake', intake, { ...officer.headers, 'if-match': '"2"' })
  t.equal(after.statusCode, 409)
  t.equal(after.json().code, 'case_closed')
})

t.test('a report found not to be a case is closed after the initial assessment', async (t) => {
  clock.set('2024-06-10T12:00:00+07:00')
  const early = await openCase()
  await step(early, { step: 'initial_assessment' })
  const goalsMet = await put(early, 'closure', { reason: 'goals_met', closedOn: '2024-06-10' })
  t.match(goalsMet.json().errors, [{ pointer: '/reason', code: 'reason_not_allowed' }])
  t.equal((await put(early, 'closure', { reason: 'not_a_protection_case', closedOn: '2024-06-10' })).statusCode, 200)
  t.equal((await post(early, 'closure/submit', { ...officer.headers, 'if-match': '"1"' })).statusCode, 200)
  t.equal((await post(early, 'closure/approve', { ...chair.headers, 'if-match': '"2"' })).statusCode, 200)
  t.match(await incident(early), { status: 'closed', closureReason: 'not_a_protection_case' })
})

t.test('every form prints as a filled Vietnamese PDF, its sensitive parts only for incidents:sensitive', async (t) => {
  clock.set('2024-06-13T10:00:00+07:00')
  const printed = await openCase()
  const hotline = await clientFor(ctx, { role: 'hotline_intake', units: [province] })
  const pdf = (path: string, headers: Headers = officer.headers) =>
    app.inject({ url: form(printed, `${path}.pdf`), headers })
  const notWritten = await pdf('closure')
  t.equal(notWritten.statusCode, 404, 'a form not written yet')
  t.same(
    { status: notWritten.statusCode, code: notWritten.json().code },
    { status: 404, code: (await pdf('support-plan')).json().code },
    'answers as the plan’s PDF does',
  )

  t.equal(
    (
      await put(printed, 'intake', {
        receivedAt: '2024-06-10T08:10:00+07:00',
        channel: 'school',
        reporter: { anonymous: false, name: 'Lê Thị Mai', phone: '0912 345 678', relationship: 'giáo viên chủ nhiệm' },
        account: 'Cô giáo thấy trẻ có vết bầm trên tay.',
      })
    ).statusCode,
    200,
  )
  t.equal(
    (
      await put(printed, 'initial-assessment', {
        assessedAt: '2024-06-10T10:00:00+07:00',
        riskLevel: 'high',
        riskCriteria: ['serious_injury', 'repeated_harm'],
        childSafeNow: false,
        findings: 'Trẻ sợ về nhà.',
        emergencyResponse: {
          needed: true,
          respondedAt: '2024-06-10T11:30:00+07:00',
          actions: ['moved_to_safe_place', 'medical_care'],
          note: 'Đưa trẻ đến nhà bà ngoại.',
        },
      })
    ).statusCode,
    200,
  )
  await step(printed, { step: 'initial_assessment' })
  t.equal(
    (
      await put(printed, 'specific-assessment', {
        assessedOn: '2024-06-11',
        needs: [
          { domain: 'safety', priority: 'high', description: 'Cần nơi ở an toàn.' },
          { domain: 'health', priority: 'medium', description: 'Khám lại vết thương.' },
        ],
        summary: 'Trẻ cần được bảo vệ và chăm sóc y tế.',
      })
    ).statusCode,
    200,
  )
  await step(printed, { step: 'specific_assessment' })
  const shelterPlan = {
    goals: [
      {
        code: 'A1',
        domain: 'safety',
        title: 'Trẻ ở nơi an toàn',
        actions: [
          {
            service: 'Bố trí chỗ ở tạm thời tại nhà bà ngoại',
            responsible: { kind: 'agency', name: 'Hội Liên hiệp Phụ nữ phường' },
            startOn: '2024-06-12',
            dueOn: '2024-07-15',
          },
        ],
      },
    ],
    notes: 'Mẹ đồng ý cho trẻ ở với bà.',
  }
  t.equal((await put(printed, 'support-plan', shelterPlan)).statusCode, 200)
  t.equal((await post(printed, 'support-plan/submit', { ...officer.headers, 'if-match': '"1"' })).statusCode, 200)
  t.equal((await post(printed, 'support-plan/approve', { ...chair.headers, 'if-match': '"2"' })).statusCode, 200)
  await step(printed, { step: 'implementation' })
  const reviewed = await put(printed, 'reviews', {
    reviews: [
      {
        reviewedOn: '2024-06-13',
        progress: [{ goalCode: 'A1', status: 'in_progress', note: 'Trẻ đã ổn định chỗ ở.' }],
        notes: 'Bà ngoại chăm sóc tốt.',
      },
    ],
  })
  t.equal(reviewed.statusCode, 200)
  await step(printed, { step: 'monitoring' })
  const closing = await put(printed, 'closure', {
    reason: 'transferred',
    closedOn: '2024-06-13',
    transferredTo: 'Trung tâm Công tác xã hội Hà Nội',
    detail: 'Gia đình chuyển về quê.',
  })
  t.equal(closing.statusCode, 200)

  const heading = ['CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM', 'PHƯỜNG THANH TRÌ', 'Nghị định số 56/2017/NĐ-CP', printed]
  // Per form: what it prints for everyone, and its sensitive parts, printed only for incidents:sensitive.
  const forms: [string, string, string[], string[]][] = [
    [
      'intake',
      'phieu-tiep-nhan',
      [
        'PHIẾU TIẾP NHẬN THÔNG TIN, THÔNG BÁO, TỐ GIÁC',
        'Thời điểm tiếp nhận 08:10 ngày 10/06/2024',
        'Nguồn tiếp nhận Nhà trường',
      ],
      ['Lê Thị Mai', '0912 345 678', 'giáo viên chủ nhiệm', 'Cô giáo thấy trẻ có vết bầm trên tay.'],
    ],
    [
      'initial-assessment',
      'danh-gia-ban-dau',
      [
        'BIÊN BẢN ĐÁNH GIÁ BAN ĐẦU NGUY CƠ ĐỐI VỚI TRẺ EM',
        'Mức độ nguy cơ Cao',
        'Trẻ bị thương tích nghiêm trọng',
        'Trẻ bị tổn hại nhiều lần',
        'Trẻ em hiện đã an toàn Không',
        'Cần can thiệp khẩn cấp Có',
        'Thời điểm bảo vệ trẻ em 11:30 ngày 10/06/2024',
        'Trong 12 giờ kể từ khi tiếp nhận Có',
        'Đưa trẻ đến nơi an toàn',
        'Chăm sóc y tế',
      ],
      ['Trẻ sợ về nhà.', 'Đưa trẻ đến nhà bà ngoại.'],
    ],
    [
      'specific-assessment',
      'danh-gia-nhu-cau',
      ['BÁO CÁO ĐÁNH GIÁ NHU CẦU CỦA TRẺ EM', 'Ngày đánh giá 11/06/2024', 'An toàn Cao', 'Sức khỏe Trung bình'],
      ['Cần nơi ở an toàn.', 'Khám lại vết thương.', 'Trẻ cần được bảo vệ và chăm sóc y tế.'],
    ],
    [
      'support-plan',
      'ke-hoach-ho-tro',
      [
        'KẾ HOẠCH HỖ TRỢ, CAN THIỆP',
        'A1. Trẻ ở nơi an toàn (An toàn)',
        'Hội Liên hiệp Phụ nữ phường (cơ quan)',
        '12/06/2024 15/07/2024',
        'Phê duyệt: chu-tich-le-thi-hoa',
      ],
      ['Mẹ đồng ý cho trẻ ở với bà.'],
    ],
    [
      'reviews',
      'theo-doi-danh-gia',
      [
        'THEO DÕI, ĐÁNH GIÁ VIỆC THỰC HIỆN KẾ HOẠCH HỖ TRỢ, CAN THIỆP',
        'Lần theo dõi 1: ngày 13/06/2024',
        'A1. Trẻ ở nơi an toàn Đang thực hiện',
      ],
      ['Trẻ đã ổn định chỗ ở.', 'Bà ngoại chăm sóc tốt.'],
    ],
    [
      'closure',
      'ket-thuc',
      [
        'KẾT THÚC QUẢN LÝ TRƯỜNG HỢP TRẺ EM',
        'Lý do kết thúc Chuyển hồ sơ đến cơ quan, tổ chức khác',
        'Ngày kết thúc 13/06/2024',
        'Chuyển đến Trung tâm Công tác xã hội Hà Nội',
        'Chưa được Chủ tịch Ủy ban nhân dân phê duyệt.',
      ],
      ['Gia đình chuyển về quê.'],
    ],
  ]
  for (const [path, fileName, shown, sensitive] of forms) {
    const response = await pdf(path)
    t.equal(response.statusCode, 200, path)
    t.equal(response.headers['content-type'], 'application/pdf')
    t.equal(response.headers['content-disposition'], `attachment; filename="${fileName}-${printed}.pdf"`)
    t.equal(response.headers['cache-control'], 'no-store')
    const text = await pdfText(response.rawPayload)
    for (const expected of [...heading, ...shown, ...sensitive]) t.ok(text.includes(expected), `${path}: ${expected}`)
    t.notOk(text.includes('không được in'), `${path}: nothing left out for the officer`)
    const withheld = await pdfText((await pdf(path, viewer.headers)).rawPayload)
    for (const expected of shown) t.ok(withheld.includes(expected), `${path} without incidents:sensitive: ${expected}`)
    for (const left of sensitive) t.notOk(withheld.includes(left), `${path} without incidents:sensitive: no ${left}`)
    t.ok(withheld.includes('không được in'), `${path}: the print says what was left out`)
    t.equal((await pdf(path, officerB.headers)).statusCode, 404, `${path}: another ward’s officer`)
    t.equal((await pdf(path, hotline.headers)).statusCode, 403, `${path}: refused without incidents:read`)
  }
  const downloads = await app.database.db
    .select({ details: auditEvents.details })
    .from(auditEvents)
    .where(
      and(
        eq(auditEvents.resourceId, printed),
        eq(auditEvents.action, 'incident.form.pdf'),
        eq(auditEvents.outcome, 'success'),
      ),
    )
  t.same(
    downloads.map(({ details }) => (details as { form: string }).form).sort(),
    ['closure', 'initial_assessment', 'intake', 'reviews', 'specific_assessment', 'support_plan']
      .flatMap((kind) => [kind, kind])
      .sort(),
    'each download audited with its form',
  )
  t.notOk(JSON.stringify(downloads).includes('Lê Thị Mai'), 'the audit names no one')
})
