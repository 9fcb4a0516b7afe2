/**
 * The indicator table as officers file it: one row per unit figure and breakdown cell, the same rows in
 * XLSX (titled, ready to print and sign), CSV and JSON.
 */
import type ExcelJS from 'exceljs'
import type { FastifyReply } from 'fastify'
import { contentTypes, csvStream, loadExcelJs, neutraliseFormula, type PlainCell } from '../../platform/export.js'
import { sexLabels } from '../children/export-values.js'
import { localDateOf } from '../calendar/rules.js'
import type { Dimension } from './measures.js'
import type { IndicatorKind, Target } from './rules.js'
import type { UnitWithWards } from './figures.js'
import type { Count, PublishedFigure, Suppressed } from './publication.js'

const dimensionLabels: Record<Dimension, string> = {
  sex: 'Giới tính',
  ageGroup: 'Nhóm tuổi',
  groupCode: 'Nhóm HCĐB',
  kind: 'Loại vụ việc',
  setting: 'Môi trường xâm hại',
  urgency: 'Mức độ khẩn cấp',
  closureReason: 'Lý do kết thúc',
}

const valueLabels: Partial<Record<Dimension, Record<string, string>>> = {
  sex: sexLabels,
  kind: {
    sexual_abuse: 'Xâm hại tình dục',
    violence: 'Bạo lực',
    exploitation: 'Bóc lột',
    child_labour: 'Lao động trái quy định',
    trafficking: 'Mua bán',
    abandonment: 'Bỏ rơi',
    neglect: 'Bỏ mặc',
    injury_accident: 'Tai nạn thương tích',
    drowning: 'Đuối nước',
    other_rights_violation: 'Vi phạm quyền trẻ em khác',
    other_harm: 'Hình thức gây tổn hại khác',
  },
  setting: {
    family: 'Gia đình',
    school: 'Trường học',
    community: 'Cộng đồng',
    online: 'Môi trường mạng',
    other: 'Nơi khác',
  },
  urgency: {
    emergency: 'Khẩn cấp',
    urgent: 'Cấp bách',
    routine: 'Thông thường',
  },
  closureReason: {
    goals_met: 'Đạt mục tiêu kế hoạch',
    moved_away: 'Chuyển nơi cư trú',
    transferred: 'Chuyển giao cơ quan khác',
    turned_16: 'Trẻ đủ 16 tuổi',
    death: 'Trẻ tử vong',
    not_a_protection_case: 'Không phải trường hợp cần bảo vệ',
    other: 'Lý do khác',
  },
}

function valueLabel(dimension: string, value: string): string {
  if (value === 'unknown') return 'Không rõ'
  if (dimension === 'ageGroup') return `${value} tuổi`
  if (dimension === 'groupCode') return `nhóm ${value}`
  return valueLabels[dimension as Dimension]?.[value] ?? value
}

function breakdownLabel(key: Record<string, string>): string {
  return Object.entries(key)
    .map(
      ([dimension, value]) =>
        `${dimensionLabels[dimension as Dimension] ?? dimension}: ${valueLabel(dimension, value)}`,
    )
    .join('; ')
}

const comparatorSigns: Record<Target['comparator'], string> = { '>=': '≥', '<=': '≤', '=': '=', '<': '<', '>': '>' }

function targetLabel(target: Target | null): string {
  if (target === null) return ''
  const unit = target.unit === 'percent' ? '%' : target.unit === 'wards' ? ' phường' : ''
  return `${comparatorSigns[target.comparator]} ${target.value}${unit}`
}

export interface ExportRow {
  indicatorCode: string
  indicatorName: string
  unitCode: string
  unitName: string
  breakdown: string
  numerator: Count | null
  denominator: Count | null
  value: number | Suppressed | null
  target: string
  met: boolean | null
}

export interface ExportIndicator {
  code: string
  nameVi: string
  kind: IndicatorKind
  target: Target | null
  values: PublishedFigure[]
}

/** Each unit's figure, followed by its breakdown cells, indicator by indicator. */
export function exportRows(
  indicators: readonly ExportIndicator[],
  unitNames: ReadonlyMap<string, string>,
): ExportRow[] {
  const rows: ExportRow[] = []
  for (const indicator of indicators) {
    const base = {
      indicatorCode: indicator.code,
      indicatorName: indicator.nameVi,
      target: targetLabel(indicator.target),
    }
    for (const figure of indicator.values) {
      const unit = { unitCode: figure.unitCode, unitName: unitNames.get(figure.unitCode) ?? figure.unitCode }
      rows.push({
        ...base,
        ...unit,
        breakdown: '',
        numerator: figure.numerator,
        denominator: figure.denominator,
        value: figure.value,
        met: figure.met,
      })
      for (const breakdown of figure.breakdowns) {
        for (const cell of breakdown.cells) {
          rows.push({
            ...base,
            ...unit,
            breakdown: breakdownLabel(cell.key),
            numerator: cell.numerator,
            denominator: cell.denominator,
            value: cell.value,
            target: '',
            met: null,
          })
        }
      }
    }
  }
  return rows
}

/** How a withheld count reads in a spreadsheet (the statistics offices' mark for a confidential cell). */
const withheldMark = 'x'

const exportColumns: { key: keyof ExportRow; header: string; width: number }[] = [
  { key: 'indicatorCode', header: 'Mã chỉ tiêu', width: 16 },
  { key: 'indicatorName', header: 'Tên chỉ tiêu', width: 48 },
  { key: 'unitCode', header: 'Mã đơn vị', width: 10 },
  { key: 'unitName', header: 'Đơn vị', width: 22 },
  { key: 'breakdown', header: 'Phân tổ', width: 30 },
  { key: 'numerator', header: 'Số lượng / Tử số', width: 12 },
  { key: 'denominator', header: 'Mẫu số', width: 10 },
  { key: 'value', header: 'Giá trị', width: 10 },
  { key: 'target', header: 'Chỉ tiêu kế hoạch', width: 14 },
  { key: 'met', header: 'Đánh giá', width: 12 },
]

/** A row's cells for CSV and XLSX: numbers stay numbers; withheld counts read 'x'; met reads Đạt / Không đạt. */
function rowCells(row: ExportRow): PlainCell[] {
  return exportColumns.map(({ key }) => {
    const value = row[key]
    if (value === null) return null
    if (typeof value === 'object') return withheldMark
    if (key === 'met') return value ? 'Đạt' : 'Không đạt'
    return value
  })
}

interface PrintableDocument {
  /** The two lines above the unit on the left: the superior body and the issuing unit. */
  superior: string
  issuer: string
  title: string
  lines: string[]
  sections: { title: string; text: string }[]
  rows: ExportRow[]
  /** Place and local date of signing, e.g. "Hoàng Mai" and 2024-05-15. */
  place: string
  date: string
  signerTitle: string
}

const thin: Partial<ExcelJS.Borders> = {
  top: { style: 'thin' },
  left: { style: 'thin' },
  bottom: { style: 'thin' },
  right: { style: 'thin' },
}

/** One A4 landscape sheet: letterhead, title, narrative, the table, and the signature block. */
async function printableWorkbook(document: PrintableDocument): Promise<Buffer> {
  const { default: excel } = await loadExcelJs()
  const workbook = new excel.Workbook()
  workbook.creator = 'Hệ thống thông tin bảo vệ trẻ em'
  const sheet = workbook.addWorksheet('Báo cáo', {
    pageSetup: {
      paperSize: 9,
      orientation: 'landscape',
      fitToPage: true,
      fitToWidth: 1,
      fitToHeight: 0,
      margins: { left: 0.5, right: 0.5, top: 0.6, bottom: 0.6, header: 0.3, footer: 0.3 },
    },
    headerFooter: { oddFooter: 'Trang &P / &N' },
  })
  const lastColumn = exportColumns.length
  sheet.columns = exportColumns.map((column) => ({ width: column.width }))
  const line = (row: number, from: number, to: number, text: string, font: Partial<ExcelJS.Font>, height?: number) => {
    sheet.mergeCells(row, from, row, to)
    const cell = sheet.getCell(row, from)
    cell.value = neutraliseFormula(text)
    cell.font = font
    cell.alignment = { horizontal: 'center', vertical: 'middle', wrapText: true }
    if (height) sheet.getRow(row).height = height
  }
  const middle = Math.floor(lastColumn / 2)
  line(1, 1, middle, document.superior.toUpperCase(), {})
  line(1, middle + 1, lastColumn, 'CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM', { bold: true })
  line(2, 1, middle, document.issuer.toUpperCase(), { bold: true })
  line(2, middle + 1, lastColumn, 'Độc lập - Tự do - Hạnh phúc', { bold: true, underline: true })
  line(4, 1, lastColumn, document.title.toUpperCase(), { bold: true, size: 14 }, 24)
  let row = 5
  for (const text of document.lines) line(row++, 1, lastColumn, text, { italic: true })
  row++
  for (const section of document.sections) {
    sheet.mergeCells(row, 1, row, lastColumn)
    sheet.getCell(row, 1).value = neutraliseFormula(section.title)
    sheet.getCell(row, 1).font = { bold: true }
    row++
    sheet.mergeCells(row, 1, row, lastColumn)
    const cell = sheet.getCell(row, 1)
    cell.value = neutraliseFormula(section.text)
    cell.alignment = { wrapText: true, vertical: 'top' }
    // Excel does not grow merged cells to fit their text; about 160 characters fit on a line of this width.
    sheet.getRow(row).height =
      Math.max(1, Math.ceil(section.text.length / 160) + (section.text.match(/\n/g)?.length ?? 0)) * 15
    row += 2
  }
  const headerRow = row
  exportColumns.forEach((column, index) => {
    const cell = sheet.getCell(headerRow, index + 1)
    cell.value = column.header
    cell.font = { bold: true }
    cell.border = thin
    cell.alignment = { horizontal: 'center', vertical: 'middle', wrapText: true }
    cell.fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFE7E6E6' } }
  })
  sheet.pageSetup.printTitlesRow = `${headerRow}:${headerRow}`
  row++
  let withheld = false
  for (const data of document.rows) {
    const cells = rowCells(data)
    cells.forEach((value, index) => {
      const cell = sheet.getCell(row, index + 1)
      cell.value = typeof value === 'string' ? neutraliseFormula(value) : (value ?? null)
      cell.border = thin
      cell.alignment = {
        vertical: 'top',
        wrapText: true,
        horizontal: typeof value === 'number' || value === withheldMark ? 'right' : 'left',
      }
      if (value === withheldMark) withheld = true
    })
    if (data.breakdown === '') sheet.getRow(row).font = { bold: true }
    row++
  }
  if (withheld) {
    sheet.mergeCells(row, 1, row, lastColumn)
    sheet.getCell(row, 1).value =
      `${withheldMark}: số liệu từ 1 đến 4 (hoặc số liệu có thể suy ra chúng) được ẩn để bảo vệ thông tin cá nhân của trẻ em.`
    sheet.getCell(row, 1).font = { italic: true, size: 9 }
    row++
  }
  row++
  const [year, month, day] = document.date.split('-')
  line(row++, middle + 1, lastColumn, `${document.place}, ngày ${Number(day)} tháng ${Number(month)} năm ${year}`, {
    italic: true,
  })
  line(row, 1, middle, 'NGƯỜI LẬP BÁO CÁO', { bold: true })
  line(row++, middle + 1, lastColumn, document.signerTitle.toUpperCase(), { bold: true })
  line(row, 1, middle, '(Ký, ghi rõ họ tên)', { italic: true })
  line(row++, middle + 1, lastColumn, '(Ký tên, đóng dấu)', { italic: true })
  return Buffer.from(await workbook.xlsx.writeBuffer())
}

/** A unit name without its level word, as Vietnamese documents write a place: "Quận Hoàng Mai" → "Hoàng Mai". */
function placeName(name: string): string {
  return name.replace(/^(Quận|Huyện|Thị xã|Thành phố|Phường|Xã|Thị trấn)\s+/u, '')
}

/** Where a unit's documents are signed: a ward signs in its district's name, a district or city in its own. */
export function placeOf(target: Pick<UnitWithWards, 'unit' | 'superior'>): string {
  return placeName(target.unit.level === 'ward' && target.superior ? target.superior.nameVi : target.unit.nameVi)
}

export function displayDate(date: string): string {
  const [year, month, day] = date.split('-')
  return `${day}/${month}/${year}`
}

/** Sends export rows as XLSX (with its print layout), CSV or JSON. */
export async function sendExport(
  reply: FastifyReply,
  format: 'xlsx' | 'csv' | 'json',
  document: {
    fileName: string
    title: string
    unit: { code: string; nameVi: string }
    superior: string
    place: string
    period: string
    windowFrom: string
    asOf: string
    generatedAt: Date
    sections: { title: string; text: string }[]
    rows: ExportRow[]
  },
) {
  reply
    .header('content-disposition', `attachment; filename="${document.fileName}.${format}"`)
    .header('cache-control', 'no-store')
  if (format === 'json') {
    return reply.header('content-type', 'application/json; charset=utf-8').send({
      title: document.title,
      unit: document.unit,
      period: document.period,
      windowFrom: document.windowFrom,
      asOf: document.asOf,
      generatedAt: document.generatedAt.toISOString(),
      rows: document.rows,
    })
  }
  if (format === 'csv') {
    const rows = (async function* () {
      for (const row of document.rows) yield rowCells(row)
    })()
    return reply.header('content-type', contentTypes.csv).send(
      csvStream(
        exportColumns.map((column) => column.header),
        rows,
      ),
    )
  }
  const workbook = await printableWorkbook({
    // Letterheads name the People's Committee of each unit: "UBND QUẬN HOÀNG MAI" over "UBND PHƯỜNG VĨNH HƯNG".
    superior: `UBND ${document.superior}`,
    issuer: `UBND ${document.unit.nameVi}`,
    title: document.title,
    lines: [
      document.period,
      `Số liệu từ ngày ${displayDate(document.windowFrom)} đến ngày ${displayDate(document.asOf)}`,
    ],
    sections: document.sections,
    rows: document.rows,
    place: document.place,
    date: localDateOf(document.generatedAt),
    signerTitle: 'TM. Ủy ban nhân dân - Chủ tịch',
  })
  return reply.header('content-type', contentTypes.xlsx).send(workbook)
}
