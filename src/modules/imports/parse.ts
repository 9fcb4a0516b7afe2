/**
 * Reads an uploaded file row by row, whatever its format, into cells keyed by the registry's column
 * keys. Streaming throughout: a million-row file never sits in memory. A problem with the file as a
 * whole (encoding, binary content, broken quoting, missing columns) is an ImportFileError; a problem
 * with one row travels with the row.
 */
import { createReadStream } from 'node:fs'
import { Readable } from 'node:stream'
import { parse as parseCsv, type CsvError } from 'csv-parse'
import type { ColumnDefinition } from '../children/columns.js'
import { textFault, textFaultMessages } from '../../platform/text.js'
import { openWorkbook, WorkbookError } from './xlsx.js'
import {
  headerKey,
  mapHeader,
  missingColumns,
  rowError,
  type HeaderMapping,
  type ImportFormat,
  type ImportKind,
  type RowProblem,
} from './rules.js'

/**
 * A problem with the file as a whole: nothing of it is imported. `cause` keeps a library's own error
 * for the log, which records its class and code only (its message may quote the file).
 */
export class ImportFileError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly details: { line?: number; columns?: string[] } = {},
    options?: { cause?: unknown },
  ) {
    super(message, options)
    this.name = 'ImportFileError'
  }
}

/** What the log may say of a refused file: codes and classes, never content. */
export function describeFileError(error: ImportFileError): {
  code: string
  line?: number
  causeClass?: string
  causeCode?: string
} {
  const cause = error.cause as { name?: unknown; code?: unknown; constructor?: { name?: string } } | undefined
  return {
    code: error.code,
    ...(error.details.line !== undefined ? { line: error.details.line } : {}),
    ...(cause ? { causeClass: cause.constructor?.name ?? String(cause.name) } : {}),
    ...(typeof cause?.code === 'string' ? { causeCode: cause.code } : {}),
  }
}

/** Where a file is read from: the spooled upload or the command line's file, or bytes in memory. */
export type ImportSource = { path: string } | { content: Buffer }

function byteStream(source: ImportSource): Readable {
  return 'path' in source ? createReadStream(source.path) : Readable.from([source.content])
}

export interface ParsedRow {
  /** The row as the officer sees it: the spreadsheet row, or the line of a CSV or NDJSON file. */
  rowNumber: number
  cells: Record<string, string>
  /** Problems found while reading the row itself (e.g. a CSV row with too many cells). */
  problems?: RowProblem[]
}

export interface OpenedFile {
  /** Null for NDJSON, whose every line names its own fields. */
  header: HeaderMapping | null
  headerRowNumber: number
  rows: AsyncIterable<ParsedRow>
  /** Stops reading (and releases the input) when the caller gives up early. */
  close(): void
}

/** A CSV row (a quoted cell included) longer than this is a quote left open, not data. */
const maxRecordBytes = 128 * 1024
/** Control characters that never occur in text: a sign of a binary file sent as text. */
const binaryCharacters = /[\u0000-\u0008\u000B\u000C\u000E-\u001F]/
const zipSignature = Buffer.from([0x50, 0x4b, 0x03, 0x04])

function countLines(text: string): number {
  let lines = 0
  for (let index = text.indexOf('\n'); index !== -1; index = text.indexOf('\n', index + 1)) lines++
  return lines
}

/**
 * Bytes to text, refusing what is not UTF-8 text: another encoding (Windows-1258, TCVN3, UTF-16) or a
 * binary file. The byte-order mark, when there is one, is dropped.
 */
async function* utf8Text(input: AsyncIterable<Buffer | string>): AsyncGenerator<string> {
  const decoder = new TextDecoder('utf-8', { fatal: true })
  let line = 1
  let first = true
  for await (const raw of input) {
    const chunk = typeof raw === 'string' ? Buffer.from(raw) : raw
    if (first && chunk.length > 0) {
      first = false
      if (chunk.subarray(0, 4).equals(zipSignature)) {
        throw new ImportFileError(
          'binary_content',
          'The file is a ZIP archive or an XLSX workbook, not text: send XLSX files as XLSX.',
        )
      }
      if ((chunk[0] === 0xff && chunk[1] === 0xfe) || (chunk[0] === 0xfe && chunk[1] === 0xff)) {
        throw new ImportFileError(
          'invalid_encoding',
          'The file is UTF-16 text; save it as UTF-8 (in Excel: "CSV UTF-8 (Comma delimited)").',
          { line: 1 },
        )
      }
    }
    let text: string
    try {
      text = decoder.decode(chunk, { stream: true })
    } catch {
      // Decode again leniently to tell a binary file from text in another encoding, and to find the line.
      const lenient = new TextDecoder('utf-8').decode(chunk)
      if (binaryCharacters.test(lenient)) throw binaryContent(line, lenient)
      throw invalidEncoding(line + countLines(lenient.slice(0, Math.max(0, lenient.indexOf('\uFFFD')))))
    }
    if (binaryCharacters.test(text)) throw binaryContent(line, text)
    line += countLines(text)
    if (text) yield text
  }
  let rest: string
  try {
    rest = decoder.decode()
  } catch {
    throw invalidEncoding(line)
  }
  if (rest) yield rest
}

function binaryContent(line: number, text: string): ImportFileError {
  const at = line + countLines(text.slice(0, text.search(binaryCharacters)))
  return new ImportFileError('binary_content', `The file contains binary data (line ${at}), not text.`, { line: at })
}

function invalidEncoding(line: number): ImportFileError {
  return new ImportFileError(
    'invalid_encoding',
    `The file is not UTF-8 text (from line ${line}); save it as UTF-8 (in Excel: "CSV UTF-8 (Comma delimited)").`,
    { line },
  )
}

/** The delimiter of a CSV file: whichever of comma, semicolon or tab its header line uses most. */
export function detectDelimiter(headerLine: string): ',' | ';' | '\t' {
  const counts = { ',': 0, ';': 0, '\t': 0 }
  let quoted = false
  for (const character of headerLine) {
    if (character === '"') quoted = !quoted
    else if (!quoted && character in counts) counts[character as keyof typeof counts]++
  }
  if (counts[';'] > counts[','] && counts[';'] >= counts['\t']) return ';'
  if (counts['\t'] > counts[','] && counts['\t'] > counts[';']) return '\t'
  return ','
}

/** Reads text until the first line is complete, to choose the delimiter; gives back every chunk. */
async function firstLineAndRest(
  text: AsyncGenerator<string>,
): Promise<{ firstLine: string; chunks: AsyncGenerator<string> }> {
  const buffered: string[] = []
  let joined = ''
  for (;;) {
    const next = await text.next()
    if (next.done) break
    buffered.push(next.value)
    joined += next.value
    if (joined.includes('\n') || joined.length > maxRecordBytes) break
  }
  const firstLine = joined.split('\n', 1)[0] ?? ''
  return {
    firstLine,
    chunks: (async function* () {
      yield* buffered
      yield* text
    })(),
  }
}

function csvFileError(error: CsvError): ImportFileError {
  const line = (error as CsvError & { lines?: number }).lines
  if (error.code === 'CSV_MAX_RECORD_SIZE') {
    return new ImportFileError(
      'broken_quoting',
      `A row from line ${line} runs on for over 128 KiB: a quote is probably left open there.`,
      { line },
    )
  }
  if (/QUOTE/.test(error.code)) {
    return new ImportFileError(
      'broken_quoting',
      `The quoting is broken at line ${line}: a cell that starts with " must end with " (write "" for a quote inside it).`,
      { line },
    )
  }
  return new ImportFileError('malformed_csv', `The CSV cannot be read at line ${line}.`, { line })
}

/**
 * CSV records with the line each starts on. Lines are counted here, from each record's raw text (a
 * quoted cell may span lines), not taken from the parser, which miscounts skipped empty CRLF lines.
 */
async function* csvRecords(input: AsyncIterable<Buffer | string>): AsyncGenerator<{ line: number; cells: string[] }> {
  const { firstLine, chunks } = await firstLineAndRest(utf8Text(input))
  const parser = parseCsv({
    delimiter: detectDelimiter(firstLine),
    relax_column_count: true,
    max_record_size: maxRecordBytes,
    raw: true,
  })
  const source = Readable.from(chunks)
  source.on('error', (error) => parser.destroy(error))
  source.pipe(parser)
  let line = 1
  try {
    for await (const { record, raw } of parser as AsyncIterable<{ record: string[]; raw: string }>) {
      const start = line
      line += 1 + countLines(raw.replace(/(\r\n|\n|\r)$/, ''))
      if (record.every((cell) => cell === '')) continue
      yield { line: start, cells: record }
    }
  } catch (error) {
    if (error instanceof ImportFileError) throw error
    if ((error as CsvError).code?.startsWith('CSV_') || (error as CsvError).code === 'INVALID_OPENING_QUOTE')
      throw csvFileError(error as CsvError)
    throw error
  } finally {
    source.destroy()
  }
}

/** Long enough for any real record; a longer line is not one record of this registry. */
const maxNdjsonLineLength = 128 * 1024

/** What JSON.parse gives. */
type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue }

async function* ndjsonLines(
  input: AsyncIterable<Buffer | string>,
): AsyncGenerator<{ line: number; value: Record<string, JsonValue> }> {
  let pending = ''
  let line = 0
  const parseLine = (text: string, number: number) => {
    if (text.length > maxNdjsonLineLength)
      throw new ImportFileError('invalid_json', `Line ${number} is longer than 128 KiB.`, { line: number })
    let value: unknown
    try {
      value = JSON.parse(text)
    } catch {
      throw new ImportFileError('invalid_json', `Line ${number} is not valid JSON.`, { line: number })
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw new ImportFileError('invalid_json', `Line ${number} is not a JSON object.`, { line: number })
    }
    return value as Record<string, JsonValue>
  }
  for await (const text of utf8Text(input)) {
    pending += text
    if (pending.length > maxNdjsonLineLength && !pending.includes('\n')) parseLine(pending, line + 1)
    const lines = pending.split('\n')
    pending = lines.pop() ?? ''
    for (const raw of lines) {
      line++
      const trimmed = raw.trim()
      if (trimmed) yield { line, value: parseLine(trimmed, line) }
    }
  }
  line++
  if (pending.trim()) yield { line, value: parseLine(pending.trim(), line) }
}

function jsonCellText(value: JsonValue): string {
  if (value === null || value === undefined) return ''
  if (Array.isArray(value)) return value.map(jsonCellText).join(' ')
  if (typeof value === 'object') return JSON.stringify(value)
  return String(value)
}

/**
 * A cell that is not text (a NUL, half of a surrogate pair: JSON can carry both) is emptied, so the
 * row can be kept for its report, and rejects the row with its own problem.
 */
function withTextChecked(row: ParsedRow): ParsedRow {
  let problems = row.problems
  for (const [key, value] of Object.entries(row.cells)) {
    const fault = textFault(value)
    if (!fault) continue
    row.cells[key] = ''
    problems = [...(problems ?? []), rowError(key, fault, textFaultMessages[fault])]
  }
  return problems ? { ...row, problems } : row
}

function checkHeader(
  kind: ImportKind,
  header: HeaderMapping,
  definitions: readonly ColumnDefinition[],
  line: number,
): void {
  if (header.duplicated.length > 0) {
    throw new ImportFileError(
      'duplicate_columns',
      `These columns appear more than once: ${header.duplicated.join(', ')}.`,
      { line, columns: header.duplicated },
    )
  }
  const missing = missingColumns(kind, new Set(header.columns.map((column) => column.key)), definitions)
  if (missing.length > 0) {
    throw new ImportFileError('missing_columns', `Required columns are missing: ${missing.join('; ')}.`, {
      line,
      columns: missing,
    })
  }
}

function emptyFile(): ImportFileError {
  return new ImportFileError('empty_file', 'The file has no rows to import.')
}

async function workbookRecords(
  source: ImportSource,
): Promise<{ records: AsyncGenerator<{ line: number; cells: string[] }>; close: () => void }> {
  const asFileError = (error: unknown) =>
    error instanceof WorkbookError
      ? new ImportFileError(error.code, error.message, {}, error.cause === undefined ? {} : { cause: error.cause })
      : error
  const workbook = await openWorkbook(source).catch((error: unknown) => {
    throw asFileError(error)
  })
  const records = (async function* () {
    try {
      yield* workbook.rows
    } catch (error) {
      throw asFileError(error)
    }
  })()
  return {
    records,
    close: () => {
      void records.return(undefined)
      workbook.close()
    },
  }
}

/**
 * Opens a file for reading: reads its header (or, for NDJSON, nothing) at once, so that a file without
 * the required columns is refused before anything is stored, and returns the rows to read on.
 */
export async function openImportFile(
  kind: ImportKind,
  format: ImportFormat,
  source: ImportSource,
  definitions: readonly ColumnDefinition[],
): Promise<OpenedFile> {
  if (format === 'ndjson') return openNdjson(byteStream(source), definitions)
  let records: AsyncGenerator<{ line: number; cells: string[] }>
  let close: () => void
  if (format === 'csv') {
    const input = byteStream(source)
    records = csvRecords(input)
    close = () => input.destroy()
  } else {
    ;({ records, close } = await workbookRecords(source))
  }
  const first = await records.next().catch((error: unknown) => {
    close()
    throw error
  })
  if (first.done) {
    close()
    throw emptyFile()
  }
  const header = mapHeader(first.value.cells, definitions)
  try {
    checkHeader(kind, header, definitions, first.value.line)
  } catch (error) {
    close()
    throw error
  }
  const width = first.value.cells.length
  const rows = (async function* (): AsyncGenerator<ParsedRow> {
    let any = false
    for await (const record of records) {
      const cells: Record<string, string> = {}
      header.keys.forEach((key, position) => {
        if (key) cells[key] = record.cells[position] ?? ''
      })
      const problems =
        format === 'csv' && record.cells.length !== width
          ? [
              rowError(
                null,
                'wrong_cell_count',
                `has ${record.cells.length} cells but the header has ${width}: a cell may hold an unquoted comma or semicolon`,
              ),
            ]
          : undefined
      // Spreadsheets often number empty rows (an STT column) far below the data: nothing to import there.
      if (!problems && Object.values(cells).every((cell) => cell.trim() === '')) continue
      any = true
      yield withTextChecked({ rowNumber: record.line, cells, ...(problems ? { problems } : {}) })
    }
    if (!any) throw emptyFile()
  })()
  return { header, headerRowNumber: first.value.line, rows, close }
}

function openNdjson(input: Readable, definitions: readonly ColumnDefinition[]): OpenedFile {
  const keyOf = new Map<string, string>()
  for (const definition of definitions) {
    keyOf.set(headerKey(definition.en), definition.key)
    keyOf.set(headerKey(definition.vi), definition.key)
  }
  const rows = (async function* (): AsyncGenerator<ParsedRow> {
    let any = false
    for await (const { line, value } of ndjsonLines(input)) {
      any = true
      const cells: Record<string, string> = {}
      const problems: RowProblem[] = []
      for (const [name, cell] of Object.entries(value)) {
        const key = keyOf.get(headerKey(name))
        if (key) cells[key] = jsonCellText(cell)
        // The name is shown back in the row's report: a name that is not text is shown with its faults replaced.
        else
          problems.push(
            rowError(
              textFault(name) ? name.replace(/\u0000/g, '\u2400').toWellFormed() : name,
              'unknown_column',
              'is not a field of this registry',
            ),
          )
      }
      yield withTextChecked({ rowNumber: line, cells, ...(problems.length > 0 ? { problems } : {}) })
    }
    if (!any) throw emptyFile()
  })()
  return { header: null, headerRowNumber: 0, rows, close: () => input.destroy() }
}
