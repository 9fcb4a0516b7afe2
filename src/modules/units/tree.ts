/**
 * The administrative units as a tree (effective-dated, loaded once a minute by the principal directory
 * and never changed in place): where a record may be written, which province a ward lies in, what a
 * `unit` filter covers. Every module that places records uses these, so they live with the units.
 */
import type { Principal } from '../../platform/auth.js'
import { localDateOf } from '../calendar/rules.js'
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

/** When a record is placed: the business date it is filed on, and whether a unit that no longer exists may take it. */
export interface Placement {
  today: string
  /** An administrator backfilling history. */
  historyAllowed: boolean
  /** Where the record is filed now, when it is an existing record being moved (or not). */
  from?: { wardCode: string; residentialGroupCode: string | null }
}

/**
 * The placement of a write made now. Backfilling (filing a record at a unit that no longer exists) is an
 * administrator's explicit act; anyone else asking for it is refused rather than silently ignored.
 */
export function placementFor(
  work: { principal: Principal; now: Date },
  backfill = false,
  from?: Placement['from'],
): Placement {
  if (backfill && !work.principal.permissions.has('units:manage')) {
    throw new HttpProblem(
      403,
      'backfill_not_permitted',
      'Only an administrator (units:manage) may file records at a unit that no longer exists.',
    )
  }
  return { today: localDateOf(work.now), historyAllowed: backfill, ...(from ? { from } : {}) }
}

const successorIndexes = new WeakMap<readonly UnitNode[], ReadonlyMap<string, readonly string[]>>()

/** The units that succeeded a unit (the 2025 reorganisation), from the tree's predecessor links. */
export function successorsOf(tree: readonly UnitNode[], code: string): readonly string[] {
  let index = successorIndexes.get(tree)
  if (!index) {
    const built = new Map<string, string[]>()
    for (const unit of tree) {
      for (const predecessor of unit.predecessors ?? [])
        built.set(predecessor, [...(built.get(predecessor) ?? []), unit.code])
    }
    for (const list of built.values()) list.sort()
    index = built
    successorIndexes.set(tree, index)
  }
  return index.get(code) ?? []
}

/** Pure: a unit that ceased to exist before `today` takes no new record, unless an administrator is backfilling. */
export function inactiveUnitProblem(
  tree: readonly UnitNode[],
  unit: UnitNode,
  placement: Placement,
  pointer: string,
): FieldError | null {
  if (!unit.validTo || unit.validTo >= placement.today || placement.historyAllowed) return null
  const successors = successorsOf(tree, unit.code)
  const into = successors.length > 0 ? `; its records now belong to ${successors.join(', ')}` : ''
  return {
    location: 'body',
    pointer,
    message: `ceased to exist after ${unit.validTo}${into}`,
    code: 'unit_not_active',
  }
}

/**
 * Where a record may be written: the ward must be a ward in existence on the placement's date and the
 * group one of its residential groups, and the caller must hold the place. Problems are field errors at
 * `pointer`.
 */
export function addressProblems(
  tree: readonly UnitNode[],
  scope: Scope,
  address: { wardCode: string; residentialGroupCode?: string | null },
  placement: Placement,
  pointer = '/address',
): FieldError[] {
  const byCode = unitsByCode(tree)
  const ward = byCode.get(address.wardCode)
  if (!ward || ward.level !== 'ward') {
    return [{ location: 'body', pointer: `${pointer}/wardCode`, message: 'is not a ward', code: 'invalid_ward' }]
  }
  // A record that stays in its ward is not placed anew, even when the ward no longer exists.
  const stays = placement.from?.wardCode === ward.code
  const inactive = stays ? null : inactiveUnitProblem(tree, ward, placement, `${pointer}/wardCode`)
  if (inactive) return [inactive]
  const relocation =
    placement.from && !stays ? relocationProblem(tree, placement.from, ward.code, placement.today) : null
  if (relocation) return [{ location: 'body', pointer: `${pointer}/wardCode`, ...relocation }]
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

export interface Home {
  wardCode: string
  residentialGroupCode: string | null
}

/** Whether a ward ceased to exist before `today` (and so holds only history, or records to re-home). */
export function isAbolished(unit: UnitNode | undefined, today: string): boolean {
  return !!unit?.validTo && unit.validTo < today
}

/**
 * Where a record filed at `from` belongs now: its residential group's successor (a group, under its
 * new ward, or a ward), else the ward's only successor. Null when `from` is not abolished or when no
 * mapping places it (a ward split between several successors and a record with no mapped group): such a
 * record waits to be claimed by an officer of one of the successors.
 */
export function rehomingTarget(tree: readonly UnitNode[], from: Home, today: string): Home | null {
  const byCode = unitsByCode(tree)
  if (!isAbolished(byCode.get(from.wardCode), today)) return null
  if (from.residentialGroupCode) {
    const successors = successorsOf(tree, from.residentialGroupCode)
      .map((code) => byCode.get(code))
      .filter((unit) => unit !== undefined)
    if (successors.length === 1) {
      const [successor] = successors
      if (successor!.level === 'ward') return { wardCode: successor!.code, residentialGroupCode: null }
      if (successor!.level === 'residential_group' && successor!.parentCode) {
        return { wardCode: successor!.parentCode, residentialGroupCode: successor!.code }
      }
    }
  }
  const wards = successorsOf(tree, from.wardCode).filter((code) => byCode.get(code)?.level === 'ward')
  return wards.length === 1 ? { wardCode: wards[0]!, residentialGroupCode: null } : null
}

/**
 * A record filed at an abolished ward moves only where the reorganisation sent it: where the mapping
 * places it, or (when no mapping does) to one of its ward's successors. Elsewhere it would leave the
 * sight of the ward that holds it by the mapping.
 */
function relocationProblem(
  tree: readonly UnitNode[],
  from: Home,
  toWard: string,
  today: string,
): { message: string; code: string } | null {
  if (!isAbolished(unitsByCode(tree).get(from.wardCode), today)) return null
  const mapped = rehomingTarget(tree, from, today)
  if (mapped) {
    return mapped.wardCode === toWard
      ? null
      : { message: `the mapping places this record in ${mapped.wardCode}`, code: 'not_its_successor' }
  }
  const successors = successorsOf(tree, from.wardCode)
  return successors.includes(toWard)
    ? null
    : { message: `${from.wardCode} went to ${successors.join(', ')}`, code: 'not_its_successor' }
}
