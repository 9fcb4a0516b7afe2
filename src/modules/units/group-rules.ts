/**
 * What is wrong with a named group of wards an administrator defines. Pure: the units come in.
 */
import type { FieldError } from '../../platform/problem.js'
import type { UnitLevel } from './tables.js'

export interface GroupDefinition {
  nameVi: string
  wardCodes: readonly string[]
}

/**
 * A group's code must not be a unit's (a figure or report is asked for by code), and each member must be a
 * ward, named once.
 */
export function unitGroupProblems(
  code: string,
  group: GroupDefinition,
  units: ReadonlyMap<string, { level: UnitLevel }>,
): FieldError[] {
  const problems: FieldError[] = []
  if (units.has(code))
    problems.push({
      location: 'params',
      pointer: '/code',
      message: 'is the code of an administrative unit',
      code: 'code_taken',
    })
  if (group.nameVi.trim() === '')
    problems.push({ location: 'body', pointer: '/nameVi', message: 'must not be blank', code: 'required' })
  const seen = new Set<string>()
  group.wardCodes.forEach((ward, index) => {
    const pointer = `/wardCodes/${index}`
    if (seen.has(ward)) problems.push({ location: 'body', pointer, message: 'is named twice', code: 'duplicate' })
    seen.add(ward)
    const unit = units.get(ward)
    if (!unit) problems.push({ location: 'body', pointer, message: 'is not a known unit', code: 'unknown_unit' })
    else if (unit.level !== 'ward')
      problems.push({ location: 'body', pointer, message: `is a ${unit.level}, not a ward`, code: 'not_a_ward' })
  })
  return problems
}
