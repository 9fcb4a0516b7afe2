import { parse } from 'csv-parse/sync'
import ExcelJS from 'exceljs'
import t, { type Test } from 'tap'
import { createTestApp } from '../../support/app.js'
import { accountFor, clientFor, province, wardB, type TestAccount } from '../../support/auth.js'
import { seedScenario } from '../indicators/scenario.js'

type JsonCell = number | string | boolean | null | { suppressed: true }
interface ExportDocument {
  title: string
  unit: { code: string; nameVi: string }
  asOf: string
  rows: Record<string, JsonCell>[]
}

const figureColumns = ['indicatorCode', 'unitCode', 'breakdown', 'numerator', 'denominator', 'value'] as const
// Positions of those columns in the CSV and XLSX table (Mã chỉ tiêu, …, Mã đơn vị, Đơn vị, Phân tổ, Số lượng / Tử số, Mẫu số, Giá trị).
const figurePositions = [0, 2, 4, 5, 6, 7]

/** A cell of the loaded XLSX as text. The exports write text and numbers; any other value (a date, rich text, a formula) reads as empty. */
function xlsxText(value: ExcelJS.CellValue): string {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? String(value) : ''
}

/** A JSON cell as a spreadsheet shows it. */
function asText(value: JsonCell): string {
  if (value === null) return ''
  if (typeof value === 'object') return 'x'
  return String(value)
}

async function threeFormats(app: Awaited<ReturnType<typeof createTestApp>>['app'], account: TestAccount, url: string) {
  const separator = url.includes('?') ? '&' : '?'
  const get = (format: string) => app.inject({ url: `${url}${separator}format=${format}`, headers: account.headers })
  const [json, csv, xlsx] = await Promise.all([get('json'), get('csv'), get('xlsx')])
  for (const response of [json, csv, xlsx])
    if (response.statusCode !== 200) throw new Error(`${url}: ${response.statusCode} ${response.body}`)
  const document = json.json<ExportDocument>()
  const csvRows = parse(csv.body.replace(/^\uFEFF/, '')).slice(1)
  const workbook = new ExcelJS.Workbook()
  await workbook.xlsx.load(xlsx.rawPayload as unknown as ArrayBuffer)
  const sheet = workbook.worksheets[0]!
  let header = 0
  sheet.eachRow((row, number) => {
    if (row.getCell(1).value === 'Mã chỉ tiêu') header = number
  })
  const xlsxRows: string[][] = []
  for (let number = header + 1; number <= sheet.rowCount; number++) {
    const row = sheet.getRow(number)
    const code = row.getCell(1).value
    if (typeof code !== 'string' || !/^[A-Z0-9_]+$/.test(code)) break
    xlsxRows.push(Array.from({ length: 10 }, (_, index) => xlsxText(row.getCell(index + 1).value)))
  }
  return { json, csv, xlsx, document, csvRows, xlsxRows, sheet }
}

t.test('exports: XLSX ready to print and sign, CSV and JSON, with the same figures', async (t) => {
  const ctx = await createTestApp(t, { now: '2024-06-20T03:00:00Z' })
  const { app } = ctx
  await seedScenario(ctx)
  const officerB = await accountFor(ctx, { role: 'ward_officer', units: [wardB] })
  const district = await accountFor(ctx, { role: 'district_officer', units: [province] })
  const city = await clientFor(ctx, { role: 'city_system', units: [province] })

  const created = await app.inject({
    method: 'POST',
    url: '/v1/reports',
    headers: officerB.headers,
    payload: {
      periodCode: '2024-six_month',
      unitCode: wardB,
      sections: [
        { key: 'situation', title: 'Tình hình trẻ em', text: 'Trên địa bàn phường có 54 trẻ em.' },
        { key: 'proposals', title: 'Đề xuất', text: '=HYPERLINK("http://example.invalid","bấm vào đây")' },
      ],
    },
  })
  t.equal(created.statusCode, 201)
  const report = created.json<{ id: string }>()
  t.equal(
    (await app.inject({ method: 'POST', url: `/v1/reports/${report.id}/submit`, headers: officerB.headers }))
      .statusCode,
    200,
  )

  const compare = (t: Test, formats: Awaited<ReturnType<typeof threeFormats>>) => {
    const fromJson = formats.document.rows.map((row) => figureColumns.map((column) => asText(row[column] ?? null)))
    const fromCsv = formats.csvRows.map((row) => figurePositions.map((index) => row[index] ?? ''))
    const fromXlsx = formats.xlsxRows.map((row) => figurePositions.map((index) => row[index] ?? ''))
    t.ok(fromJson.length > 10, `${fromJson.length} rows`)
    t.same(fromCsv, fromJson, 'CSV carries the JSON figures')
    t.same(fromXlsx, fromJson, 'XLSX carries the JSON figures')
    t.same(formats.csvRows, formats.xlsxRows, 'CSV and XLSX carry the same table')
  }

  t.test('a ward report', async (t) => {
    const formats = await threeFormats(app, officerB, `/v1/reports/${report.id}/export`)
    compare(t, formats)
    t.match(formats.xlsx.headers['content-type'], /spreadsheetml/)
    t.match(formats.xlsx.headers['content-disposition'], /attachment; filename="report-00304-2024-six_month.xlsx"/)
    t.match(formats.csv.headers['content-type'], /text\/csv/)
    t.equal(formats.document.title, 'Báo cáo kết quả công tác trẻ em 6 tháng đầu năm 2024')
    const cared = formats.document.rows.find(
      (row) => row.indicatorCode === 'SC_CHILDREN_CARED_PCT' && row.breakdown === '',
    )!
    t.match(cared, { unitCode: wardB, numerator: 4, denominator: 4, value: 100, target: '≥ 90%', met: true })
    const text: string[] = []
    formats.sheet.eachRow((row) => row.eachCell((cell) => text.push(xlsxText(cell.value))))
    for (const expected of [
      'CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM',
      'UBND',
      'BÁO CÁO KẾT QUẢ CÔNG TÁC TRẺ EM 6 THÁNG ĐẦU NĂM 2024',
      'PHƯỜNG VĨNH HƯNG',
      'Trên địa bàn phường có 54 trẻ em.',
      'NGƯỜI LẬP BÁO CÁO',
      '(Ký tên, đóng dấu)',
      'Hoàng Mai, ngày 20 tháng 6 năm 2024',
    ]) {
      t.ok(
        text.some((value) => value.includes(expected)),
        `the sheet reads "${expected}"`,
      )
    }
    t.ok(
      text.includes(`'=HYPERLINK("http://example.invalid","bấm vào đây")`),
      'a narrative that looks like a formula is neutralised',
    )
    formats.sheet.eachRow((row) => row.eachCell((cell) => t.not(cell.type, ExcelJS.ValueType.Formula)))
    t.match(
      formats.sheet.pageSetup,
      { orientation: 'landscape', paperSize: 9, fitToWidth: 1 },
      'A4 landscape, one page wide',
    )
    t.equal(formats.csv.body.charCodeAt(0), 0xfeff, 'CSV opens in Excel with Vietnamese intact')
  })

  t.test('the indicator table, for an officer and for a city system', async (t) => {
    const forOfficer = await threeFormats(
      app,
      district,
      '/v1/indicators/values/export?year=2024&unit=008&breakdown=sex',
    )
    compare(t, forOfficer)
    t.match(forOfficer.document, { unit: { code: '008', nameVi: 'Quận Hoàng Mai' }, asOf: '2024-06-20' })
    t.notOk(
      forOfficer.csvRows.some((row) => row.includes('x')),
      'officers see every figure',
    )
    const forCity = await threeFormats(app, city, '/v1/indicators/values/export?year=2024&unit=008&breakdown=sex')
    compare(t, forCity)
    const deaths = forCity.document.rows.find(
      (row) => row.indicatorCode === 'INJURY_DEATHS' && row.unitCode === '008' && row.breakdown === '',
    )!
    t.same(deaths.numerator, { suppressed: true })
    t.equal(forCity.csvRows.find((row) => row[0] === 'INJURY_DEATHS' && row[2] === '008' && row[4] === '')![5], 'x')
    let legend = false
    forCity.sheet.eachRow((row) =>
      row.eachCell((cell) => (legend ||= xlsxText(cell.value).startsWith('x: số liệu từ 1 đến 4'))),
    )
    t.ok(legend, 'the XLSX explains the mark')
  })

  t.test('exports are for those who may read the figures', async (t) => {
    const collaborator = await accountFor(ctx, { role: 'collaborator', units: [wardB] })
    t.equal(
      (
        await app.inject({
          url: '/v1/indicators/values/export?year=2024&unit=00304&format=csv',
          headers: collaborator.headers,
        })
      ).statusCode,
      403,
    )
    t.equal(
      (await app.inject({ url: `/v1/reports/${report.id}/export?format=pdf`, headers: officerB.headers })).statusCode,
      400,
    )
    const officerA = await accountFor(ctx, { role: 'ward_officer', units: ['00301'] })
    t.equal(
      (await app.inject({ url: `/v1/reports/${report.id}/export?format=csv`, headers: officerA.headers })).statusCode,
      404,
    )
  })
})
