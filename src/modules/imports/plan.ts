/**
 * What one imported row does to the registry, decided without I/O: the row's cells are read into typed
 * values, merged over the stored record (when there is one), checked with the registry's own rules (the
 * request schema of POST /v1/children or /v1/households, then the checks those routes make), and
 * compared with what is stored. The batch code fetches the stored records and lookups beforehand.
 */
import type { ValidateFunction } from 'ajv'
import { fieldErrorsFromValidation } from '../../platform/errors.js'
import type { FieldError } from '../../platform/problem.js'
import type { Scope, UnitNode } from '../../platform/scope.js'
import { createValidatorCompiler } from '../../platform/validation.js'
import { diffFields, sensitiveChildFields, trackedChildFields } from '../children/history.js'
import { parseSchoolingStatus } from '../children/export-values.js'
import type { ChildRow } from '../children/repository.js'
import {
  foldName,
  normaliseBirth,
  personalIdWarnings,
  sensitiveGroupCodes,
  type BirthDatePrecision,
  type CircumstanceGroupCode,
} from '../children/rules.js'
import { CreateChildBody } from '../children/schemas.js'
import { birthProblems } from '../children/service.js'
import { addressProblems } from '../units/tree.js'
import type { FieldChange } from '../children/tables.js'
import type { HouseholdRow } from '../households/repository.js'
import { CreateHouseholdBody } from '../households/schemas.js'
import {
  cleanCell,
  isUuid,
  normaliseText,
  parseBirthDate,
  parseBoolean,
  parseDate,
  parseGroupCodes,
  parseSex,
  restoreLeadingZeros,
  rowError,
  rowWarning,
  sameText,
  type RowProblem,
} from './rules.js'

export interface PlanContext {
  /** Today in the business time zone: what "in the future" and "16 or older" are measured against. */
  asOf: string
  tree: readonly UnitNode[]
  scope: Scope
  /** The importer holds registry:sensitive (health notes, sensitive groups). */
  sensitiveAllowed: boolean
  ethnicities: ReadonlySet<string>
}

/** A row's cells by column key; a key that is absent is a column the file does not have. */
export type Cells = Readonly<Record<string, string>>

type Outcome = 'created' | 'updated' | 'unchanged'

const compileBody = createValidatorCompiler([])
const validateChildBody = compileBody({
  schema: CreateChildBody,
  httpPart: 'body',
  method: 'POST',
  url: '/v1/children',
}) as ValidateFunction
const validateHouseholdBody = compileBody({
  schema: CreateHouseholdBody,
  httpPart: 'body',
  method: 'POST',
  url: '/v1/households',
}) as ValidateFunction

/** The stable import code for a schema keyword: what an officer fixing a cell needs to know. */
const schemaCodes: Record<string, string> = {
  required: 'required',
  minLength: 'required',
  maxLength: 'too_long',
  pattern: 'invalid_format',
  format: 'invalid_format',
  enum: 'invalid_value',
  type: 'invalid_value',
  anyOf: 'invalid_value',
  minimum: 'out_of_range',
  maximum: 'out_of_range',
}

/** What a format error means for the columns whose schema pattern says little to an officer. */
const formatMessages: Record<string, string> = {
  personalId: 'must be the 12 digits of the personal ID number',
  ethnicityCode: 'must be a two-digit ethnic group code (01 Kinh … 54)',
  wardCode: 'is not a unit code',
  residentialGroupCode: 'is not a unit code',
  dateOfBirth: 'is not a date',
}

/** Registry field errors (JSON pointers into a request body) as row problems on the file's columns. */
function problemsFromFieldErrors(
  errors: readonly FieldError[],
  columnOf: (pointer: string) => string | null,
): RowProblem[] {
  return errors.map((error) => {
    const column = columnOf(error.pointer)
    const code = schemaCodes[error.code ?? ''] ?? error.code ?? 'invalid_value'
    const message =
      code === 'invalid_format' && column && formatMessages[column] ? formatMessages[column] : error.message
    return rowError(column, code, message)
  })
}

function schemaProblems(
  validate: ValidateFunction,
  body: unknown,
  columnOf: (pointer: string) => string | null,
): RowProblem[] {
  if (validate(body)) return []
  return problemsFromFieldErrors(fieldErrorsFromValidation(validate.errors ?? [], 'body'), columnOf)
}

/** "/address/wardCode" → "wardCode": body members map onto columns by their last segment. */
const lastSegment = (pointer: string) => pointer.split('/').filter(Boolean).pop() ?? null

/** The row's cells, trimmed, formula-looking ones refused; a column the row lacks is undefined. */
type Values = Readonly<Record<string, string | undefined>>

function readCells(cells: Cells, problems: RowProblem[]): Values {
  const values: Record<string, string> = {}
  for (const column in cells) {
    const cleaned = cleanCell(column, cells[column]!)
    if (typeof cleaned === 'string') values[column] = cleaned
    else problems.push(cleaned)
  }
  return values
}

/** Which record a row is about: the registry id (rows of an export), else the file's own key. */
interface RowKey {
  id: string | null
  externalId: string | null
}

function readKey(values: Values, problems: RowProblem[]): RowKey {
  const id = values.id || null
  const externalId = values.externalId || null
  if (id !== null && !isUuid(id))
    problems.push(rowError('id', 'invalid_format', 'is not a record id of this registry (a UUID)'))
  if (id === null && externalId === null) {
    problems.push(
      rowError('externalId', 'external_id_required', 'every row needs an externalId (or the id of a registry record)'),
    )
  }
  return { id: id !== null && isUuid(id) ? id.toLowerCase() : null, externalId }
}

// ---------------------------------------------------------------------------------------------
// Children

interface ChildRecord {
  fullName: string
  dateOfBirth: string | null
  birthYear: number | null
  birthDatePrecision: BirthDatePrecision
  sex: 'male' | 'female' | 'unknown'
  ethnicityCode: string | null
  personalId: string | null
  birthRegistered: boolean | null
  wardCode: string
  residentialGroupCode: string | null
  streetAddress: string | null
  householdId: string | null
  schoolingStatus: ChildRow['schoolingStatus']
  hasDisability: boolean
  disabilityNote: string | null
  healthNote: string | null
}

/** The typed values of a child row, before the stored record is known. */
export interface ChildRowInput {
  key: RowKey
  problems: RowProblem[]
  /** Only the columns the row has; an empty cell is null (the value is cleared). */
  fields: Partial<ChildRecord>
  /** The birth cells, when the file has a dateOfBirth or birthYear column. */
  birth?: { dateOfBirth: string | null; birthYear: number | null; precision: BirthDatePrecision }
  /** The groups in effect according to the row, when the file has the column. */
  groupCodes?: CircumstanceGroupCode[]
  /** Since when the groups the row adds have held (a catch-up of history), when the cell gives a date. */
  groupsSince?: string
}

export function readChildRow(cells: Cells, context: Pick<PlanContext, 'sensitiveAllowed'>): ChildRowInput {
  const problems: RowProblem[] = []
  const values = readCells(cells, problems)
  const key = readKey(values, problems)
  const fields: Partial<ChildRecord> = {}
  const text = (value: string) => (value === '' ? null : normaliseText(value))
  const {
    fullName,
    sex,
    ethnicityCode,
    personalId,
    householdId,
    schoolingStatus,
    streetAddress,
    groupCodes,
    groupsSince,
  } = values
  if (fullName !== undefined) fields.fullName = normaliseText(fullName)
  if (streetAddress !== undefined) fields.streetAddress = text(streetAddress)
  if (sex !== undefined) {
    const parsed = parseSex(sex)
    if (sex === '') problems.push(rowError('sex', 'required', 'is required'))
    else if (!parsed)
      problems.push(rowError('sex', 'invalid_value', 'must be male, female or unknown (Nam, Nữ, Không rõ)'))
    else fields.sex = parsed
  }
  for (const column of ['wardCode', 'residentialGroupCode'] as const) {
    const value = values[column]
    if (value !== undefined) fields[column] = value === '' ? (null as never) : restoreLeadingZeros(value, 5, 3)
  }
  if (ethnicityCode !== undefined)
    fields.ethnicityCode = ethnicityCode === '' ? null : restoreLeadingZeros(ethnicityCode, 2, 1)
  if (personalId !== undefined) {
    const digits = personalId.replace(/[\s.]/g, '')
    if (/e\+/i.test(digits)) {
      problems.push(
        rowError(
          'personalId',
          'invalid_format',
          'was shortened by a spreadsheet (scientific notation): format the column as text and type the 12 digits',
        ),
      )
    } else fields.personalId = digits === '' ? null : restoreLeadingZeros(digits, 12, 9)
  }
  for (const column of ['birthRegistered', 'hasDisability'] as const) {
    const value = values[column]
    if (value === undefined) continue
    const parsed = parseBoolean(value)
    if (parsed === undefined)
      problems.push(rowError(column, 'invalid_value', 'must be yes or no (true/false, 1/0, có/không)'))
    else if (column === 'hasDisability') fields.hasDisability = parsed ?? false
    else fields.birthRegistered = parsed
  }
  if (householdId !== undefined) {
    if (householdId !== '' && !isUuid(householdId))
      problems.push(rowError('householdId', 'invalid_format', 'is not a household id of this registry (a UUID)'))
    else fields.householdId = householdId === '' ? null : householdId.toLowerCase()
  }
  if (schoolingStatus !== undefined) {
    // The code, or the label a Vietnamese export writes (Tiểu học); anything else fails the record's schema.
    fields.schoolingStatus = (
      schoolingStatus === '' ? null : (parseSchoolingStatus(schoolingStatus) ?? schoolingStatus)
    ) as ChildRecord['schoolingStatus']
  }
  for (const column of ['healthNote', 'disabilityNote'] as const) {
    const value = values[column]
    if (value !== undefined) fields[column] = text(value)
  }
  // Without the permission an empty cell writes nothing either: clearing a value the importer cannot see is a write.
  if (!context.sensitiveAllowed) {
    for (const column of sensitiveChildFields) {
      delete fields[column as keyof ChildRecord]
      const value = values[column]
      if (value === undefined || value === '') continue
      problems.push(
        rowError(
          column,
          'sensitive_field_forbidden',
          'ethnicity and health or disability details are sensitive personal data: writing them needs registry:sensitive',
        ),
      )
    }
  }
  const birth = readBirth(values, problems)
  let codes: CircumstanceGroupCode[] | undefined
  if (groupCodes !== undefined) {
    const parsed = parseGroupCodes(groupCodes)
    for (const token of parsed.unknown) {
      problems.push(
        rowError('groupCodes', 'unknown_group', `"${token}" is not a special-circumstance group (a–o, đ or dd)`),
      )
    }
    const forbidden = context.sensitiveAllowed ? [] : parsed.codes.filter((code) => sensitiveGroupCodes.has(code))
    if (forbidden.length > 0) {
      problems.push(
        rowError(
          'groupCodes',
          'sensitive_field_forbidden',
          `group ${forbidden.join(', ')} is sensitive: recording it needs registry:sensitive`,
        ),
      )
    }
    codes = parsed.codes
  }
  let since: string | undefined
  if (groupsSince !== undefined && groupsSince !== '') {
    since = parseDate(groupsSince) ?? undefined
    if (!since) problems.push(rowError('groupsSince', 'invalid_date', 'must be a date: dd/mm/yyyy or yyyy-mm-dd'))
  }
  return {
    key,
    problems,
    fields,
    ...(birth ? { birth } : {}),
    ...(codes ? { groupCodes: codes } : {}),
    ...(since ? { groupsSince: since } : {}),
  }
}

function readBirth(values: Values, problems: RowProblem[]): ChildRowInput['birth'] {
  const { dateOfBirth = '', birthYear = '' } = values
  if (values.dateOfBirth === undefined && values.birthYear === undefined) return undefined
  const parsed = dateOfBirth === '' ? null : parseBirthDate(dateOfBirth)
  if (dateOfBirth !== '' && !parsed) {
    problems.push(
      rowError(
        'dateOfBirth',
        'invalid_date',
        'is not a date: write dd/mm/yyyy (or yyyy-mm-dd), mm/yyyy when only the month is known, or yyyy',
      ),
    )
  }
  let year: number | null = null
  if (birthYear !== '') {
    if (/^\d{4}$/.test(birthYear)) year = Number(birthYear)
    else problems.push(rowError('birthYear', 'invalid_number', 'must be a year of four digits'))
  }
  if (parsed && year !== null && parsed.birthYear !== year) {
    problems.push(
      rowError(
        'birthYear',
        'birth_year_mismatch',
        `says ${year} but dateOfBirth says ${parsed.birthYear}: correct one of them`,
      ),
    )
  }
  if (parsed) return { dateOfBirth: parsed.dateOfBirth, birthYear: parsed.birthYear, precision: parsed.precision }
  return { dateOfBirth: null, birthYear: year, precision: 'year' }
}

export interface ChildLookup {
  /** The stored record the row is about (by id or by source and externalId), in the importer's units. */
  existing: ChildRow | null
  /** The source and externalId belong to a deleted record. */
  deleted: boolean
  /** The live child (in the importer's units) that holds the row's personal ID number, if any. */
  personalIdOwner: string | null
  /** The row's householdId names a household in the importer's units. */
  householdKnown: boolean
  /** The stored record's group memberships that are not over before today (in effect, ending today, or starting later). */
  memberships: readonly { id: string; groupCode: string; startDate: string; endDate: string | null }[]
  /** A live child in the importer's units with the same folded name and date of birth. */
  possibleDuplicate: string | null
}

export type ChildPlan =
  | { outcome: 'rejected'; problems: RowProblem[] }
  | {
      outcome: Outcome
      problems: RowProblem[]
      record: ChildRecord
      changes: FieldChange[]
      /** The row gives a stored record without a key its externalId (rows of an export keep matching). */
      linksExternalId: string | null
      groupsToStart: CircumstanceGroupCode[]
      /** The day the started memberships begin. */
      groupsSince: string
      groupsToEnd: { id: string; groupCode: string; startDate: string; endDate: string | null }[]
    }

const emptyChild: ChildRecord = {
  fullName: '',
  dateOfBirth: null,
  birthYear: null,
  birthDatePrecision: 'exact',
  sex: 'unknown',
  ethnicityCode: null,
  personalId: null,
  birthRegistered: null,
  wardCode: '',
  residentialGroupCode: null,
  streetAddress: null,
  householdId: null,
  schoolingStatus: null,
  hasDisability: false,
  disabilityNote: null,
  healthNote: null,
}

/** What a new record holds in the tracked fields an import does not write, as POST /v1/children stores them. */
const newChildDefaults = { caregivers: [], relationshipToHead: null, status: 'active', statusDate: null, movedTo: null }

function storedChild(row: ChildRow): ChildRecord {
  const record = { ...emptyChild }
  for (const key of Object.keys(emptyChild) as (keyof ChildRecord)[])
    (record as Record<string, unknown>)[key] = row[key]
  return record
}

/** Birth cells over the stored birth: cells that say what is stored keep the stored precision. */
function mergeBirth(current: ChildRecord, birth: NonNullable<ChildRowInput['birth']>, hasDateColumn: boolean) {
  const sameDate = !hasDateColumn || birth.dateOfBirth === current.dateOfBirth
  if (sameDate && birth.birthYear === current.birthYear) {
    return {
      dateOfBirth: current.dateOfBirth,
      birthYear: current.birthYear,
      birthDatePrecision: current.birthDatePrecision,
    }
  }
  if (!hasDateColumn)
    return normaliseBirth({ dateOfBirth: null, birthYear: birth.birthYear, birthDatePrecision: 'year' })
  return normaliseBirth({
    dateOfBirth: birth.dateOfBirth,
    birthYear: birth.birthYear,
    birthDatePrecision: birth.precision,
  })
}

function childColumnOf(pointer: string): string | null {
  const segment = lastSegment(pointer)
  return segment === 'address' ? 'wardCode' : segment
}

export function planChildRow(input: ChildRowInput, cells: Cells, lookup: ChildLookup, context: PlanContext): ChildPlan {
  const problems = [...input.problems]
  const { existing } = lookup
  if (input.key.id && !existing)
    problems.push(rowError('id', 'unknown_id', 'no child with this id is registered in your units'))
  if (!input.key.id && lookup.deleted) {
    problems.push(
      rowError(
        'externalId',
        'record_deleted',
        'the record with this source and externalId was deleted; it is not brought back by an import',
      ),
    )
  }
  if (problems.some((p) => p.severity === 'error')) return { outcome: 'rejected', problems }

  const current = existing ? storedChild(existing) : emptyChild
  const next: ChildRecord = { ...current, ...input.fields }
  if (existing) {
    // A cell that says what is stored, up to spacing and Unicode form, keeps the stored text.
    for (const key of Object.keys(input.fields) as (keyof ChildRecord)[]) {
      const stored = current[key]
      const value = next[key]
      if (typeof value === 'string' && typeof stored === 'string' && sameText(stored, value))
        (next as unknown as Record<string, unknown>)[key] = stored
    }
  }
  if (input.birth) Object.assign(next, mergeBirth(current, input.birth, 'dateOfBirth' in cells))

  let linksExternalId: string | null = null
  if (existing && input.key.id && input.key.externalId && input.key.externalId !== existing.externalId) {
    if (existing.externalId !== null) {
      problems.push(
        rowError(
          'externalId',
          'external_id_mismatch',
          'differs from the externalId of the record with this id; an import does not change record keys',
        ),
      )
    } else linksExternalId = input.key.externalId
  }

  const body = {
    fullName: next.fullName,
    sex: next.sex,
    dateOfBirth: next.dateOfBirth,
    birthYear: next.birthYear,
    ethnicityCode: next.ethnicityCode,
    personalId: next.personalId,
    birthRegistered: next.birthRegistered,
    schoolingStatus: next.schoolingStatus,
    hasDisability: next.hasDisability,
    disabilityNote: next.disabilityNote,
    healthNote: next.healthNote,
    householdId: next.householdId,
    address: {
      wardCode: next.wardCode ?? '',
      residentialGroupCode: next.residentialGroupCode,
      streetAddress: next.streetAddress,
    },
  }
  problems.push(...schemaProblems(validateChildBody, body, childColumnOf))
  if (problems.length === 0) {
    problems.push(...problemsFromFieldErrors(birthProblems(next, context.asOf, existing === null), childColumnOf))
    const placement = { today: context.asOf, historyAllowed: false, ...(existing ? { from: existing } : {}) }
    problems.push(
      ...problemsFromFieldErrors(addressProblems(context.tree, context.scope, next, placement), childColumnOf),
    )
    if (next.ethnicityCode && !context.ethnicities.has(next.ethnicityCode)) {
      problems.push(rowError('ethnicityCode', 'unknown_ethnicity', 'is not one of the 54 ethnic group codes'))
    }
    if (next.personalId && lookup.personalIdOwner && lookup.personalIdOwner !== existing?.id) {
      problems.push(
        rowError('personalId', 'personal_id_taken', 'another child is already registered with this personal ID number'),
      )
    }
    if (next.householdId && next.householdId !== current.householdId && !lookup.householdKnown) {
      problems.push(rowError('householdId', 'unknown_household', 'is not a household in your units'))
    }
  }
  if (problems.some((p) => p.severity === 'error')) return { outcome: 'rejected', problems }

  if (next.personalId) {
    for (const warning of personalIdWarnings(next.personalId, next))
      problems.push(rowWarning(warning.field, warning.code, warning.message))
  }
  if (!existing && lookup.possibleDuplicate) {
    problems.push(
      rowWarning(
        'fullName',
        'possible_duplicate',
        `a child with the same name and date of birth is already registered (${lookup.possibleDuplicate})`,
      ),
    )
  }

  // A listed group is there already when any such membership is not over; an unlisted one is ended
  // (today) when it is in effect beyond today — so importing the same file again changes nothing.
  // Memberships the importer may not see (sensitive groups) are never ended by a file that cannot list them.
  const listed = input.groupCodes
  const groupsToStart = listed ? listed.filter((code) => !lookup.memberships.some((m) => m.groupCode === code)) : []
  const groupsToEnd = listed
    ? lookup.memberships.filter(
        (m) =>
          !listed.includes(m.groupCode as CircumstanceGroupCode) &&
          (context.sensitiveAllowed || !sensitiveGroupCodes.has(m.groupCode)) &&
          m.startDate <= context.asOf &&
          (m.endDate === null || m.endDate > context.asOf),
      )
    : []
  const groupsSince = groupsToStart.length > 0 ? membershipStart(input.groupsSince, next, context.asOf, problems) : null
  if (problems.some((p) => p.severity === 'error')) return { outcome: 'rejected', problems }
  const changes = existing
    ? diffFields<Record<string, unknown>>(
        current as unknown as Record<string, unknown>,
        next as unknown as Record<string, unknown>,
        trackedChildFields,
      )
    : diffFields<Record<string, unknown>>({}, { ...next, ...newChildDefaults }, trackedChildFields)
  const changed = changes.length > 0 || groupsToStart.length > 0 || groupsToEnd.length > 0 || linksExternalId !== null
  return {
    outcome: !existing ? 'created' : changed ? 'updated' : 'unchanged',
    problems,
    record: next,
    changes,
    linksExternalId,
    groupsToStart,
    groupsSince: groupsSince ?? context.asOf,
    groupsToEnd,
  }
}

/**
 * The day the memberships a row adds start: the row's `groupsSince` when it is neither in the future nor
 * before the child was born, else (no date given) the day of the import, said in a warning so that a
 * catch-up of history is not silently dated today.
 */
function membershipStart(
  since: string | undefined,
  child: Pick<ChildRecord, 'dateOfBirth' | 'birthYear'>,
  today: string,
  problems: RowProblem[],
): string | null {
  if (since === undefined) {
    problems.push(
      rowWarning(
        'groupsSince',
        'start_date_assumed',
        `no start date for the groups added: they are recorded from ${today}; give groupsSince (Thuộc nhóm từ ngày) to keep their history`,
      ),
    )
    return null
  }
  const born = child.dateOfBirth ?? (child.birthYear === null ? null : `${child.birthYear}-01-01`)
  if (since > today) problems.push(rowError('groupsSince', 'date_in_future', 'must not be in the future'))
  else if (born !== null && since < born)
    problems.push(rowError('groupsSince', 'before_birth', `must not be before the child’s birth (${born})`))
  return since
}

// ---------------------------------------------------------------------------------------------
// Households

interface HouseholdRecord {
  headName: string
  wardCode: string
  residentialGroupCode: string | null
  streetAddress: string | null
  povertyStatus: HouseholdRow['povertyStatus']
  povertyFrom: string | null
  povertyTo: string | null
}

const trackedHouseholdFields = [
  'headName',
  'wardCode',
  'residentialGroupCode',
  'streetAddress',
  'povertyStatus',
  'povertyFrom',
  'povertyTo',
] as const

export interface HouseholdRowInput {
  key: RowKey
  problems: RowProblem[]
  fields: Partial<HouseholdRecord>
}

const povertyStatuses: Record<string, HouseholdRecord['povertyStatus']> = {
  poor: 'poor',
  'ho ngheo': 'poor',
  ngheo: 'poor',
  near_poor: 'near_poor',
  'ho can ngheo': 'near_poor',
  'can ngheo': 'near_poor',
  none: 'none',
  khong: 'none',
  '': 'none',
}

export function readHouseholdRow(cells: Cells): HouseholdRowInput {
  const problems: RowProblem[] = []
  const values = readCells(cells, problems)
  const key = readKey(values, problems)
  const fields: Partial<HouseholdRecord> = {}
  const { headName, streetAddress, povertyStatus } = values
  if (headName !== undefined) fields.headName = normaliseText(headName)
  if (streetAddress !== undefined) fields.streetAddress = streetAddress === '' ? null : normaliseText(streetAddress)
  for (const column of ['wardCode', 'residentialGroupCode'] as const) {
    const value = values[column]
    if (value !== undefined) fields[column] = value === '' ? (null as never) : restoreLeadingZeros(value, 5, 3)
  }
  if (povertyStatus !== undefined) {
    const status = povertyStatuses[foldName(povertyStatus)]
    if (!status)
      problems.push(
        rowError('povertyStatus', 'invalid_value', 'must be poor, near_poor or none (Hộ nghèo, Hộ cận nghèo, Không)'),
      )
    else fields.povertyStatus = status
  }
  for (const column of ['povertyFrom', 'povertyTo'] as const) {
    const value = values[column]
    if (value === undefined) continue
    const date = value === '' ? null : parseDate(value)
    if (value !== '' && !date)
      problems.push(rowError(column, 'invalid_date', 'is not a date: write dd/mm/yyyy or yyyy-mm-dd'))
    else fields[column] = date
  }
  return { key, problems, fields }
}

export interface HouseholdLookup {
  existing: HouseholdRow | null
  deleted: boolean
}

export type HouseholdPlan =
  | { outcome: 'rejected'; problems: RowProblem[] }
  | {
      outcome: Outcome
      problems: RowProblem[]
      record: HouseholdRecord
      changedFields: string[]
      linksExternalId: string | null
    }

const emptyHousehold: HouseholdRecord = {
  headName: '',
  wardCode: '',
  residentialGroupCode: null,
  streetAddress: null,
  povertyStatus: 'none',
  povertyFrom: null,
  povertyTo: null,
}

function householdColumnOf(pointer: string): string | null {
  const segment = lastSegment(pointer)
  if (segment === 'status') return 'povertyStatus'
  if (segment === 'from') return 'povertyFrom'
  if (segment === 'to') return 'povertyTo'
  return segment === 'address' ? 'wardCode' : segment
}

export function planHouseholdRow(
  input: HouseholdRowInput,
  lookup: HouseholdLookup,
  context: PlanContext,
): HouseholdPlan {
  const problems = [...input.problems]
  const { existing } = lookup
  if (input.key.id && !existing)
    problems.push(rowError('id', 'unknown_id', 'no household with this id is in your units'))
  if (!input.key.id && lookup.deleted) {
    problems.push(
      rowError(
        'externalId',
        'record_deleted',
        'the household with this source and externalId was deleted; it is not brought back by an import',
      ),
    )
  }
  if (problems.some((p) => p.severity === 'error')) return { outcome: 'rejected', problems }
  const current: HouseholdRecord = existing
    ? {
        headName: existing.headName,
        wardCode: existing.wardCode,
        residentialGroupCode: existing.residentialGroupCode,
        streetAddress: existing.streetAddress,
        povertyStatus: existing.povertyStatus,
        povertyFrom: existing.povertyFrom,
        povertyTo: existing.povertyTo,
      }
    : emptyHousehold
  const next: HouseholdRecord = { ...current, ...input.fields }
  if (existing) {
    for (const key of Object.keys(input.fields) as (keyof HouseholdRecord)[]) {
      const stored = current[key]
      const value = next[key]
      if (typeof value === 'string' && typeof stored === 'string' && sameText(stored, value))
        (next as unknown as Record<string, unknown>)[key] = stored
    }
  }
  let linksExternalId: string | null = null
  if (existing && input.key.id && input.key.externalId && input.key.externalId !== existing.externalId) {
    if (existing.externalId !== null) {
      problems.push(
        rowError(
          'externalId',
          'external_id_mismatch',
          'differs from the externalId of the household with this id; an import does not change record keys',
        ),
      )
    } else linksExternalId = input.key.externalId
  }
  const body = {
    headName: next.headName,
    address: {
      wardCode: next.wardCode ?? '',
      residentialGroupCode: next.residentialGroupCode,
      streetAddress: next.streetAddress,
    },
    poverty: { status: next.povertyStatus, from: next.povertyFrom, to: next.povertyTo },
  }
  problems.push(...schemaProblems(validateHouseholdBody, body, householdColumnOf))
  if (problems.length === 0) {
    const placement = { today: context.asOf, historyAllowed: false, ...(existing ? { from: existing } : {}) }
    problems.push(
      ...problemsFromFieldErrors(addressProblems(context.tree, context.scope, next, placement), householdColumnOf),
    )
    if (next.povertyFrom && next.povertyTo && next.povertyTo < next.povertyFrom) {
      problems.push(rowError('povertyTo', 'invalid_range', 'must not be before povertyFrom'))
    }
  }
  if (problems.some((p) => p.severity === 'error')) return { outcome: 'rejected', problems }
  const changedFields = existing
    ? diffFields(current as unknown as Record<string, unknown>, next as unknown as Record<string, unknown>, [
        ...trackedHouseholdFields,
      ]).map((c) => c.field)
    : []
  const changed = changedFields.length > 0 || linksExternalId !== null
  return {
    outcome: !existing ? 'created' : changed ? 'updated' : 'unchanged',
    problems,
    record: next,
    changedFields,
    linksExternalId,
  }
}
