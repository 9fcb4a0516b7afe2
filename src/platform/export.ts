import { PassThrough, Readable } from 'node:stream'

/**
 * A cell a spreadsheet would run as a formula (=, +, -, @, or a leading tab/CR) is prefixed with a
 * quote, so that exported data can never execute in the officer's Excel (CSV/formula injection).
 */
export function neutraliseFormula(value: string): string {
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value
}

/** A calendar date (ISO yyyy-mm-dd): a date cell in a workbook, dd/mm/yyyy or ISO text in CSV. */
interface DateCell {
  date: string
}

/** A cell that is written as it is. */
export type PlainCell = string | number | boolean | null | undefined

export type CellValue = PlainCell | DateCell

/** How dates are written: as Vietnamese officers write them, or ISO for machines. */
export type DateStyle = 'dd/mm/yyyy' | 'iso'

function isDateCell(value: CellValue): value is DateCell {
  return typeof value === 'object' && value !== null && typeof (value as Partial<DateCell>).date === 'string'
}

function dateText(iso: string, style: DateStyle): string {
  if (style === 'iso') return iso
  const [year, month, day] = iso.split('-')
  return `${day}/${month}/${year}`
}

function cellText(value: CellValue, dates: DateStyle): string {
  if (value === null || value === undefined) return ''
  if (isDateCell(value)) return dateText(value.date, dates)
  return neutraliseFormula(String(value))
}

function csvLine(values: readonly CellValue[], dates: DateStyle): string {
  return `${values
    .map((value) => {
      const text = cellText(value, dates)
      return /[",\r\n;]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text
    })
    .join(',')}\r\n`
}

/** CSV as a stream: UTF-8 with a byte-order mark (Excel opens Vietnamese correctly), CRLF lines. */
export function csvStream(
  headers: readonly string[],
  rows: AsyncIterable<readonly CellValue[]>,
  dates: DateStyle = 'iso',
): Readable {
  return Readable.from(
    (async function* () {
      yield `\uFEFF${csvLine(headers, dates)}`
      for await (const row of rows) yield csvLine(row, dates)
    })(),
  )
}

/**
 * exceljs, loaded when a workbook is first written: it takes most of a second to load, which every start of
 * the service and every process that never writes a workbook would otherwise pay.
 */
export const loadExcelJs = () => import('exceljs')

/** How a sheet is laid out for the person who opens it. */
export interface SheetLayout {
  /** Each column's width, in characters. */
  widths?: readonly number[]
  dates?: DateStyle
}

/**
 * XLSX written row by row to a stream, so memory stays flat however many rows there are. The header row
 * stays in view (frozen) and carries a filter; dates are date cells shown as `layout.dates` writes them.
 */
export function xlsxStream(
  sheetName: string,
  headers: readonly string[],
  rows: AsyncIterable<readonly CellValue[]>,
  layout: SheetLayout = {},
): Readable {
  const output = new PassThrough()
  const dateFormat = layout.dates === 'dd/mm/yyyy' ? 'dd/mm/yyyy' : 'yyyy-mm-dd'
  void (async () => {
    try {
      const { default: ExcelJS } = await loadExcelJs()
      const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({
        stream: output,
        useStyles: true,
        useSharedStrings: false,
      })
      const sheet = workbook.addWorksheet(sheetName, { views: [{ state: 'frozen', ySplit: 1 }] })
      sheet.columns = headers.map((_, index) => ({ width: layout.widths?.[index] ?? 14 }))
      sheet.autoFilter = { from: { row: 1, column: 1 }, to: { row: 1, column: Math.max(1, headers.length) } }
      const header = sheet.addRow([...headers])
      header.font = { bold: true }
      header.commit()
      for await (const row of rows) {
        const added = sheet.addRow(
          row.map((value) => {
            if (typeof value === 'string') return neutraliseFormula(value)
            if (isDateCell(value)) return new Date(`${value.date}T00:00:00Z`)
            return value ?? null
          }),
        )
        row.forEach((value, index) => {
          if (isDateCell(value)) added.getCell(index + 1).numFmt = dateFormat
        })
        added.commit()
      }
      sheet.commit()
      await workbook.commit()
    } catch (error) {
      output.destroy(error as Error)
    }
  })()
  return output
}

export const contentTypes = {
  csv: 'text/csv; charset=utf-8',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
} as const
