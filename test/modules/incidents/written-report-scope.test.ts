import t from 'tap'
import { applyCaseStepRulesReference } from '../../../src/modules/incidents/step-rules.js'
import { inScope, systemScope } from '../../../src/platform/scope.js'
import { loadCaseStepRules } from '../../../src/reference/index.js'
import { createTestApp } from '../../support/app.js'
import { accountFor, province, wardA } from '../../support/auth.js'
import { recordIncidentOn, registerChild } from '../../support/registry.js'

// The kinds the 24-hour written-report duty covers are versioned case rules: an administrator narrows
// them from a date, cases received before keep the duty they had, and every figure reads the same answer.
const ctx = await createTestApp(t, { now: '2024-06-13T03:00:00Z' })
const { app, clock } = ctx
const admin = await accountFor(ctx, { role: 'district_admin', units: [province] })
const officer = await accountFor(ctx, { role: 'ward_officer', units: [wardA] })
const child = await registerChild(ctx, officer, { fullName: 'Đỗ Thị Phạm Vi', address: { wardCode: wardA } })

const record = (day: string, kind: string) =>
  recordIncidentOn(ctx, officer, { id: child.id, wardCode: wardA }, day, { kind })
const writtenReport = async (id: string) =>
  (await app.inject({ url: `/v1/incidents/${id}`, headers: officer.headers })).json().writtenReport as {
    required: boolean
    compliance: string
  }
const rules = async () => (await app.inject({ url: '/v1/rules/case-steps', headers: admin.headers })).json()
const file = loadCaseStepRules().data

t.test('the reference version names the kinds; a reference reload re-judges the incidents it reaches', async (t) => {
  const current = await rules()
  t.same(current.writtenReportKinds, file.writtenReportKinds)
  t.notOk(current.writtenReportKinds.includes('drowning'))
  const violence = await record('2024-06-13', 'violence')
  t.equal(violence.writtenReport.required, true)

  const narrowed = {
    ...file,
    version: 'test',
    writtenReportKinds: file.writtenReportKinds.filter((k) => k !== 'violence'),
  }
  await inScope(app.database.db, systemScope, (tx) => applyCaseStepRulesReference(tx, narrowed))
  t.match(await writtenReport(violence.id), { required: false, compliance: 'not_required' })
  await inScope(app.database.db, systemScope, (tx) => applyCaseStepRulesReference(tx, file))
  t.match(await writtenReport(violence.id), { required: true, compliance: 'pending' }, 'and back')
  t.same(
    (await rules()).versions.map((v: { version: number; writtenReportKinds: string[] }) => [
      v.version,
      v.writtenReportKinds.includes('violence'),
    ]),
    [
      [1, true],
      [2, false],
      [3, true],
    ],
  )
})

t.test('an administrator narrows the duty from tomorrow: refused whole when wrong, audited when right', async (t) => {
  const put = (payload: object, version: number) =>
    app.inject({
      method: 'PUT',
      url: '/v1/rules/case-steps',
      headers: { ...admin.headers, 'if-match': `"${version}"` },
      payload,
    })
  const body = {
    effectiveFrom: '2024-06-14',
    legalBasis: 'Kế hoạch của UBND (mục V), hiệu chỉnh thử nghiệm',
    rules: file.rules,
    writtenReportKinds: file.writtenReportKinds.filter((k) => k !== 'neglect'),
  }
  const unknown = await put({ ...body, writtenReportKinds: ['violence', 'burglary'] }, 3)
  t.equal(unknown.statusCode, 400, 'a kind the service does not know is a schema error')
  const twice = await put({ ...body, writtenReportKinds: ['violence', 'violence'] }, 3)
  t.equal(twice.statusCode, 422)
  t.same(
    twice.json().errors.map((e: { pointer: string; code: string }) => [e.pointer, e.code]),
    [['/writtenReportKinds/1', 'duplicate_kind']],
  )
  t.equal((await rules()).version, 3, 'nothing published')

  const neglectBefore = await record('2024-06-13', 'neglect')
  t.equal(neglectBefore.writtenReport.required, true)
  const published = await put(body, 3)
  t.equal(published.statusCode, 200)
  t.match(published.json(), { version: 4, source: 'admin' })
  t.notOk(published.json().writtenReportKinds.includes('neglect'))
  const audit = await app.inject({ url: '/v1/audit-events?action=case_step_rules.publish', headers: admin.headers })
  t.match(audit.json().items[0].details, { effectiveFrom: '2024-06-14' })
  t.notOk(audit.json().items[0].details.writtenReportKinds.includes('neglect'))

  const keep = await put({ ...body, effectiveFrom: '2024-06-15', writtenReportKinds: undefined }, 4)
  t.equal(keep.statusCode, 200)
  t.same(keep.json().writtenReportKinds, body.writtenReportKinds, 'left out: the version in force’s kinds')

  t.test('cases received before keep the duty; cases received after are held to the new scope', async (t) => {
    t.match(await writtenReport(neglectBefore.id), { required: true })
    const neglectAfter = await record('2024-06-14', 'neglect')
    t.equal(neglectAfter.writtenReport.required, false)
    const events = await app.inject({ url: '/v1/events?types=incident.created', headers: admin.headers })
    t.equal(
      events.json().items.find((e: { data: { incidentId: string } }) => e.data.incidentId === neglectAfter.id).data
        .writtenReportRequired,
      false,
      'the event says so too',
    )
    const violenceAfter = await record('2024-06-14', 'violence')
    t.equal(violenceAfter.writtenReport.required, true)

    const rekind = await app.inject({
      method: 'PATCH',
      url: `/v1/incidents/${violenceAfter.id}`,
      headers: { ...officer.headers, 'if-match': '"1"' },
      payload: { kind: 'neglect', reason: 'phân loại lại' },
    })
    t.equal(rekind.statusCode, 200)
    t.match(rekind.json().writtenReport, { required: false, compliance: 'not_required' }, 're-kinded under its version')

    // Two days on, nothing is submitted: the two cases under the duty are overdue, the others are not counted.
    clock.set('2024-06-16T12:00:00+07:00')
    const compliance = (
      await app.inject({ url: '/v1/incidents/compliance?from=2024-06-01&to=2024-06-30', headers: officer.headers })
    ).json()
    t.same(compliance.total.counts, { pending: 0, due_soon: 0, overdue: 2, on_time: 0, late: 0 })
    const submit = await app.inject({
      method: 'POST',
      url: `/v1/incidents/${neglectAfter.id}/written-report`,
      headers: officer.headers,
      payload: {},
    })
    t.equal(submit.statusCode, 200, 'a case outside the duty is never asked for a late reason')
    const values = (
      await app.inject({
        url: `/v1/indicators/values?year=2024&unit=${wardA}&asOf=2024-06-16`,
        headers: officer.headers,
      })
    ).json()
    const indicator = values.indicators
      .find((i: { code: string }) => i.code === 'WRITTEN_REPORT_ON_TIME_PCT')
      .values.find((v: { unitCode: string }) => v.unitCode === wardA)
    t.equal(indicator.denominator, 2, 'the indicator judges the same two incidents')
    t.equal(indicator.numerator, 0)
  })
})
