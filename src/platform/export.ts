import { PassThrough, Readable } from 'node:stream'
import type { FastifyReply } from 'fastify'

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

/** A cell's value as a workbook holds it: text neutralised, a calendar date as a date at midnight UTC. */
function sheetValue(value: CellValue): string | number | boolean | Date | null {
  if (typeof value === 'string') return neutraliseFormula(value)
  if (isDateCell(value)) return new Date(`${value.date}T00:00:00Z`)
  return value ?? null
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
        const added = sheet.addRow(row.map(sheetValue))
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

/** A line of a printed book: a heading (a household) stands out, the entries under it are indented. */
export interface BookRow {
  heading: boolean
  cells: readonly CellValue[]
}

/** How a book is printed: its title lines above the header, each column's width, the column whose entries are indented. */
export interface BookLayout {
  title: readonly string[]
  widths: readonly number[]
  indentedColumn: number
}

const thinBorder = { style: 'thin' as const }
const cellBorder = { top: thinBorder, left: thinBorder, bottom: thinBorder, right: thinBorder }
const headingFill = { type: 'pattern' as const, pattern: 'solid' as const, fgColor: { argb: 'FFDDEBF7' } }

/**
 * A book as an officer prints it, written row by row to a stream like `xlsxStream`: the title lines
 * merged across the columns, then the header (bold, kept in view, repeated on every printed page),
 * headings bold and shaded, entries indented under them, dates as dd/mm/yyyy; landscape A4, as wide
 * as the page.
 */
export function xlsxBookStream(
  sheetName: string,
  headers: readonly string[],
  rows: AsyncIterable<BookRow>,
  layout: BookLayout,
): Readable {
  const output = new PassThrough()
  // A blank line between the title and the header.
  const headerRow = layout.title.length + 2
  const lastColumn = Math.max(1, headers.length)
  void (async () => {
    try {
      const { default: ExcelJS } = await loadExcelJs()
      const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({
        stream: output,
        useStyles: true,
        useSharedStrings: false,
      })
      const sheet = workbook.addWorksheet(sheetName, {
        views: [{ state: 'frozen', ySplit: headerRow }],
        pageSetup: {
          paperSize: 9,
          orientation: 'landscape',
          fitToPage: true,
          fitToWidth: 1,
          fitToHeight: 0,
          printTitlesRow: `${headerRow}:${headerRow}`,
          horizontalCentered: true,
          margins: { left: 0.4, right: 0.4, top: 0.5, bottom: 0.5, header: 0.3, footer: 0.3 },
        },
      })
      sheet.columns = headers.map((_, index) => ({ width: layout.widths[index] ?? 14 }))
      layout.title.forEach((line, index) => {
        const row = sheet.addRow([neutraliseFormula(line)])
        row.font = { bold: true, size: index === 0 ? 14 : 12 }
        row.alignment = { horizontal: 'center' }
        sheet.mergeCells(index + 1, 1, index + 1, lastColumn)
        row.commit()
      })
      sheet.addRow([]).commit()
      const header = sheet.addRow([...headers])
      header.eachCell((cell) => {
        cell.font = { bold: true }
        cell.alignment = { horizontal: 'center', vertical: 'middle', wrapText: true }
        cell.border = cellBorder
      })
      header.commit()
      for await (const row of rows) {
        const added = sheet.addRow(row.cells.map(sheetValue))
        for (let column = 1; column <= headers.length; column++) {
          const cell = added.getCell(column)
          const value = row.cells[column - 1]
          cell.border = cellBorder
          cell.alignment = {
            vertical: 'top',
            wrapText: true,
            indent: !row.heading && column === layout.indentedColumn ? 2 : 0,
          }
          if (row.heading) {
            cell.font = { bold: true }
            cell.fill = headingFill
          }
          if (value !== undefined && isDateCell(value)) cell.numFmt = 'dd/mm/yyyy'
        }
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
  pdf: 'application/pdf',
} as const

/** The success response of a route that answers a CSV or an XLSX file. */
export function downloadResponse(description: string) {
  return {
    description,
    content: {
      'text/csv': { schema: { type: 'string' } },
      [contentTypes.xlsx]: { schema: { type: 'string', format: 'binary' } },
    },
  }
}

/** Sends a file to save, which no cache on the way keeps (it holds children's records). */
export function sendDownload(
  reply: FastifyReply,
  file: { format: keyof typeof contentTypes; filename: string },
  body: Readable | Buffer,
): FastifyReply {
  return reply
    .header('content-type', contentTypes[file.format])
    .header('content-disposition', `attachment; filename="${file.filename}"`)
    .header('cache-control', 'no-store')
    .send(body)
}
