/**
 * The administrative units as a tree (effective-dated, loaded once a minute by the principal directory
 * and never changed in place): where a record may be written, which province a ward lies in, what a
 * `unit` filter covers. Every module that places records uses these, so they live with the units.
 */
import type { FieldError } from '../../platform/problem.js'
import { HttpProblem } from '../../platform/problem.js'
import { isUnitInScope, resolveScope, type Scope, type UnitNode } from '../../platform/scope.js'

const indexes = new WeakMap<readonly UnitNode[], ReadonlyMap<string, UnitNode>>()

/**
 * The tree's units by code. The tree is loaded once a minute and never changed in place, so its index is
 * built once per tree rather than once per record (an import checks a hundred thousand addresses).
 */
function unitsByCode(tree: readonly UnitNode[]): ReadonlyMap<string, UnitNode> {
  let index = indexes.get(tree)
  if (!index) {
    index = new Map(tree.map((unit) => [unit.code, unit]))
    indexes.set(tree, index)
  }
  return index
}

/**
 * Where a record may be written: the ward must be a ward and the group one of its residential groups,
 * and the caller must hold the place. Problems are field errors at `pointer`.
 */
export function addressProblems(
  tree: readonly UnitNode[],
  scope: Scope,
  address: { wardCode: string; residentialGroupCode?: string | null },
  pointer = '/address',
): FieldError[] {
  const byCode = unitsByCode(tree)
  const ward = byCode.get(address.wardCode)
  if (!ward || ward.level !== 'ward') {
    return [{ location: 'body', pointer: `${pointer}/wardCode`, message: 'is not a ward', code: 'invalid_ward' }]
  }
  const groupCode = address.residentialGroupCode ?? null
  if (groupCode !== null) {
    const group = byCode.get(groupCode)
    if (!group || group.level !== 'residential_group' || group.parentCode !== ward.code) {
      return [
        {
          location: 'body',
          pointer: `${pointer}/residentialGroupCode`,
          message: 'is not a residential group of that ward',
          code: 'invalid_group',
        },
      ]
    }
  }
  if (!isUnitInScope(scope, ward.code, groupCode)) {
    return [
      { location: 'body', pointer: `${pointer}/wardCode`, message: 'is outside your units', code: 'unit_out_of_scope' },
    ]
  }
  return []
}

/** The province a unit lies in, walking up the unit tree; '' when the unit is unknown. */
export function provinceOfUnit(tree: readonly UnitNode[], unitCode: string): string {
  const byCode = unitsByCode(tree)
  let current = byCode.get(unitCode)
  for (let depth = 0; current && depth < 6; depth++) {
    if (current.level === 'province') return current.code
    current = current.parentCode ? byCode.get(current.parentCode) : undefined
  }
  return ''
}

/** The `unit` filter resolved to what lies below it, or 400 when no such unit exists. */
export function unitFilterScope(tree: readonly UnitNode[], unit: string | undefined): Scope | undefined {
  if (unit === undefined) return undefined
  if (!tree.some((node) => node.code === unit)) {
    throw new HttpProblem(400, 'unknown_unit', `No unit has the code ${unit}.`, {
      errors: [{ location: 'querystring', pointer: '/unit', message: 'is not a known unit' }],
    })
  }
  return resolveScope(tree, [unit])
}
