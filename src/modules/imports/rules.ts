/**
 * Pure rules of the bulk import: how headers map to the registry's columns, how one spreadsheet cell
 * becomes a typed value, and which problems a cell or a file has. No I/O and no clock.
 */
import type { ColumnDefinition } from '../children/columns.js'
import {
  circumstanceGroupCodes,
  foldName,
  normaliseGroupCode,
  type BirthDatePrecision,
  type CircumstanceGroupCode,
} from '../children/rules.js'
import { isUnitInScope, type Scope, type UnitNode } from '../../platform/scope.js'

export const importKinds = ['children', 'households'] as const
export type ImportKind = (typeof importKinds)[number]
export const importFormats = ['csv', 'xlsx', 'ndjson'] as const
export type ImportFormat = (typeof importFormats)[number]
export const importModes = ['atomic', 'partial'] as const
export type ImportMode = (typeof importModes)[number]

export interface RowProblem {
  /** The column's key (e.g. fullName); null for the row as a whole. */
  column: string | null
  code: string
  message: string
  severity: 'error' | 'warning'
}

export const rowError = (column: string | null, code: string, message: string): RowProblem => ({
  column,
  code,
  message,
  severity: 'error',
})
export const rowWarning = (column: string | null, code: string, message: string): RowProblem => ({
  column,
  code,
  message,
  severity: 'warning',
})

// ---------------------------------------------------------------------------------------------
// Headers

/** The column errors.csv adds; recognised (and skipped) when the fixed file comes back. */
export const errorColumn = { vi: 'Lỗi', en: 'error' } as const

export interface HeaderMapping {
  /** Per position in the file: the column's key, or null for a column the import does not read. */
  keys: (string | null)[]
  /** The columns read, in file order, with the header as written (errors.csv writes them back). */
  columns: { key: string; header: string }[]
  /** Headers that name no column of this kind: not read, reported as a warning. */
  unknown: string[]
  /** Keys named by more than one header. */
  duplicated: string[]
  language: 'vi' | 'en'
}

/** Headers match case-, accent- and spacing-insensitively, in English or Vietnamese ("ho va ten" is "Họ và tên"). */
export function headerKey(header: string): string {
  return foldName(header.normalize('NFC'))
}

export function mapHeader(headers: readonly string[], definitions: readonly ColumnDefinition[]): HeaderMapping {
  const byFolded = new Map<string, { key: string; language: 'vi' | 'en' }>()
  for (const definition of definitions) {
    byFolded.set(headerKey(definition.en), { key: definition.key, language: 'en' })
    byFolded.set(headerKey(definition.vi), { key: definition.key, language: 'vi' })
  }
  const skipped = new Set([headerKey(errorColumn.vi), headerKey(errorColumn.en), ''])
  const keys: (string | null)[] = []
  const columns: { key: string; header: string }[] = []
  const unknown: string[] = []
  const duplicated = new Set<string>()
  let vietnamese = 0
  for (const header of headers) {
    const folded = headerKey(header)
    const match = byFolded.get(folded)
    if (!match) {
      keys.push(null)
      if (!skipped.has(folded)) unknown.push(header.trim())
      continue
    }
    if (columns.some((column) => column.key === match.key)) {
      duplicated.add(match.key)
      keys.push(null)
      continue
    }
    if (match.language === 'vi') vietnamese++
    keys.push(match.key)
    columns.push({ key: match.key, header: header.trim() })
  }
  return { keys, columns, unknown, duplicated: [...duplicated], language: vietnamese > 0 ? 'vi' : 'en' }
}

/** Columns a file must have, as alternatives: one of each group is enough. */
const requiredColumns: Record<ImportKind, readonly (readonly string[])[]> = {
  children: [['externalId', 'id'], ['fullName'], ['sex'], ['dateOfBirth', 'birthYear'], ['wardCode']],
  households: [['externalId', 'id'], ['headName'], ['wardCode']],
}

/** The required columns a header lacks, named in both languages ("fullName (Họ và tên)"). */
export function missingColumns(
  kind: ImportKind,
  present: ReadonlySet<string>,
  definitions: readonly ColumnDefinition[],
): string[] {
  const name = (key: string) => {
    const definition = definitions.find((d) => d.key === key)
    return definition ? `${definition.en} (${definition.vi})` : key
  }
  return requiredColumns[kind]
    .filter((group) => !group.some((key) => present.has(key)))
    .map((group) => group.map(name).join(' or '))
}

// ---------------------------------------------------------------------------------------------
// Cells

/**
 * A cell a spreadsheet would run as a formula. Imports refuse them rather than store text that the next
 * export must defuse, unless the cell carries the apostrophe an export (or a careful officer) put there
 * to say "this is text".
 */
const formulaStart = /^[=+\-@\t\r]/

/** Trims a raw cell, restores text an export neutralised, and refuses formula-looking cells (a problem). */
export function cleanCell(column: string, raw: string): string | RowProblem {
  if (raw.length > 1 && raw[0] === "'" && formulaStart.test(raw.slice(1))) return raw.slice(1).trim()
  const value = raw.trim()
  if (formulaStart.test(value)) {
    return rowError(
      column,
      'formula_rejected',
      `starts with "${value[0]}" like a spreadsheet formula; if it really is text, start the cell with an apostrophe (')`,
    )
  }
  return value
}

const untidySpace = /\s\s|[\t\n\r\f\v\u00a0\u2000-\u200b\u3000]/

/** NFC, trimmed, inner spaces collapsed: how names and text are stored. */
export function normaliseText(value: string): string {
  const text = value.normalize('NFC').trim()
  return untidySpace.test(text) ? text.replace(/\s+/g, ' ') : text
}

/** Texts that differ only in Unicode form or spacing are the same text (no change to record). */
export function sameText(a: string | null | undefined, b: string | null | undefined): boolean {
  return a === b || normaliseText(a ?? '') === normaliseText(b ?? '')
}

export interface ParsedBirth {
  dateOfBirth: string | null
  birthYear: number
  precision: BirthDatePrecision
}

function isCalendarDate(year: number, month: number, day: number): boolean {
  const date = new Date(Date.UTC(year, month - 1, day))
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day
}

const pad2 = (n: number) => String(n).padStart(2, '0')

/** A full date written dd/mm/yyyy (also with - or .) or ISO yyyy-mm-dd; null when it is neither or impossible. */
export function parseDate(value: string): string | null {
  const iso = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(value)
  const local = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$/.exec(value)
  const [year, month, day] = iso
    ? [Number(iso[1]), Number(iso[2]), Number(iso[3])]
    : local
      ? [Number(local[3]), Number(local[2]), Number(local[1])]
      : [0, 0, 0]
  if (year === 0 || !isCalendarDate(year, month, day)) return null
  return `${year}-${pad2(month)}-${pad2(day)}`
}

/**
 * A birth date as officers write it: a full date, a month (mm/yyyy, the day unknown) or a year alone.
 * Month precision is stored on the 15th, as the registry does.
 */
export function parseBirthDate(value: string): ParsedBirth | null {
  const date = parseDate(value)
  if (date) return { dateOfBirth: date, birthYear: Number(date.slice(0, 4)), precision: 'exact' }
  const month = /^(\d{1,2})[/.-](\d{4})$/.exec(value)
  if (month && Number(month[1]) >= 1 && Number(month[1]) <= 12) {
    return { dateOfBirth: `${month[2]}-${pad2(Number(month[1]))}-15`, birthYear: Number(month[2]), precision: 'month' }
  }
  if (/^\d{4}$/.test(value)) return { dateOfBirth: null, birthYear: Number(value), precision: 'year' }
  return null
}

const truthy = new Set(['true', '1', 'x', 'yes', 'y', 'co', 'dung'])
const falsy = new Set(['false', '0', 'no', 'n', 'khong', 'sai'])

/** Yes/no as spreadsheets write it: TRUE/FALSE, 1/0, x, có/không, đúng/sai. Empty is null. */
export function parseBoolean(value: string): boolean | null | undefined {
  if (value === '') return null
  const folded = foldName(value)
  if (truthy.has(folded)) return true
  if (falsy.has(folded)) return false
  return undefined
}

const sexes: Record<string, 'male' | 'female' | 'unknown'> = {
  male: 'male',
  m: 'male',
  nam: 'male',
  female: 'female',
  f: 'female',
  nu: 'female',
  unknown: 'unknown',
  'khong ro': 'unknown',
}

/** male/female/unknown, or the Vietnamese labels the registry prints (Nam, Nữ, Không rõ). */
export function parseSex(value: string): 'male' | 'female' | 'unknown' | null {
  return sexes[foldName(value)] ?? null
}

/**
 * Spreadsheets drop leading zeros from cells they take for numbers: 00301 becomes 301, and a personal ID
 * 001219012345 becomes 1219012345. Only zeros are lost, so padding back to the known length is exact.
 */
export function restoreLeadingZeros(value: string, length: number, shortest: number): string {
  return /^\d+$/.test(value) && value.length >= shortest && value.length < length ? value.padStart(length, '0') : value
}

/** Group codes in one cell: separated by spaces, commas or semicolons; each a…o, đ or dd. */
export function parseGroupCodes(value: string): { codes: CircumstanceGroupCode[]; unknown: string[] } {
  const codes = new Set<CircumstanceGroupCode>()
  const unknown: string[] = []
  for (const token of value.split(/[\s,;]+/).filter(Boolean)) {
    const code = normaliseGroupCode(token)
    if (code) codes.add(code)
    else unknown.push(token)
  }
  return { codes: circumstanceGroupCodes.filter((code) => codes.has(code)), unknown }
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i

export function isUuid(value: string): boolean {
  return uuidPattern.test(value)
}

// ---------------------------------------------------------------------------------------------
// Jurisdiction and progress

/**
 * Whether `viewer` holds every unit `owner` holds: then the viewer may see the owner's imports (a
 * district officer sees a ward officer's; one ward officer never sees another ward's).
 */
export function scopeCovers(viewer: Scope, owner: Scope, tree: readonly UnitNode[]): boolean {
  if (viewer.all) return true
  if (owner.all || (owner.wards.length === 0 && owner.groups.length === 0)) return false
  const parentOf = new Map(tree.map((unit) => [unit.code, unit.parentCode]))
  return (
    owner.wards.every((ward) => viewer.wards.includes(ward)) &&
    owner.groups.every((group) => isUnitInScope(viewer, parentOf.get(group) ?? null, group))
  )
}

/** Whole percent of rows done; 0 before anything was read, 100 only when every row is done. */
export function percentDone(rowsRead: number, rowsDone: number): number {
  if (rowsRead <= 0) return 0
  const percent = Math.floor((rowsDone / rowsRead) * 100)
  return rowsDone >= rowsRead ? 100 : Math.min(percent, 99)
}

/** The errors.csv cell: each problem of the row, "column: message", with the row it came from. */
export function errorCellText(
  rowNumber: number,
  problems: readonly { column: string | null; message: string; severity: string }[],
): string {
  const parts = problems
    .filter((p) => p.severity === 'error')
    .map((p) => (p.column ? `${p.column}: ${p.message}` : p.message))
  return `[row ${rowNumber}] ${parts.join('; ')}`
}
