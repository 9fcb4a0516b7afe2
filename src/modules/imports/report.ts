/** What an import says about itself: its counters and progress, the rows with problems, errors.csv. */
import type { Readable } from 'node:stream'
import type { Executor } from '../../db/client.js'
import { csvStream, type CellValue } from '../../platform/export.js'
import { toPage } from '../../platform/pagination.js'
import { headerRow, rejectedRows, rowsWithProblems, type ImportRecord, type ImportRowRecord } from './repository.js'
import { errorCellText, errorColumn, headerKey, percentDone, type RowProblem } from './rules.js'
import { columnsOf, headerColumnsKey } from './service.js'

/** The file's columns in order, [key, header as written]; for NDJSON the registry's keys. */
export interface FileColumns {
  columns: [string, string][]
  headerRowNumber: number | null
  language: 'vi' | 'en'
}

export async function fileColumns(db: Executor, record: ImportRecord): Promise<FileColumns> {
  const definitions = columnsOf(record.kind)
  const header = record.format === 'ndjson' ? undefined : await headerRow(db, record.id, headerColumnsKey)
  if (!header) return { columns: definitions.map((d) => [d.key, d.en]), headerRowNumber: null, language: 'en' }
  const columns = JSON.parse(header.data[headerColumnsKey] ?? '[]') as [string, string][]
  const vietnamese = columns.some(([key, written]) => {
    const definition = definitions.find((d) => d.key === key)
    return definition !== undefined && headerKey(written) === headerKey(definition.vi)
  })
  return { columns, headerRowNumber: header.rowNumber, language: vietnamese ? 'vi' : 'en' }
}

function problemView(problem: RowProblem, headers: ReadonlyMap<string, string>, fields: ReadonlySet<string>) {
  const field = problem.column !== null && fields.has(problem.column) ? problem.column : null
  return {
    column: problem.column === null ? null : (headers.get(problem.column) ?? problem.column),
    field,
    code: problem.code,
    message: problem.message,
    severity: problem.severity,
  }
}

function rowView(
  row: ImportRowRecord,
  headers: ReadonlyMap<string, string>,
  fields: ReadonlySet<string>,
  headerRowNumber: number | null,
) {
  return {
    row: row.rowNumber,
    outcome: row.rowNumber === headerRowNumber ? null : row.outcome,
    recordId: row.recordId,
    problems: (row.problems ?? []).map((problem) => problemView(problem, headers, fields)),
  }
}

/** A page of the rows with problems, in file order. */
export async function problemPage(
  db: Executor,
  record: ImportRecord,
  columns: FileColumns,
  afterRow: number,
  limit: number,
) {
  const rows = await rowsWithProblems(db, record.id, afterRow, limit + 1)
  const headers = new Map(columns.columns)
  const fields = new Set(columnsOf(record.kind).map((definition) => definition.key))
  const page = toPage(rows, limit, (row) => [row.rowNumber])
  return {
    items: page.items.map((row) => rowView(row, headers, fields, columns.headerRowNumber)),
    nextCursor: page.nextCursor,
  }
}

export async function importView(db: Executor, record: ImportRecord, problemsLimit = 100) {
  const columns = await fileColumns(db, record)
  const problems = await problemPage(db, record, columns, -1, problemsLimit)
  return {
    id: record.id,
    kind: record.kind,
    source: record.source,
    mode: record.mode,
    dryRun: record.dryRun === 1,
    format: record.format,
    fileName: record.fileName,
    state: record.state,
    failure: record.failure ?? null,
    rowsRead: record.rowsRead,
    rowsDone: record.rowsDone,
    percent: record.state === 'completed' ? 100 : percentDone(record.rowsRead, record.rowsDone),
    counts: {
      created: record.created,
      updated: record.updated,
      unchanged: record.unchanged,
      rejected: record.rejected,
      warnings: record.warnings,
    },
    createdAt: record.createdAt.toISOString(),
    startedAt: record.startedAt?.toISOString() ?? null,
    finishedAt: record.finishedAt?.toISOString() ?? null,
    problems: problems.items,
    problemsNextCursor: problems.nextCursor,
    errorsCsv: `/v1/imports/${record.id}/errors.csv`,
  }
}

/**
 * The rejected rows as CSV, with the file's own headers and an error column, ready to fix and import
 * again (the import skips the error column). Formula-looking cells are neutralised like every export.
 */
export async function errorsCsv(db: Executor, record: ImportRecord): Promise<Readable> {
  const { columns, language } = await fileColumns(db, record)
  const header = [...columns.map(([, written]) => written), language === 'vi' ? errorColumn.vi : errorColumn.en]
  const names = new Map(columns)
  const rows = (async function* (): AsyncGenerator<CellValue[]> {
    let after = -1
    for (;;) {
      const batch = await rejectedRows(db, record.id, after, 1000)
      for (const row of batch) {
        const problems = (row.problems ?? []).map((problem) => ({
          ...problem,
          column: problem.column === null ? null : (names.get(problem.column) ?? problem.column),
        }))
        yield [...columns.map(([key]) => row.data[key] ?? ''), errorCellText(row.rowNumber, problems)]
      }
      const last = batch[batch.length - 1]
      if (!last || batch.length < 1000) return
      after = last.rowNumber
    }
  })()
  return csvStream(header, rows)
}
