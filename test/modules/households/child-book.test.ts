import ExcelJS from 'exceljs'
import { parse } from 'csv-parse/sync'
import { and, eq } from 'drizzle-orm'
import t from 'tap'
import { auditEvents } from '../../../src/modules/audit/tables.js'
import { childBookPage } from '../../../src/modules/households/repository.js'
import { inScope } from '../../../src/platform/scope.js'
import { createTestApp } from '../../support/app.js'
import { accountFor, province, wardA, wardB, type TestAccount } from '../../support/auth.js'
import { addResidentialGroup, registerChild } from '../../support/registry.js'

const now = '2024-06-15T03:00:00Z' // 10:00 in Hanoi
const xlsxType = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'

t.test('the household child book export', async (t) => {
  const ctx = await createTestApp(t, { now })
  const { app } = ctx
  const admin = await accountFor(ctx, { role: 'district_admin', units: [province] })
  const group1 = `${wardA}-TDP01`
  const group2 = `${wardA}-TDP02`
  for (const [code, nameVi] of [
    [group1, 'Tổ dân phố 1'],
    [group2, 'Tổ dân phố 2'],
  ] as const) {
    t.equal((await addResidentialGroup(ctx, admin, { code, nameVi, parentCode: wardA })).statusCode, 201)
  }
  const officer = await accountFor(ctx, { role: 'ward_officer', units: [wardA] })
  const officerB = await accountFor(ctx, { role: 'ward_officer', units: [wardB] })
  // A collaborator allowed to export, without registry:sensitive.
  const collaborator = await accountFor(ctx, { role: 'collaborator', units: [wardA], grants: ['registry:export'] })
  const district = await accountFor(ctx, { role: 'district_officer', units: [province] })

  const post = async (account: TestAccount, url: string, payload: Record<string, unknown>) => {
    const response = await app.inject({ method: 'POST', url, headers: account.headers, payload })
    if (response.statusCode !== 201) t.fail(`${url}: ${response.statusCode} ${response.body}`)
    return response.json<{ id: string }>()
  }
  const household = (
    account: TestAccount,
    headName: string,
    address: Record<string, unknown>,
    poverty?: Record<string, unknown>,
  ) => post(account, '/v1/households', { headName, address, ...(poverty ? { poverty } : {}) })

  const hung = await household(
    officer,
    'Nguyễn Văn Hùng',
    { wardCode: wardA, residentialGroupCode: group2, streetAddress: 'Số 5 ngõ 12 phố Mẫu' },
    { status: 'near_poor', from: '2024-01-01', to: '2025-12-31' },
  )
  const bao = await household(
    officer,
    'Trần Văn Bảo',
    { wardCode: wardA, residentialGroupCode: group1, streetAddress: 'Số 8 ngõ 3' },
    { status: 'poor', from: '2020-01-01', to: '2023-12-31' },
  )
  const cuc = await household(officer, 'Lê Thị Cúc', {
    wardCode: wardA,
    residentialGroupCode: group1,
    streetAddress: 'Số 2 ngõ 3',
  })
  const dung = await household(officerB, 'Phạm Văn Dũng', { wardCode: wardB, streetAddress: 'Số 1 phố Khác' })

  const mai = await registerChild(ctx, officer, {
    fullName: 'Nguyễn Thị Mai',
    sex: 'female',
    dateOfBirth: '2017-09-09',
    ethnicityCode: '03',
    hasDisability: true,
    schoolingStatus: 'primary',
    householdId: hung.id,
    relationshipToHead: 'child',
    caregivers: [{ name: 'Nguyễn Văn Hùng', relationship: 'father' }],
    address: { wardCode: wardA, residentialGroupCode: group2 },
  })
  for (const groupCode of ['a', 'd'])
    await post(officer, `/v1/children/${mai.id}/circumstances`, { kind: 'group', groupCode, startDate: '2023-01-01' })
  await post(officer, `/v1/children/${mai.id}/care`, { kind: 'allowance', startDate: '2023-02-01', amountVnd: 900000 })
  await post(officer, `/v1/children/${mai.id}/health-insurance`, {
    cardNumber: 'TE1010123456789',
    validFrom: '2024-01-01',
    validTo: '2024-12-31',
  })
  await registerChild(ctx, officer, {
    fullName: 'Nguyễn Văn Nam',
    sex: 'male',
    dateOfBirth: '2020-02-02',
    householdId: hung.id,
    address: { wardCode: wardA, residentialGroupCode: group2 },
  })
  await registerChild(ctx, officer, {
    fullName: 'Trần Thị Hoa',
    dateOfBirth: '2019-01-01',
    householdId: bao.id,
    address: { wardCode: wardA, residentialGroupCode: group1 },
  })
  await registerChild(ctx, officer, {
    fullName: 'Lê Minh Khoa',
    sex: 'male',
    dateOfBirth: '2015-05-05',
    householdId: cuc.id,
    address: { wardCode: wardA, residentialGroupCode: group1 },
  })
  await registerChild(ctx, officer, {
    fullName: 'Đỗ Thị Lan',
    dateOfBirth: '2016-03-03',
    address: { wardCode: wardA, residentialGroupCode: group1, streetAddress: 'Số 40 phố Mẫu' },
  })
  await registerChild(ctx, officerB, {
    fullName: 'Phạm Thị Én',
    dateOfBirth: '2018-08-08',
    householdId: dung.id,
    address: { wardCode: wardB },
  })

  const workbookOf = async (account: TestAccount, query = '') => {
    const response = await app.inject({
      url: `/v1/households/child-book?format=xlsx${query}`,
      headers: account.headers,
    })
    if (response.statusCode !== 200) t.fail(`the workbook: ${response.statusCode} ${response.body}`)
    const workbook = new ExcelJS.Workbook()
    await workbook.xlsx.load(response.rawPayload as unknown as ArrayBuffer)
    return { response, workbook, sheet: workbook.worksheets[0]! }
  }
  /** The header row's cells by their text. */
  const columnsOf = (sheet: ExcelJS.Worksheet, headerRow: number) => {
    const columns = new Map<string, number>()
    sheet.getRow(headerRow).eachCell((cell, column) => columns.set(cell.text, column))
    return columns
  }

  t.test('the workbook: title, households and their children in book order, as an officer prints it', async (t) => {
    const { response, workbook, sheet } = await workbookOf(officer)
    t.equal(response.headers['content-type'], xlsxType)
    t.match(response.headers['content-disposition'], /attachment; filename="child-book-20240615\.xlsx"/)
    t.equal(sheet.name, 'Sổ theo dõi trẻ em')
    t.equal(sheet.getCell('A1').value, 'SỔ THEO DÕI TRẺ EM TRONG HỘ GIA ĐÌNH')
    t.equal(sheet.getCell('A2').value, 'Phường Thanh Trì', 'the ward')
    t.equal(sheet.getCell('A3').value, 'Tính đến ngày 15/06/2024', 'the day')
    t.ok(sheet.getCell('A1').isMerged && sheet.getCell('H1').isMerged, 'the title runs across the columns')
    t.equal(sheet.getCell('A1').font?.bold, true)

    const headerRow = 5
    const columns = columnsOf(sheet, headerRow)
    t.same(
      [...columns.keys()],
      [
        'STT',
        'Họ và tên chủ hộ, trẻ em',
        'Địa chỉ',
        'Tổ dân phố',
        'Hộ nghèo, cận nghèo',
        'Quan hệ với chủ hộ',
        'Ngày sinh',
        'Giới tính',
        'Dân tộc',
        'Tình trạng đi học',
        'Khuyết tật',
        'Nhóm hoàn cảnh đặc biệt',
        'Có nguy cơ',
        'Số thẻ BHYT',
        'Thẻ BHYT có giá trị đến',
        'Chăm sóc, hỗ trợ',
        'Cha mẹ, người chăm sóc',
        'Tình trạng',
      ],
      'one ward: no ward column; the sensitive columns for an officer holding registry:sensitive',
    )
    t.match(sheet.views, [{ state: 'frozen', ySplit: headerRow }], 'the header stays in view')
    t.equal(sheet.pageSetup.orientation, 'landscape')
    t.equal(sheet.pageSetup.paperSize, 9, 'A4')
    t.equal(sheet.pageSetup.fitToPage, true)
    t.equal(sheet.pageSetup.fitToWidth, 1, 'as wide as the page')
    t.equal(sheet.pageSetup.fitToHeight, 0, 'as many pages long as it takes')
    t.equal(sheet.pageSetup.printTitlesRow, `${headerRow}:${headerRow}`, 'the header repeated on every page')
    t.equal(sheet.getColumn(columns.get('Họ và tên chủ hộ, trẻ em')!).width, 26)

    const at = (row: ExcelJS.Row, name: string) => row.getCell(columns.get(name)!)
    const lines = sheet.getRows(headerRow + 1, sheet.rowCount - headerRow)!
    t.same(
      lines.map((row) => [at(row, 'STT').value, at(row, 'Họ và tên chủ hộ, trẻ em').value]),
      [
        ['1', 'Lê Thị Cúc'],
        ['1.1', 'Lê Minh Khoa'],
        ['2', 'Trần Văn Bảo'],
        ['2.1', 'Trần Thị Hoa'],
        [null, 'Trẻ em chưa ghi nhận hộ gia đình'],
        ['1', 'Đỗ Thị Lan'],
        ['3', 'Nguyễn Văn Hùng'],
        ['3.1', 'Nguyễn Thị Mai'],
        ['3.2', 'Nguyễn Văn Nam'],
      ],
      'by group and address, each household then its children (oldest first); no child of another ward',
    )
    const [cucRow, khoaRow, baoRow, , withoutRow, lanRow, hungRow, maiRow] = lines
    t.equal(at(cucRow!, 'Địa chỉ').value, 'Số 2 ngõ 3')
    t.equal(at(cucRow!, 'Tổ dân phố').value, 'Tổ dân phố 1')
    t.equal(at(baoRow!, 'Hộ nghèo, cận nghèo').value, null, 'a poverty status that ended before the day is not shown')
    t.equal(at(hungRow!, 'Hộ nghèo, cận nghèo').value, 'Hộ cận nghèo')
    t.equal(at(hungRow!, 'Tổ dân phố').value, 'Tổ dân phố 2')
    for (const heading of [cucRow!, hungRow!, withoutRow!]) {
      t.equal(at(heading, 'Họ và tên chủ hộ, trẻ em').font?.bold, true, 'a household stands out')
      t.equal(at(heading, 'Tình trạng').fill?.type, 'pattern', 'shaded across the row')
    }
    t.equal(at(khoaRow!, 'Họ và tên chủ hộ, trẻ em').alignment?.indent, 2, 'a child is indented under it')
    t.notOk(at(khoaRow!, 'Họ và tên chủ hộ, trẻ em').font?.bold)
    t.equal(at(lanRow!, 'Địa chỉ').value, 'Số 40 phố Mẫu', 'a child of no household has its own address')

    const born = at(maiRow!, 'Ngày sinh')
    t.ok(born.value instanceof Date, 'a date of birth is a date cell')
    t.equal((born.value as Date).toISOString().slice(0, 10), '2017-09-09')
    t.equal(born.numFmt, 'dd/mm/yyyy')
    t.same(
      {
        relationship: at(maiRow!, 'Quan hệ với chủ hộ').value,
        sex: at(maiRow!, 'Giới tính').value,
        ethnicity: at(maiRow!, 'Dân tộc').value,
        schooling: at(maiRow!, 'Tình trạng đi học').value,
        disability: at(maiRow!, 'Khuyết tật').value,
        groups: at(maiRow!, 'Nhóm hoàn cảnh đặc biệt').value,
        atRisk: at(maiRow!, 'Có nguy cơ').value,
        card: at(maiRow!, 'Số thẻ BHYT').value,
        care: at(maiRow!, 'Chăm sóc, hỗ trợ').value,
        caregivers: at(maiRow!, 'Cha mẹ, người chăm sóc').value,
        status: at(maiRow!, 'Tình trạng').value,
      },
      {
        relationship: 'Con',
        sex: 'Nữ',
        ethnicity: 'Thái',
        schooling: 'Tiểu học',
        disability: 'Có',
        groups: 'a, d',
        atRisk: 'Không',
        card: 'TE1010123456789',
        care: 'Trợ cấp xã hội hằng tháng',
        caregivers: 'Nguyễn Văn Hùng (cha)',
        status: 'Đang theo dõi',
      },
      'Vietnamese values',
    )
    const cardValidTo = at(maiRow!, 'Thẻ BHYT có giá trị đến')
    t.equal((cardValidTo.value as Date).toISOString().slice(0, 10), '2024-12-31')
    t.equal(cardValidTo.numFmt, 'dd/mm/yyyy')
    t.equal(workbook.worksheets.length, 1)
  })

  t.test('without registry:sensitive: no ethnicity or disability column, no sensitive group', async (t) => {
    const { sheet } = await workbookOf(collaborator)
    const columns = columnsOf(sheet, 5)
    t.notOk(columns.has('Dân tộc'))
    t.notOk(columns.has('Khuyết tật'))
    const mai = sheet
      .getRows(6, sheet.rowCount - 5)!
      .find((row) => row.getCell(columns.get('Họ và tên chủ hộ, trẻ em')!).value === 'Nguyễn Thị Mai')!
    t.equal(mai.getCell(columns.get('Nhóm hoàn cảnh đặc biệt')!).value, 'a', 'group d (disability) left out')
    const values = sheet.getRows(1, sheet.rowCount)!.flatMap((row) => (row.values as unknown[]).map(String))
    t.notOk(values.includes('Thái'), 'nor the ethnicity anywhere')
    const byGroup = await app.inject({
      url: '/v1/households/child-book?format=xlsx&group=d',
      headers: collaborator.headers,
    })
    t.equal(byGroup.statusCode, 403, 'filtering by a sensitive group is refused')
    t.equal(byGroup.json().code, 'sensitive_filter_forbidden')
  })

  t.test('the filters of the registry export, and several wards', async (t) => {
    const { sheet } = await workbookOf(officer, `&residentialGroup=${group2}&sex=male`)
    t.same(
      sheet.getRows(6, sheet.rowCount - 5)!.map((row) => row.getCell(2).value),
      ['Nguyễn Văn Hùng', 'Nguyễn Văn Nam'],
      'the household of the children chosen, with them only',
    )
    const all = await workbookOf(district)
    const columns = columnsOf(all.sheet, 5)
    t.ok(columns.has('Phường'), 'a book of several wards names each household ward')
    const names = all.sheet.getRows(6, all.sheet.rowCount - 5)!.map((row) => row.getCell(2).value)
    t.ok(names.includes('Phạm Văn Dũng') && names.includes('Lê Thị Cúc'), 'both wards for the district')
    t.equal(all.sheet.getCell('A2').value, 'Thành phố Hà Nội', 'the title names the units it covers')
    const dungRow = all.sheet
      .getRows(6, all.sheet.rowCount - 5)!
      .find((row) => row.getCell(2).value === 'Phạm Văn Dũng')
    t.equal(dungRow!.getCell(columns.get('Phường')!).value, 'Phường Vĩnh Hưng')
    const unknownUnit = await app.inject({
      url: '/v1/households/child-book?format=csv&unit=99999',
      headers: officer.headers,
    })
    t.equal(unknownUnit.statusCode, 400)
    const nameSearch = await app.inject({ url: '/v1/households/child-book?format=csv&q=mai', headers: officer.headers })
    t.equal(nameSearch.statusCode, 400, 'the book has no name search')
  })

  t.test('another ward sees only its own households', async (t) => {
    const { sheet } = await workbookOf(officerB)
    t.same(
      sheet.getRows(6, sheet.rowCount - 5)!.map((row) => row.getCell(2).value),
      ['Phạm Văn Dũng', 'Phạm Thị Én'],
    )
    t.equal(sheet.getCell('A2').value, 'Phường Vĩnh Hưng')
  })

  t.test('CSV: one row a child, its household repeated', async (t) => {
    const response = await app.inject({ url: '/v1/households/child-book?format=csv', headers: officer.headers })
    t.equal(response.statusCode, 200)
    t.match(response.headers['content-type'], /^text\/csv/)
    t.match(response.headers['content-disposition'], /filename="child-book-20240615\.csv"/)
    const rows = parse<Record<string, string>>(response.body.replace(/^\uFEFF/, ''), { columns: true })
    t.same(
      rows.map((row) => [row['STT hộ'], row['Chủ hộ'], row['STT trẻ'], row['Họ và tên trẻ em']]),
      [
        ['1', 'Lê Thị Cúc', '1.1', 'Lê Minh Khoa'],
        ['2', 'Trần Văn Bảo', '2.1', 'Trần Thị Hoa'],
        ['', '', '1', 'Đỗ Thị Lan'],
        ['3', 'Nguyễn Văn Hùng', '3.1', 'Nguyễn Thị Mai'],
        ['3', 'Nguyễn Văn Hùng', '3.2', 'Nguyễn Văn Nam'],
      ],
    )
    const mai = rows[3]!
    t.equal(mai['Địa chỉ'], 'Số 5 ngõ 12 phố Mẫu')
    t.equal(mai['Tổ dân phố'], 'Tổ dân phố 2')
    t.equal(mai['Hộ nghèo, cận nghèo'], 'Hộ cận nghèo')
    t.equal(mai['Ngày sinh'], '09/09/2017', 'dates as dd/mm/yyyy')
    t.equal(mai['Giới tính'], 'Nữ')
    t.equal(mai['Dân tộc'], 'Thái')
    t.equal(rows[2]!['Địa chỉ'], 'Số 40 phố Mẫu')
    const withoutSensitive = await app.inject({
      url: '/v1/households/child-book?format=csv',
      headers: collaborator.headers,
    })
    t.notMatch(withoutSensitive.body.split('\r\n')[0], /Dân tộc|Khuyết tật/)
  })

  t.test('the book is read page by page on its own order, as it streams', async (t) => {
    const scope = { all: false, wards: [wardA], groups: [] }
    const filter = { asOf: '2024-06-15' }
    const read = (limit: number, after?: string[]) =>
      inScope(app.database.db, scope, (tx) => childBookPage(tx, scope, filter, { sensitive: true, limit, after }))
    const whole = await read(100)
    const paged = []
    for (let after: string[] | undefined; ;) {
      const page = await read(2, after)
      paged.push(...page)
      if (page.length < 2) break
      after = page.at(-1)!.bookKey
    }
    t.equal(whole.length, 5)
    t.same(
      paged.map((row) => row.child.fullName),
      whole.map((row) => row.child.fullName),
    )
  })

  t.test('every export is audited, without personal data', async (t) => {
    const response = await app.inject({
      url: `/v1/households/child-book?format=csv&residentialGroup=${group1}`,
      headers: officer.headers,
    })
    const events = await app.database.db
      .select()
      .from(auditEvents)
      .where(
        and(
          eq(auditEvents.requestId, response.headers['x-request-id'] as string),
          eq(auditEvents.action, 'child.export'),
        ),
      )
    t.equal(events.length, 1)
    t.match(events[0]?.details, { format: 'csv', layout: 'household_book', filters: ['residentialGroup'] })
    t.notMatch(JSON.stringify(events[0]), /Lê Thị Cúc|Lê Minh Khoa/)
  })

  t.test('only for callers who may export the registry', async (t) => {
    const viewer = await accountFor(ctx, { role: 'agency_viewer', units: [wardA] })
    const response = await app.inject({ url: '/v1/households/child-book?format=xlsx', headers: viewer.headers })
    t.equal(response.statusCode, 403)
  })
})
