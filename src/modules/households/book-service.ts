/**
 * The household child book export (Sổ theo dõi trẻ em trong hộ gia đình): the registry export's filters,
 * scope, field-level permissions and audit, laid out as an officer keeps the book — each household, then
 * its children under it. The rows are read afterwards in batches of their own as the file streams.
 */
import type { Static } from 'typebox'
import type { Db } from '../../db/client.js'
import type { BookRow, CellValue } from '../../platform/export.js'
import { inScope, type Scope } from '../../platform/scope.js'
import type { Work } from '../../platform/work.js'
import { auditChildExport, childExportFilter } from '../children/export-service.js'
import { exportCell } from '../children/export-values.js'
import type { ChildFilter } from '../children/repository.js'
import { derivedStatus } from '../children/rules.js'
import { canSeeSensitive } from '../children/service.js'
import type { caregiverRelationships } from '../children/tables.js'
import { getUnitRow } from '../units/repository.js'
import { childBookLines, povertyOn, type BookLine } from './book-rules.js'
import { childBookPage, type ChildBookRow } from './repository.js'
import type { ChildBookQuery } from './schemas.js'

const batchSize = 1000

const povertyLabels = { poor: 'Hộ nghèo', near_poor: 'Hộ cận nghèo' } as const

const caregiverLabels: Record<(typeof caregiverRelationships)[number], string> = {
  father: 'cha',
  mother: 'mẹ',
  grandparent: 'ông/bà',
  sibling: 'anh/chị',
  aunt_uncle: 'cô/dì/chú/bác',
  other_relative: 'người thân thích',
  guardian: 'người giám hộ',
  non_relative: 'người chăm sóc',
}

/** The forms of care and support (careKinds) as the book writes them. */
const careLabels: Record<string, string> = {
  allowance: 'Trợ cấp xã hội hằng tháng',
  health_insurance: 'Bảo hiểm y tế',
  education_support: 'Hỗ trợ giáo dục',
  alternative_care_relatives: 'Chăm sóc thay thế bởi người thân thích',
  alternative_care_non_relatives: 'Chăm sóc thay thế bởi gia đình không phải người thân thích',
  alternative_care_facility: 'Chăm sóc tại cơ sở trợ giúp xã hội',
  counselling: 'Tư vấn, tham vấn',
  medical: 'Hỗ trợ y tế',
  legal_aid: 'Trợ giúp pháp lý',
  referral: 'Chuyển gửi dịch vụ',
  other: 'Khác',
}

/** The usual relationships to the head of household, which is free text: others are written as recorded. */
const relationshipLabels: Record<string, string> = { child: 'Con', grandchild: 'Cháu' }

const withoutHouseholdHeading = 'Trẻ em chưa ghi nhận hộ gia đình'

const dayMonthYear = (iso: string) => iso.split('-').reverse().join('/')

/** A date of birth as precise as it is known: a date, the month (mm/yyyy) or the year. */
function birthCell(child: ChildBookRow['child']): CellValue {
  if (child.dateOfBirth === null || child.birthDatePrecision === 'year') return child.birthYear
  if (child.birthDatePrecision === 'month') return dayMonthYear(child.dateOfBirth).slice(3)
  return { date: child.dateOfBirth }
}

interface ChildColumn {
  vi: string
  width: number
  /** Omitted for callers without registry:sensitive, as in the registry export. */
  sensitive?: boolean
  cell(row: ChildBookRow, asOf: string): CellValue
}

/** What the book says of each child, after the child's number and name. */
const childColumns: readonly ChildColumn[] = [
  {
    vi: 'Quan hệ với chủ hộ',
    width: 12,
    cell: ({ child }) =>
      child.relationshipToHead && (relationshipLabels[child.relationshipToHead] ?? child.relationshipToHead),
  },
  { vi: 'Ngày sinh', width: 12, cell: ({ child }) => birthCell(child) },
  { vi: 'Giới tính', width: 9, cell: ({ child }) => exportCell('sex', child.sex, 'vi') },
  { vi: 'Dân tộc', width: 11, sensitive: true, cell: (row) => row.ethnicityName },
  {
    vi: 'Tình trạng đi học',
    width: 16,
    cell: ({ child }) => exportCell('schoolingStatus', child.schoolingStatus, 'vi'),
  },
  {
    vi: 'Khuyết tật',
    width: 10,
    sensitive: true,
    cell: ({ child }) => exportCell('hasDisability', child.hasDisability, 'vi'),
  },
  { vi: 'Nhóm hoàn cảnh đặc biệt', width: 13, cell: (row) => row.groupCodes.join(', ') },
  { vi: 'Có nguy cơ', width: 9, cell: (row) => exportCell('atRisk', row.atRisk, 'vi') },
  { vi: 'Số thẻ BHYT', width: 17, cell: (row) => row.cardNumber },
  { vi: 'Thẻ BHYT có giá trị đến', width: 12, cell: (row) => row.cardValidTo && { date: row.cardValidTo } },
  {
    vi: 'Chăm sóc, hỗ trợ',
    width: 26,
    cell: (row) => row.careKinds.map((kind) => careLabels[kind] ?? kind).join('; '),
  },
  {
    vi: 'Cha mẹ, người chăm sóc',
    width: 28,
    cell: ({ child }) =>
      child.caregivers.map((caregiver) => `${caregiver.name} (${caregiverLabels[caregiver.relationship]})`).join('; '),
  },
  {
    vi: 'Tình trạng',
    width: 14,
    cell: ({ child }, asOf) => exportCell('status', derivedStatus(child.status, child.effectiveBirthDate, asOf), 'vi'),
  },
]

/** The household's place: its residential group and, in a book of several wards, its ward. */
function placeCells(row: ChildBookRow, severalWards: boolean): CellValue[] {
  const group = row.residentialGroupCode && (row.residentialGroupName ?? row.residentialGroupCode)
  return severalWards ? [group, row.wardName ?? row.wardCode] : [group]
}

function povertyCell(row: ChildBookRow, asOf: string): CellValue {
  if (row.povertyStatus === null) return null
  const status = povertyOn(
    { povertyStatus: row.povertyStatus, povertyFrom: row.povertyFrom, povertyTo: row.povertyTo },
    asOf,
  )
  return status && povertyLabels[status]
}

/** The rows of the book in book order, each batch read in a transaction of its own under the caller's scope. */
async function* bookEntries(db: Db, scope: Scope, filter: ChildFilter, sensitive: boolean) {
  let after: string[] | undefined
  for (;;) {
    const batch = await inScope(db, scope, (tx) =>
      childBookPage(tx, scope, filter, { sensitive, after, limit: batchSize }),
    )
    yield* batch
    const last = batch[batch.length - 1]
    if (!last || batch.length < batchSize) return
    after = last.bookKey
  }
}

interface BookShape {
  asOf: string
  severalWards: boolean
  columns: readonly ChildColumn[]
}

/** A line of the book as a workbook row: households and the heading of children of no household stand out. */
function workbookRow(line: BookLine<ChildBookRow>, shape: BookShape): BookRow {
  const { entry } = line
  const blankDetails = shape.columns.map(() => null)
  switch (line.kind) {
    case 'household':
      return {
        heading: true,
        cells: [
          // As text, to line up with its children's numbers (3.2) in the column.
          String(line.number),
          entry.headName,
          entry.householdStreetAddress,
          ...placeCells(entry, shape.severalWards),
          povertyCell(entry, shape.asOf),
          ...blankDetails,
        ],
      }
    case 'without_household':
      return {
        heading: true,
        cells: [null, withoutHouseholdHeading, null, ...placeCells(entry, shape.severalWards), null, ...blankDetails],
      }
    case 'child':
      return {
        heading: false,
        cells: [
          line.number,
          entry.child.fullName,
          // A child of no household has only its own address.
          entry.householdId === null ? entry.child.streetAddress : null,
          ...placeCells(entry, shape.severalWards).map(() => null),
          null,
          ...shape.columns.map((column) => column.cell(entry, shape.asOf)),
        ],
      }
  }
}

/** The book's lines as workbook rows. */
async function* workbookRows(entries: AsyncIterable<ChildBookRow>, shape: BookShape): AsyncGenerator<BookRow> {
  for await (const line of childBookLines(entries)) yield workbookRow(line, shape)
}

/** The book as CSV rows: one a child, its household's columns repeated. */
async function* csvRows(entries: AsyncIterable<ChildBookRow>, shape: BookShape): AsyncGenerator<CellValue[]> {
  let householdNumber: number | null = null
  for await (const line of childBookLines(entries)) {
    if (line.kind === 'household') householdNumber = line.number
    if (line.kind === 'without_household') householdNumber = null
    if (line.kind !== 'child') continue
    const { entry } = line
    yield [
      householdNumber,
      entry.headName,
      entry.householdId === null ? entry.child.streetAddress : entry.householdStreetAddress,
      ...placeCells(entry, shape.severalWards),
      povertyCell(entry, shape.asOf),
      line.number,
      entry.child.fullName,
      ...shape.columns.map((column) => column.cell(entry, shape.asOf)),
    ]
  }
}

/** The book's title: the ward (or the units it covers) and the day it stands on. */
async function titleOf(work: Work, unit: string | undefined, asOf: string): Promise<string[]> {
  const names: string[] = []
  for (const code of unit === undefined ? work.principal.units : [unit]) {
    names.push((await getUnitRow(work.tx, code))?.nameVi ?? code)
  }
  return ['SỔ THEO DÕI TRẺ EM TRONG HỘ GIA ĐÌNH', names.join(', '), `Tính đến ngày ${dayMonthYear(asOf)}`]
}

/**
 * The household child book export: checks the filters (a sensitive group needs registry:sensitive), audits
 * the export, and answers the file's format, name, title, header row and rows (read as they stream, after
 * this work has committed). Sensitive columns and groups only for callers with registry:sensitive.
 */
export async function exportChildBook(work: Work, query: Static<typeof ChildBookQuery>) {
  const sensitive = canSeeSensitive(work.principal)
  const { format, ...filters } = query
  const filter = await childExportFilter(work, filters, sensitive)
  const { asOf, unitScope } = filter
  await auditChildExport(work, query, 'household_book')
  const shape: BookShape = {
    asOf,
    severalWards: (unitScope ?? work.scope).wards.length > 1,
    columns: childColumns.filter((column) => sensitive || !column.sensitive),
  }
  const place = shape.severalWards
    ? [
        { vi: 'Tổ dân phố', width: 20 },
        { vi: 'Phường', width: 16 },
      ]
    : [{ vi: 'Tổ dân phố', width: 20 }]
  const poverty = { vi: 'Hộ nghèo, cận nghèo', width: 13 }
  const details = shape.columns.map(({ vi, width }) => ({ vi, width }))
  const entries = bookEntries(work.request.server.database.db, work.scope, filter, sensitive)
  const filename = `child-book-${asOf.replace(/-/g, '')}.${format}`
  if (format === 'csv') {
    const columns = [
      { vi: 'STT hộ' },
      { vi: 'Chủ hộ' },
      { vi: 'Địa chỉ' },
      ...place,
      poverty,
      { vi: 'STT trẻ' },
      { vi: 'Họ và tên trẻ em' },
      ...details,
    ]
    return { format, filename, headerRow: columns.map((column) => column.vi), rows: csvRows(entries, shape) }
  }
  const columns = [
    { vi: 'STT', width: 6 },
    { vi: 'Họ và tên chủ hộ, trẻ em', width: 26 },
    { vi: 'Địa chỉ', width: 24 },
    ...place,
    poverty,
    ...details,
  ]
  return {
    format,
    filename,
    headerRow: columns.map((column) => column.vi),
    layout: {
      title: await titleOf(work, query.unit, asOf),
      widths: columns.map((column) => column.width),
      indentedColumn: 2,
    },
    rows: workbookRows(entries, shape),
  }
}
