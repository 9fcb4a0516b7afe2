import { PassThrough, Readable } from 'node:stream'

/**
 * A cell a spreadsheet would run as a formula (=, +, -, @, or a leading tab/CR) is prefixed with a
 * quote, so that exported data can never execute in the officer's Excel (CSV/formula injection).
 */
export function neutraliseFormula(value: string): string {
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value
}

export type CellValue = string | number | boolean | null | undefined

function cellText(value: CellValue): string {
  if (value === null || value === undefined) return ''
  return neutraliseFormula(String(value))
}

function csvLine(values: readonly CellValue[]): string {
  return `${values
    .map((value) => {
      const text = cellText(value)
      return /[",\r\n;]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text
    })
    .join(',')}\r\n`
}

/** CSV as a stream: UTF-8 with a byte-order mark (Excel opens Vietnamese correctly), CRLF lines. */
export function csvStream(headers: readonly string[], rows: AsyncIterable<readonly CellValue[]>): Readable {
  return Readable.from(
    (async function* () {
      yield `\uFEFF${csvLine(headers)}`
      for await (const row of rows) yield csvLine(row)
    })(),
  )
}

/**
 * exceljs, loaded when a workbook is first written: it takes most of a second to load, which every start of
 * the service and every process that never writes a workbook would otherwise pay.
 */
export const loadExcelJs = () => import('exceljs')

/** XLSX written row by row to a stream, so memory stays flat however many rows there are. */
export function xlsxStream(
  sheetName: string,
  headers: readonly string[],
  rows: AsyncIterable<readonly CellValue[]>,
): Readable {
  const output = new PassThrough()
  void (async () => {
    try {
      const { default: ExcelJS } = await loadExcelJs()
      const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({
        stream: output,
        useStyles: true,
        useSharedStrings: false,
      })
      const sheet = workbook.addWorksheet(sheetName)
      const header = sheet.addRow([...headers])
      header.font = { bold: true }
      header.commit()
      for await (const row of rows) {
        sheet
          .addRow(row.map((value) => (typeof value === 'string' ? neutraliseFormula(value) : (value ?? null))))
          .commit()
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
