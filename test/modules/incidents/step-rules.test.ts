import t from 'tap'
import { applyCaseStepRulesReference } from '../../../src/modules/incidents/step-rules.js'
import { loadCaseStepRules } from '../../../src/reference/index.js'
import { createTestApp } from '../../support/app.js'
import { accountFor, province, wardA } from '../../support/auth.js'
import { recordIncidentOn, registerChild } from '../../support/registry.js'

// Two cases, received on Thursday 13 and Friday 14 June 2024; then an administrator publishes a
// correction of the step deadlines effective from 14 June.
const ctx = await createTestApp(t, { now: '2024-06-13T03:00:00Z' })
const { app, clock } = ctx
const admin = await accountFor(ctx, { role: 'district_admin', units: [province] })
const officer = await accountFor(ctx, { role: 'ward_officer', units: [wardA] })
const child = await registerChild(ctx, officer, { fullName: 'Phạm Thị Hạn', address: { wardCode: wardA } })

const record = async (day: string) => (await recordIncidentOn(ctx, officer, { id: child.id, wardCode: wardA }, day)).id
const before = await record('2024-06-13')
let after = ''
const planDue = async (id: string) => {
  const detail = (await app.inject({ url: `/v1/incidents/${id}`, headers: officer.headers })).json()
  return detail.schedule.find((s: { step: string }) => s.step === 'support_plan').dueAt as string
}

const reference = {
  effectiveFrom: '2024-06-14',
  legalBasis: 'Nghị định 56/2017/NĐ-CP (hiệu chỉnh thử nghiệm)',
  rules: [
    { step: 'initial_assessment', kind: 'hours', amount: 6, anchor: 'receipt', confirmed: false },
    { step: 'emergency_protection', kind: 'hours', amount: 12, anchor: 'receipt', confirmed: true },
    { step: 'specific_assessment', kind: 'working_days', amount: 2, anchor: 'receipt', confirmed: false },
    { step: 'support_plan', kind: 'working_days', amount: 3, anchor: 'receipt', confirmed: false },
    { step: 'plan_approval', kind: 'working_days', amount: 5, anchor: 'receipt', confirmed: false },
  ],
  note: 'Thời hạn rút ngắn (thử nghiệm)',
}
const put = (headers: Record<string, string>, payload: unknown) =>
  app.inject({ method: 'PUT', url: '/v1/rules/case-steps', headers, payload: payload as object })

t.test('the reference rules are version 1, readable by every officer', async (t) => {
  const response = await app.inject({ url: '/v1/rules/case-steps', headers: officer.headers })
  t.equal(response.statusCode, 200)
  t.equal(response.headers.etag, '"1"')
  t.match(response.json(), {
    version: 1,
    effectiveFrom: '2017-06-15',
    legalBasis: 'Nghị định 56/2017/NĐ-CP ngày 09/5/2017',
    source: 'reference',
  })
  t.same(
    response
      .json()
      .rules.map((rule: { step: string; kind: string; amount: number }) => [rule.step, rule.kind, rule.amount]),
    [
      ['initial_assessment', 'hours', 12],
      ['emergency_protection', 'hours', 12],
      ['specific_assessment', 'working_days', 3],
      ['support_plan', 'working_days', 5],
      ['plan_approval', 'working_days', 7],
    ],
  )
  t.equal(await planDue(before), '2024-06-20T16:59:59.000Z', 'five working days from Thursday 13 June')
})

t.test('a correction is refused whole when it is wrong, stale or not the administrator’s', async (t) => {
  t.equal((await put(officer.headers, reference)).statusCode, 403)
  t.equal((await put(admin.headers, reference)).statusCode, 428, 'If-Match is required')
  t.equal((await put({ ...admin.headers, 'if-match': '"7"' }, reference)).statusCode, 412)
  const wrong = await put(
    { ...admin.headers, 'if-match': '"1"' },
    {
      ...reference,
      rules: [{ step: 'support_plan', kind: 'hours', amount: 241, anchor: 'receipt', confirmed: false }],
    },
  )
  t.equal(wrong.statusCode, 400, 'more hours than a deadline can be is a schema error')
  const tooLong = await put(
    { ...admin.headers, 'if-match': '"1"' },
    { ...reference, rules: reference.rules.map((rule, i) => (i === 3 ? { ...rule, amount: 61 } : rule)) },
  )
  t.equal(tooLong.statusCode, 422)
  t.same(
    tooLong.json().errors.map((error: { pointer: string; code: string }) => [error.pointer, error.code]),
    [
      ['/rules/3/amount', 'out_of_range'],
      ['/rules/4/amount', 'out_of_order'],
    ],
  )
  const incomplete = await put(
    { ...admin.headers, 'if-match': '"1"' },
    { ...reference, rules: [reference.rules[3], reference.rules[3]] },
  )
  t.equal(incomplete.statusCode, 422)
  t.same(
    incomplete.json().errors.map((error: { pointer: string; code: string }) => [error.pointer, error.code]),
    [
      ['/rules', 'missing_step'],
      ['/rules/1/step', 'duplicate_step'],
    ],
  )
  const backdated = await put({ ...admin.headers, 'if-match': '"1"' }, { ...reference, effectiveFrom: '2024-06-13' })
  t.equal(backdated.statusCode, 422, 'today is too early: cases received today keep their deadlines')
  t.equal(backdated.json().errors[0].code, 'effective_date_past')
  t.equal((await app.inject({ url: '/v1/rules/case-steps', headers: admin.headers })).json().version, 1)
})

t.test('a correction holds cases received from its date; earlier ones keep theirs', async (t) => {
  const published = await put({ ...admin.headers, 'if-match': '"1"' }, reference)
  t.equal(published.statusCode, 200)
  t.equal(published.headers.etag, '"2"')
  t.match(published.json(), { version: 2, source: 'admin', publishedBy: admin.id, note: reference.note })
  t.same(
    published
      .json()
      .versions.map((version: { version: number; effectiveFrom: string }) => [version.version, version.effectiveFrom]),
    [
      [1, '2017-06-15'],
      [2, '2024-06-14'],
    ],
  )
  after = await record('2024-06-14')
  t.equal(await planDue(before), '2024-06-20T16:59:59.000Z', 'received the day before: five working days')
  t.equal(await planDue(after), '2024-06-19T16:59:59.000Z', 'received on the day: three working days')
  const detail = (await app.inject({ url: `/v1/incidents/${after}`, headers: officer.headers })).json()
  t.equal(detail.pendingSteps[0].dueAt, '2024-06-14T07:30:00.000Z', 'the initial assessment within 6 hours of receipt')

  clock.set('2024-06-14T17:00:00+07:00')
  const overdue = await app.inject({ url: '/v1/incidents?overdueSteps=true', headers: officer.headers })
  t.ok(
    overdue.json().items.some((item: { id: string }) => item.id === after),
    'its kept next-step deadline is the new rules’: overdue at 17:00 (20:30 under the old)',
  )
  const audit = await app.inject({ url: '/v1/audit-events?action=case_step_rules.publish', headers: admin.headers })
  t.match(audit.json().items, [{ resourceId: '2', details: { effectiveFrom: '2024-06-14' } }])
})

t.test('a reference reload leaves an administrator’s version in force', async (t) => {
  const file = loadCaseStepRules().data
  await app.database.db.transaction((tx) =>
    applyCaseStepRulesReference(tx, { ...file, version: '2017.2', legalBasis: 'changed in the file' }),
  )
  const current = (await app.inject({ url: '/v1/rules/case-steps', headers: admin.headers })).json()
  t.same([current.version, current.source], [2, 'admin'])
})
