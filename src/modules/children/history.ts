import type { FieldChange } from './tables.js'

/** Fields of a child whose values are sensitive personal data (health details). */
export const sensitiveChildFields: ReadonlySet<string> = new Set(['disabilityNote', 'healthNote'])

/** Field-by-field differences between two versions of a record, over the given fields. */
export function diffFields<T extends Record<string, unknown>>(before: T, after: T, fields: readonly (keyof T & string)[]): FieldChange[] {
  const changes: FieldChange[] = []
  for (const field of fields) {
    const from = before[field] ?? null
    const to = after[field] ?? null
    if (JSON.stringify(from) !== JSON.stringify(to)) changes.push({ field, from, to })
  }
  return changes
}

/** For callers without the sensitive permission: the change is listed, its values are not. */
export function redactChanges(changes: readonly FieldChange[]): FieldChange[] {
  return changes.map((change) =>
    sensitiveChildFields.has(change.field) ? { field: change.field, from: '[sensitive]', to: '[sensitive]' } : change,
  )
}
