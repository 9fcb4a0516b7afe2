/**
 * Reads the first sheet of an XLSX workbook row by row, with bounded memory.
 *
 * The archive is opened through its central directory (yauzl), so the parts the sheet depends on (the
 * workbook, its relationships, shared strings and styles) are read first, whatever order the writer
 * stored them in; the sheet itself is then inflated and parsed as a stream. (A single forward pass over
 * the archive, as ExcelJS's streaming reader makes, loses parts when the reader falls behind the
 * unzipper: its end event fires while entries are still buffered, so under load a valid workbook
 * lost its `xl/workbook.xml` and was refused.)
 *
 * Every size is bounded before it is spent: declared sizes are checked against the limits, yauzl
 * verifies that each part inflates to exactly its declared size, and rows, cells and text are counted,
 * so a zip bomb is refused in milliseconds instead of unpacking into gigabytes.
 */
import type { Readable } from 'node:stream'
import { SaxesParser, type SaxesTagPlain } from 'saxes'
import yauzl, { type Entry, type ZipFile } from 'yauzl'

export interface WorkbookLimits {
  /** Parts read whole: the workbook, the relationships, the styles. */
  maxPartBytes: number
  /** The shared-strings table is held in memory while the sheet is read. */
  maxSharedStringsBytes: number
  maxSharedStrings: number
  /** The sheet is streamed; its bound keeps a compressed bomb from costing minutes of parsing. */
  maxSheetBytes: number
  /** No part may unpack to more than this many times its packed size, beyond `expansionFloorBytes`. */
  maxExpansion: number
  expansionFloorBytes: number
  /** Characters between two tags: a cell's text escaped, with room to spare. The parser holds such a run whole. */
  maxTextRun: number
  maxRows: number
  /** Cells beyond this column are ignored when empty and refuse the file when not. */
  maxColumns: number
  maxCellsInRow: number
  maxCellCharacters: number
  /**
   * Characters handed on for all cells together, at most this many times the archive's size (beyond
   * `expansionFloorBytes`) and never more than `maxTextOutputCharacters`: a shared string is stored
   * once and may be referenced by every cell, so this, not the parts' sizes, bounds what a small file
   * can make the import store.
   */
  maxTextOutputExpansion: number
  maxTextOutputCharacters: number
  maxEntries: number
}

const MiB = 1024 * 1024

/**
 * Excel's own limits where it has them (rows, cells in a row, characters in a cell); the rest keep a
 * 5 MB file, however it was made, within 200 MB of memory (measured in test/modules/imports/xlsx.test.ts).
 * Real sheets unpack to 5–10 times their packed size; 40 leaves room for heavily formatted ones.
 */
export const defaultWorkbookLimits: WorkbookLimits = {
  maxPartBytes: 16 * MiB,
  maxSharedStringsBytes: 48 * MiB,
  maxSharedStrings: 1_048_576,
  maxSheetBytes: 2048 * MiB,
  maxExpansion: 40,
  expansionFloorBytes: 16 * MiB,
  maxTextRun: 1 * MiB,
  maxRows: 1_048_576,
  maxColumns: 1024,
  maxCellsInRow: 16_384,
  maxCellCharacters: 32_767,
  maxTextOutputExpansion: 20,
  maxTextOutputCharacters: 256 * MiB,
  maxEntries: 10_000,
}

/** Why a workbook cannot be read. `cause` is the library's error, kept for the log (its class and code only). */
export class WorkbookError extends Error {
  constructor(
    readonly code: 'unreadable_file' | 'workbook_too_large',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options)
    this.name = 'WorkbookError'
  }
}

function unreadable(reason: string, cause?: unknown): WorkbookError {
  return new WorkbookError('unreadable_file', `The file is not a readable XLSX workbook: ${reason}.`, { cause })
}

function tooLarge(what: string): WorkbookError {
  return new WorkbookError(
    'workbook_too_large',
    `The workbook is too large to import: ${what}. Split it, or save it as CSV UTF-8.`,
  )
}

export interface WorkbookRow {
  /** The row number the spreadsheet shows. */
  line: number
  cells: string[]
}

export type WorkbookSource = { path: string } | { content: Buffer }

export interface OpenedWorkbook {
  rows: AsyncGenerator<WorkbookRow>
  close(): void
}

function openZip(source: WorkbookSource): Promise<ZipFile> {
  const options = {
    lazyEntries: true,
    autoClose: false,
    validateEntrySizes: true,
    strictFileNames: false,
    decodeStrings: true,
  }
  return 'path' in source ? yauzl.openPromise(source.path, options) : yauzl.fromBufferPromise(source.content, options)
}

async function listEntries(zip: ZipFile, limits: WorkbookLimits): Promise<Map<string, Entry>> {
  if (zip.entryCount > limits.maxEntries) throw tooLarge(`it holds ${zip.entryCount} parts`)
  const entries = new Map<string, Entry>()
  // Part names compare case-insensitively (ECMA-376 Part 2, §6.2.2.3).
  for await (const entry of zip.eachEntry()) entries.set(partKey(entry.fileName), entry)
  return entries
}

/**
 * Inflated text of a part, counted as it arrives. The part's declared size is checked before anything
 * is inflated, and yauzl stops a part that inflates past its declared size; the run of characters
 * between two tags is bounded too, since the XML parser holds each such run in memory whole.
 */
async function* partText(
  zip: ZipFile,
  entry: Entry,
  cap: number,
  what: string,
  limits: WorkbookLimits,
): AsyncGenerator<string> {
  const maxBytes = Math.min(cap, Math.max(limits.expansionFloorBytes, limits.maxExpansion * entry.compressedSize))
  if (entry.uncompressedSize > maxBytes)
    throw tooLarge(`${what} unpacks to ${Math.ceil(entry.uncompressedSize / MiB)} MiB`)
  if (entry.isEncrypted()) throw unreadable('it is protected with a password')
  let stream: Readable
  try {
    stream = await zip.openReadStreamPromise(entry)
  } catch (error) {
    throw unreadable(`${what} cannot be unpacked`, error)
  }
  const decoder = new TextDecoder('utf-8')
  let bytes = 0
  let run = 0
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      bytes += chunk.length
      if (bytes > maxBytes) throw tooLarge(`${what} unpacks to more than ${Math.ceil(maxBytes / MiB)} MiB`)
      const text = decoder.decode(chunk, { stream: true })
      // Runs inside one chunk are shorter than the chunk; only runs across chunks can grow.
      const first = text.indexOf('<')
      if (first === -1) run += text.length
      else {
        if (run + first > limits.maxTextRun) throw textTooLong(what, limits)
        run = text.length - text.lastIndexOf('<') - 1
      }
      if (run > limits.maxTextRun) throw textTooLong(what, limits)
      yield text
    }
  } catch (error) {
    if (error instanceof WorkbookError) throw error
    throw unreadable(`${what} cannot be unpacked`, error)
  } finally {
    stream.destroy()
  }
  const rest = decoder.decode()
  if (rest) yield rest
}

function textTooLong(what: string, limits: WorkbookLimits): WorkbookError {
  return tooLarge(`${what} has a text of more than ${limits.maxTextRun} characters`)
}

const localName = (name: string) => name.slice(name.indexOf(':') + 1)

function partKey(path: string): string {
  return path.replace(/^\//, '').toLowerCase()
}

/** A relationship's target as a part name: percent-encoded characters decoded, as the package stores names. */
function decodedTarget(target: string): string {
  try {
    return decodeURIComponent(target)
  } catch {
    return target
  }
}

/**
 * Text as Excel means it: characters that XML cannot carry are written `_xHHHH_` (ECMA-376 Part 1,
 * §22.9.2.19), e.g. `_x000D_` for a carriage return in a pasted address, and a literal `_x` as `_x005F_x`.
 */
export function unescapeText(text: string): string {
  return text.includes('_x')
    ? text.replace(/_x([0-9A-Fa-f]{4})_/g, (_match, hex: string) => String.fromCharCode(parseInt(hex, 16)))
    : text
}

/**
 * Runs a SAX parser over a part: `handlers` see elements by local name (a writer may prefix them, as in
 * `<x:row>`), text and the end of elements. The parser's events are collected per chunk so that a
 * generator can hand them on between chunks.
 */
function xmlParser(handlers: {
  open?: (name: string, attributes: Record<string, string>) => void
  text?: (text: string) => void
  close?: (name: string) => void
}): SaxesParser<{ xmlns: false; position: false }> {
  const parser = new SaxesParser<{ xmlns: false; position: false }>({ xmlns: false, position: false })
  if (handlers.open) {
    const open = handlers.open
    parser.on('opentag', (tag: SaxesTagPlain) => open(localName(tag.name), tag.attributes as Record<string, string>))
  }
  if (handlers.text) {
    parser.on('text', handlers.text)
    parser.on('cdata', handlers.text)
  }
  if (handlers.close) {
    const close = handlers.close
    parser.on('closetag', (tag) => close(localName(tag.name)))
  }
  return parser
}

async function parsePart(
  zip: ZipFile,
  entry: Entry,
  part: { cap: number; what: string; limits: WorkbookLimits },
  handlers: Parameters<typeof xmlParser>[0],
): Promise<void> {
  const { cap, what, limits } = part
  const parser = xmlParser(handlers)
  try {
    for await (const text of partText(zip, entry, cap, what, limits)) parser.write(text)
    parser.close()
  } catch (error) {
    if (error instanceof WorkbookError) throw error
    throw unreadable(`${what} is not well-formed XML`, error)
  }
}

interface Relationship {
  type: string
  target: string
}

/** The relationships of a part, targets resolved to paths in the archive. */
async function relationships(
  zip: ZipFile,
  entries: Map<string, Entry>,
  partPath: string,
  limits: WorkbookLimits,
): Promise<Map<string, Relationship>> {
  const folder = partPath.slice(0, partPath.lastIndexOf('/') + 1)
  const relsPath = `${folder}_rels/${partPath.slice(folder.length)}.rels`
  const result = new Map<string, Relationship>()
  const entry = entries.get(partKey(relsPath))
  if (!entry) return result
  await parsePart(
    zip,
    entry,
    { cap: limits.maxPartBytes, what: 'the relationships', limits },
    {
      open(name, attributes) {
        if (name !== 'Relationship' || !attributes.Id || !attributes.Target) return
        const raw = decodedTarget(attributes.Target)
        const target = raw.startsWith('/') ? raw.slice(1) : normalisePath(folder + raw)
        result.set(attributes.Id, { type: attributes.Type ?? '', target })
      },
    },
  )
  return result
}

function normalisePath(path: string): string {
  const parts: string[] = []
  for (const part of path.split('/')) {
    if (part === '..') parts.pop()
    else if (part !== '.' && part !== '') parts.push(part)
  }
  return parts.join('/')
}

function relationshipOfType(relations: Map<string, Relationship>, type: string): Relationship | undefined {
  for (const relation of relations.values()) if (relation.type.endsWith(`/${type}`)) return relation
  return undefined
}

interface WorkbookPart {
  firstSheetRelationship: string | null
  date1904: boolean
}

async function readWorkbookPart(zip: ZipFile, entry: Entry, limits: WorkbookLimits): Promise<WorkbookPart> {
  const part: WorkbookPart = { firstSheetRelationship: null, date1904: false }
  await parsePart(
    zip,
    entry,
    { cap: limits.maxPartBytes, what: 'the workbook', limits },
    {
      open(name, attributes) {
        if (name === 'workbookPr') part.date1904 = attributes.date1904 === '1' || attributes.date1904 === 'true'
        // The first sheet an officer sees: a hidden one is skipped.
        if (
          name === 'sheet' &&
          part.firstSheetRelationship === null &&
          attributes.state !== 'hidden' &&
          attributes.state !== 'veryHidden'
        ) {
          part.firstSheetRelationship =
            Object.entries(attributes).find(([key]) => localName(key) === 'id' && key !== 'sheetId')?.[1] ?? null
        }
      },
    },
  )
  return part
}

/**
 * Built-in number formats that show a date (ECMA-376 §18.8.30, with the East Asian ones). The
 * time-only ones (18–21, 45–47) are left out: a time of day or a duration is not a date.
 */
const builtInDateFormats = new Set([
  14, 15, 16, 17, 22, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 50, 51, 52, 53, 54, 55, 56, 57, 58,
])

/**
 * A custom format shows a date when, quoted text and bracketed colours or locales aside, it has a year
 * or day token, or a month one (an m that is not the minutes of an h or s). Elapsed times ([h]:mm) and
 * times of day are not dates.
 */
export function isDateFormat(formatCode: string): boolean {
  const bare = formatCode
    .replace(/"[^"]*"/g, '')
    .replace(/\\./g, '')
    .replace(/\[[^\]]*\]/g, '')
    .toLowerCase()
  if (/^\s*general\s*$/.test(bare)) return false
  if (/[yd]/.test(bare)) return true
  return /m/.test(bare) && !/[hs]/.test(bare)
}

/** For each cell style, whether it shows a date. */
async function readDateStyles(zip: ZipFile, entry: Entry | undefined, limits: WorkbookLimits): Promise<boolean[]> {
  if (!entry) return []
  const customDates = new Map<number, boolean>()
  const styles: boolean[] = []
  let inCellFormats = false
  await parsePart(
    zip,
    entry,
    { cap: limits.maxPartBytes, what: 'the styles', limits },
    {
      open(name, attributes) {
        if (name === 'numFmt') customDates.set(Number(attributes.numFmtId), isDateFormat(attributes.formatCode ?? ''))
        else if (name === 'cellXfs') inCellFormats = true
        else if (name === 'xf' && inCellFormats) {
          const id = Number(attributes.numFmtId ?? 0)
          styles.push(customDates.get(id) ?? builtInDateFormats.has(id))
        }
      },
      close(name) {
        if (name === 'cellXfs') inCellFormats = false
      },
    },
  )
  return styles
}

async function readSharedStrings(zip: ZipFile, entry: Entry | undefined, limits: WorkbookLimits): Promise<string[]> {
  if (!entry) return []
  const strings: string[] = []
  let current: string[] | null = null
  // Text of <t> elements counts, but not of phonetic runs (<rPh>), which repeat the text in kana.
  let inText = false
  let phonetic = 0
  await parsePart(
    zip,
    entry,
    { cap: limits.maxSharedStringsBytes, what: 'the shared strings', limits },
    {
      open(name) {
        if (name === 'si') {
          if (strings.length >= limits.maxSharedStrings)
            throw tooLarge(`it has more than ${limits.maxSharedStrings} distinct texts`)
          current = []
        } else if (name === 'rPh') phonetic++
        else if (name === 't') inText = phonetic === 0
      },
      text(text) {
        if (inText && current) current.push(text)
      },
      close(name) {
        if (name === 't') inText = false
        else if (name === 'rPh') phonetic--
        else if (name === 'si' && current) {
          const text = unescapeText(current.join(''))
          if (text.length > limits.maxCellCharacters)
            throw tooLarge(`a text holds more than ${limits.maxCellCharacters} characters`)
          strings.push(text)
          current = null
        }
      },
    },
  )
  return strings
}

/** "BC12" → 54 (0-based column of a cell reference). */
export function columnIndex(reference: string): number {
  let column = 0
  for (const character of reference) {
    const code = character.charCodeAt(0)
    if (code < 65 || code > 90) break
    column = column * 26 + (code - 64)
  }
  return column - 1
}

/** A date serial of the workbook's date system to yyyy-mm-dd. */
export function serialToDate(serial: number, date1904: boolean): string {
  const days = date1904 ? serial + 1462 : serial
  // Day 0 of the 1900 system is 1899-12-30 once Excel's phantom 29 February 1900 is accounted for.
  const milliseconds = Math.round((days - 25569) * 86_400_000)
  const date = new Date(milliseconds)
  // Past Excel's last date (9999-12-31) the number is no date (a phone number in a date column): it
  // stays a number, for the row's rules to refuse.
  if (serial < 0 || !Number.isFinite(date.getTime()) || date.getUTCFullYear() > 9999) return String(serial)
  return date.toISOString().slice(0, 10)
}

interface CellState {
  column: number
  type: string
  style: number
  value: string
  formula: string | null
  inValue: boolean
  inFormula: boolean
  inInlineText: boolean
  /** Inside a phonetic run (<rPh>), whose text repeats the cell's in kana. */
  inPhonetic: boolean
}

/** The text a cell shows to the import: dates as yyyy-mm-dd, formulas as "=…" (which the row rules refuse). */
function cellText(cell: CellState, sharedStrings: string[], dateStyles: boolean[], date1904: boolean): string {
  if (cell.formula !== null) return `=${cell.formula}`
  switch (cell.type) {
    case 's':
      return cell.value === '' ? '' : (sharedStrings[Number(cell.value)] ?? '')
    case 'inlineStr':
    case 'str':
      return unescapeText(cell.value)
    case 'e':
      return cell.value
    case 'b':
      return cell.value === '1' ? 'true' : cell.value === '0' ? 'false' : cell.value
    case 'd':
      return cell.value.slice(0, 10)
    default: {
      if (cell.value === '') return ''
      const number = Number(cell.value)
      if (!Number.isFinite(number)) return cell.value
      return dateStyles[cell.style] ? serialToDate(number, date1904) : String(number)
    }
  }
}

async function* sheetRows(
  zip: ZipFile,
  entry: Entry,
  context: { sharedStrings: string[]; dateStyles: boolean[]; date1904: boolean; maxTextOutput: number },
  limits: WorkbookLimits,
): AsyncGenerator<WorkbookRow> {
  const ready: WorkbookRow[] = []
  let textOutput = 0
  let rowNumber = 0
  let rowCount = 0
  let cells: string[] = []
  let cellsInRow = 0
  let cell: CellState | null = null
  let nextColumn = 0
  const parser = xmlParser({
    open(name, attributes) {
      if (name === 'row') {
        if (++rowCount > limits.maxRows) throw tooLarge(`it has more than ${limits.maxRows} rows`)
        rowNumber = attributes.r ? Number(attributes.r) : rowNumber + 1
        cells = []
        cellsInRow = 0
        nextColumn = 0
      } else if (name === 'c') {
        if (++cellsInRow > limits.maxCellsInRow) throw tooLarge(`a row has more than ${limits.maxCellsInRow} cells`)
        const column = attributes.r ? columnIndex(attributes.r) : nextColumn
        cell = {
          column,
          type: attributes.t ?? 'n',
          style: Number(attributes.s ?? 0),
          value: '',
          formula: null,
          inValue: false,
          inFormula: false,
          inInlineText: false,
          inPhonetic: false,
        }
      } else if (cell) {
        if (name === 'v') cell.inValue = true
        else if (name === 'f') {
          cell.inFormula = true
          cell.formula ??= ''
        } else if (name === 'rPh') cell.inPhonetic = true
        else if (name === 't' && cell.type === 'inlineStr' && !cell.inPhonetic) cell.inInlineText = true
      }
    },
    text(text) {
      if (!cell) return
      if (cell.inFormula) cell.formula += text
      else if (cell.inValue || cell.inInlineText) cell.value += text
      else return
      if (cell.value.length > limits.maxCellCharacters || (cell.formula?.length ?? 0) > limits.maxCellCharacters) {
        throw tooLarge(`a cell holds more than ${limits.maxCellCharacters} characters`)
      }
    },
    close(name) {
      if (!cell) {
        if (name === 'row' && cells.some((text) => text.trim() !== ''))
          ready.push({ line: rowNumber, cells: Array.from(cells, (text) => text ?? '') })
        return
      }
      if (name === 'v') cell.inValue = false
      else if (name === 'f') cell.inFormula = false
      else if (name === 't') cell.inInlineText = false
      else if (name === 'rPh') cell.inPhonetic = false
      else if (name === 'c') {
        const text = cellText(cell, context.sharedStrings, context.dateStyles, context.date1904)
        textOutput += text.length
        if (textOutput > context.maxTextOutput)
          throw tooLarge(`its cells hold more than ${context.maxTextOutput} characters in all`)
        if (cell.column < limits.maxColumns) cells[cell.column] = text
        else if (text.trim() !== '') throw tooLarge(`a row has data beyond column ${limits.maxColumns}`)
        nextColumn = cell.column + 1
        cell = null
      }
    },
  })
  try {
    for await (const text of partText(zip, entry, limits.maxSheetBytes, 'the sheet', limits)) {
      parser.write(text)
      while (ready.length > 0) yield ready.shift()!
    }
    parser.close()
  } catch (error) {
    if (error instanceof WorkbookError) throw error
    throw unreadable('the sheet is not well-formed XML', error)
  }
  while (ready.length > 0) yield ready.shift()!
}

/**
 * Opens a workbook and reads everything its first sheet depends on; the rows are then read on demand.
 * A workbook that cannot be read, or is too large, is refused here, before any row is handed on.
 */
export async function openWorkbook(
  source: WorkbookSource,
  limits: WorkbookLimits = defaultWorkbookLimits,
): Promise<OpenedWorkbook> {
  let zip: ZipFile
  try {
    zip = await openZip(source)
  } catch (error) {
    throw unreadable('it is not a ZIP archive', error)
  }
  let closed = false
  const closeZip = () => {
    if (closed) return
    closed = true
    zip.close()
  }
  const part = (path: string | undefined) => (path === undefined ? undefined : entries.get(partKey(path)))
  let entries = new Map<string, Entry>()
  try {
    entries = await listEntries(zip, limits)
    const packageRelations = await relationships(zip, entries, '', limits)
    const workbookPath = relationshipOfType(packageRelations, 'officeDocument')?.target ?? 'xl/workbook.xml'
    const workbookEntry = part(workbookPath)
    if (!workbookEntry) throw unreadable('it has no workbook part')
    const workbook = await readWorkbookPart(zip, workbookEntry, limits)
    const workbookRelations = await relationships(zip, entries, workbookPath, limits)
    const sheetPath = workbook.firstSheetRelationship
      ? workbookRelations.get(workbook.firstSheetRelationship)?.target
      : undefined
    const sheetEntry = part(sheetPath)
    if (!sheetEntry) throw unreadable('it has no worksheet')
    const sharedStringsPath = relationshipOfType(workbookRelations, 'sharedStrings')?.target
    const stylesPath = relationshipOfType(workbookRelations, 'styles')?.target
    const sharedStrings = await readSharedStrings(zip, part(sharedStringsPath), limits)
    const dateStyles = await readDateStyles(zip, part(stylesPath), limits)
    const maxTextOutput = Math.min(
      limits.maxTextOutputCharacters,
      Math.max(limits.expansionFloorBytes, limits.maxTextOutputExpansion * zip.fileSize),
    )
    const rows = (async function* () {
      try {
        yield* sheetRows(
          zip,
          sheetEntry,
          { sharedStrings, dateStyles, date1904: workbook.date1904, maxTextOutput },
          limits,
        )
      } finally {
        closeZip()
      }
    })()
    // Ending the generator runs its finally blocks (the sheet's stream destroyed); the archive is closed either way.
    return {
      rows,
      close: () => {
        void rows.return(undefined)
        closeZip()
      },
    }
  } catch (error) {
    closeZip()
    throw error
  }
}
