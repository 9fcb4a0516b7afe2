import { eq } from 'drizzle-orm'
import ExcelJS from 'exceljs'
import t from 'tap'
import { auditEvents } from '../../../src/modules/audit/tables.js'
import { reports } from '../../../src/modules/reports/tables.js'
import { createTestApp } from '../../support/app.js'
import { accountFor, clientFor, province, wardA, wardB, type TestAccount } from '../../support/auth.js'
import { asTableOwner } from '../../support/owner.js'
import { registerChild } from '../../support/registry.js'

interface Section {
  key: string
  title: string
  text: string
  withheld?: true
}
interface Report {
  id: string
  version: number
  state: string
  reviewComments: string | null
  sections: Section[]
  submissions: { reviewComments: string | null }[]
}

t.test('a report’s narrative holds no personal data, and a city system reads none', async (t) => {
  const ctx = await createTestApp(t, { now: '2024-05-15T03:00:00Z' })
  const { app, clock, logs } = ctx
  const officer = await accountFor(ctx, { role: 'ward_officer', units: [wardA] })
  const officerB = await accountFor(ctx, { role: 'ward_officer', units: [wardB] })
  const district = await accountFor(ctx, { role: 'district_officer', units: [province] })
  const city = await clientFor(ctx, { role: 'city_system', units: [province] })
  await registerChild(ctx, officer, { fullName: 'Phạm Thị Hồi', address: { wardCode: wardA } })
  await registerChild(ctx, officer, { fullName: 'Lê Hà', address: { wardCode: wardA } })

  const send = (
    account: TestAccount,
    method: 'GET' | 'POST' | 'PATCH',
    url: string,
    payload?: unknown,
    ifMatch?: number,
  ) =>
    app.inject({
      method,
      url,
      headers: { ...account.headers, ...(ifMatch === undefined ? {} : { 'if-match': `"${ifMatch}"` }) },
      ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
    })
  const ok = async (response: Awaited<ReturnType<typeof send>>, status = 200): Promise<Report> => {
    if (response.statusCode !== status) throw new Error(`${response.statusCode} ${response.body}`)
    return response.json<Report>()
  }
  const sections = (...texts: string[]) =>
    texts.map((text, index) => ({ key: `part_${index}`, title: `Phần ${index + 1}`, text }))
  const personalData = (response: Awaited<ReturnType<typeof send>>) => {
    const body = response.json<{ code: string; errors: { pointer: string; code: string; message: string }[] }>()
    return { status: response.statusCode, code: body.code, errors: body.errors.map((e) => [e.pointer, e.code]) }
  }
  const stored = async () => app.database.db.select().from(reports)

  t.test('refused when written, each text that holds it named, nothing stored', async (t) => {
    const cases: [string, string][] = [
      ['a registered child’s full name', 'Đã thăm hỏi, hỗ trợ cháu Phạm Thị Hồi.'],
      ['written in capitals without diacritics', 'Ho tro chau PHAM THI HOI di hoc.'],
      ['a citizen ID number', 'Mẹ cháu (CCCD 001206012345) đã cam kết.'],
      ['a health insurance card number', 'Cấp thẻ BHYT TE1010123456789.'],
      ['a telephone number', 'Liên hệ gia đình qua số 0912 345 678.'],
      ['an e-mail address', 'Gửi hồ sơ về hoi.pt@example.org.'],
    ]
    for (const [name, text] of cases) {
      const response = await send(officer, 'POST', '/v1/reports', {
        periodCode: '2024-six_month',
        unitCode: wardA,
        sections: sections('Không có khó khăn.', text),
      })
      t.same(
        personalData(response),
        { status: 422, code: 'invalid_report', errors: [['/sections/1/text', 'personal_data']] },
        name,
      )
      t.notMatch(response.body, /Hồi|HOI|001206012345|1010123456789|345 678|example\.org/, 'the value is not echoed')
    }
    const titled = await send(officer, 'POST', '/v1/reports', {
      periodCode: '2024-six_month',
      unitCode: wardA,
      sections: [{ key: 'case', title: 'Trường hợp cháu Phạm Thị Hồi', text: 'Đã hỗ trợ.' }],
    })
    t.same(
      personalData(titled),
      { status: 422, code: 'invalid_report', errors: [['/sections/0/title', 'personal_data']] },
      'a title is screened as a text is',
    )
    t.equal((await stored()).length, 0, 'no report was created')
    const serialised = JSON.stringify(logs)
    t.notMatch(serialised, /Hồi|PHAM THI HOI|001206012345|0912 345 678|example\.org/, 'nor logged')
  })

  const narrative = sections(
    'Phường Hoàng Liệt, quận Hoàng Mai: 3 trẻ em được hỗ trợ; đồng chí Trần Văn Bình chủ trì.',
    'Cháu Lê Hà và cháu Nguyễn Minh Khang được nhận học bổng.',
    'Kinh phí 1.500.000.000 đồng, theo Quyết định 06/QĐ-TTg; tổng đài 111.',
  )
  let report: Report

  t.test('accepted: places, a two-syllable name, a name not registered, the figures of a report', async (t) => {
    report = await ok(
      await send(officer, 'POST', '/v1/reports', {
        periodCode: '2024-six_month',
        unitCode: wardA,
        sections: narrative,
      }),
      201,
    )
    t.same(report.sections, narrative)
  })

  t.test('an edit and a return are refused the same way and change nothing', async (t) => {
    const edited = sections('Cháu Phạm Thị Hồi, liên hệ 0987654321.', 'Không có.')
    const refused = await send(officer, 'PATCH', `/v1/reports/${report.id}`, { sections: edited }, report.version)
    t.same(personalData(refused), {
      status: 422,
      code: 'invalid_report',
      errors: [['/sections/0/text', 'personal_data']],
    })
    t.match(refused.json().errors[0].message, /telephone number.*full name of a child/)
    const [row] = await stored()
    t.same([row!.version, row!.sections], [report.version, narrative], 'the narrative stands as it was')

    await ok(await send(officer, 'POST', `/v1/reports/${report.id}/submit`))
    const returned = await send(district, 'POST', `/v1/reports/${report.id}/return`, {
      comments: 'Bổ sung hồ sơ của cháu Phạm Thị Hồi.',
    })
    t.same(personalData(returned), { status: 422, code: 'invalid_report', errors: [['/comments', 'personal_data']] })
    t.equal((await ok(await send(officer, 'GET', `/v1/reports/${report.id}`))).state, 'submitted', 'still submitted')
    const outcomes = await app.database.db
      .select({ action: auditEvents.action, outcome: auditEvents.outcome })
      .from(auditEvents)
      .where(eq(auditEvents.resourceId, report.id))
    t.notOk(
      outcomes.some((event) => event.action === 'report.return'),
      'no return was recorded',
    )
  })

  t.test('a city system reads a section naming a child registered since as withheld; officers read it', async (t) => {
    await ok(await send(district, 'POST', `/v1/reports/${report.id}/return`, { comments: 'Bổ sung số liệu quý II.' }))
    const current = await ok(await send(officer, 'GET', `/v1/reports/${report.id}`))
    await ok(await send(officer, 'POST', `/v1/reports/${report.id}/submit`, undefined, current.version))
    // Registered after the narrative was written, in another ward: the second section now names a registered
    // child, whom a city system reading the report can tell apart wherever he lives.
    await registerChild(ctx, officerB, { fullName: 'Nguyễn Minh Khang', sex: 'male', address: { wardCode: wardB } })
    // A title written before the check, as a report stored then holds it.
    const legacy = narrative.map((section, index) =>
      index === 2 ? { ...section, title: 'Hỗ trợ cháu Phạm Thị Hồi' } : section,
    )
    await asTableOwner(app.database, [
      `update reports set sections = '${JSON.stringify(legacy).replaceAll("'", "''")}'::jsonb where id = '${report.id}'`,
    ])
    clock.set('2024-05-20T09:00:00+07:00')

    const asCity = await ok(await send(city, 'GET', `/v1/reports/${report.id}`))
    t.same(
      asCity.sections.map((section) => [section.key, section.title, section.text, section.withheld]),
      [
        ['part_0', 'Phần 1', narrative[0]!.text, undefined],
        ['part_1', 'Phần 2', '', true],
        ['part_2', '[Không hiển thị: nội dung có thông tin cá nhân]', '', true],
      ],
    )
    t.same(
      [asCity.reviewComments, asCity.submissions.map((submission) => submission.reviewComments)],
      [null, [null, null]],
      'the review between ward and district is theirs',
    )
    const listed = (await send(city, 'GET', '/v1/reports?unit=' + wardA)).json<{ items: Report[] }>().items
    t.same(
      listed.map((item) => item.reviewComments),
      [null],
    )
    const exported = await send(city, 'GET', `/v1/reports/${report.id}/export?format=xlsx`)
    t.equal(exported.statusCode, 200)
    const workbook = new ExcelJS.Workbook()
    await workbook.xlsx.load(exported.rawPayload as unknown as ArrayBuffer)
    const cells: string[] = []
    workbook.worksheets[0]!.eachRow((row) => row.eachCell((cell) => cells.push(cell.text)))
    t.ok(cells.includes(narrative[0]!.text), 'the export holds the sections without personal data')
    t.notOk(
      cells.some((cell) => cell.includes('Phạm Thị Hồi')),
      'nor a title that holds it',
    )
    t.ok(cells.includes('[Không hiển thị: nội dung có thông tin cá nhân]'), 'and marks the one withheld')
    t.notOk(
      cells.some((cell) => cell.includes('Minh Khang')),
      'whose text it does not hold',
    )
    const asOfficer = await ok(await send(district, 'GET', `/v1/reports/${report.id}`))
    t.same(asOfficer.sections, legacy, 'the district reads the narrative as written')
    t.same(asOfficer.submissions[0]!.reviewComments, 'Bổ sung số liệu quý II.')
  })
})
