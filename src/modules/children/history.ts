import { sensitiveGroupCodes } from './rules.js'
import type { FieldChange } from './tables.js'

/** Fields whose changes a revision records (the history endpoint shows them). */
export const trackedChildFields = [
  'fullName',
  'dateOfBirth',
  'birthYear',
  'birthDatePrecision',
  'sex',
  'ethnicityCode',
  'personalId',
  'birthRegistered',
  'schoolingStatus',
  'hasDisability',
  'disabilityNote',
  'healthNote',
  'caregivers',
  'householdId',
  'relationshipToHead',
  'wardCode',
  'residentialGroupCode',
  'streetAddress',
  'status',
  'statusDate',
  'movedTo',
] as const

/**
 * Fields of a child whose values are sensitive personal data under Decree 13/2023 (Art. 2(4)) and the
 * Personal Data Protection Law 2025: ethnic origin, and health and disability.
 */
export const sensitiveChildFields: ReadonlySet<string> = new Set([
  'ethnicityCode',
  'hasDisability',
  'disabilityNote',
  'healthNote',
])

const plain = (value: unknown) => value === null || typeof value === 'string' || typeof value === 'boolean'
const plainlyDifferent = (from: unknown, to: unknown) => plain(from) && plain(to)

/**
 * Field-by-field differences between two versions of a record, over the given fields. `before` may be
 * partial: a field it lacks counts as null (`{}` for a record just created).
 */
export function diffFields<T extends object>(
  before: NoInfer<Partial<T>>,
  after: T,
  fields: readonly (keyof T & string)[],
): FieldChange[] {
  const changes: FieldChange[] = []
  for (const field of fields) {
    const from = before[field] ?? null
    const to = after[field] ?? null
    if (from === to) continue
    // Two different strings or booleans (or one and null) always serialise differently; only objects
    // (dates, lists), numbers and mixed types need the serialisations compared.
    if (plainlyDifferent(from, to) || JSON.stringify(from) !== JSON.stringify(to)) changes.push({ field, from, to })
  }
  return changes
}

const groupCodeOf = (value: unknown) =>
  typeof value === 'object' && value !== null && 'groupCode' in value ? String(value.groupCode) : null

/**
 * For callers without the sensitive permission: changes of sensitive fields, and of memberships of
 * sensitive groups, are left out. Listing them with their values hidden would still tell: a yes/no that
 * changed has only one value to change to.
 */
export function redactChanges(changes: readonly FieldChange[]): FieldChange[] {
  return changes.filter(
    (change) =>
      !sensitiveChildFields.has(change.field) &&
      ![groupCodeOf(change.from), groupCodeOf(change.to)].some(
        (code) => code !== null && sensitiveGroupCodes.has(code),
      ),
  )
}
