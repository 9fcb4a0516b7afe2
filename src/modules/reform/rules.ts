/**
 * Re-homing after the 2025 reorganisation (Resolution 1656/NQ-UBTVQH15): where a record still filed at
 * an abolished ward belongs now. Pure: every function takes the unit tree it reasons about.
 */
import type { FieldError } from '../../platform/problem.js'
import { isUnitInScope, type Scope, type UnitNode } from '../../platform/scope.js'
import { isAbolished, rehomingTarget, successorsOf, type Home } from '../units/tree.js'

export const recordTypes = ['household', 'child', 'incident'] as const
export type RecordType = (typeof recordTypes)[number]

/**
 * Problems with an officer claiming one unplaced record for `to`: the record must be at an abolished
 * ward, and `to` a successor of it, held by the officer, with a group (if any) of that ward.
 */
export function claimProblems(
  tree: readonly UnitNode[],
  scope: Scope,
  from: Home,
  to: Home,
  today: string,
): FieldError[] {
  const byCode = new Map(tree.map((unit) => [unit.code, unit]))
  const problem = (pointer: string, message: string, code: string): FieldError[] => [
    { location: 'body', pointer, message, code },
  ]
  if (!isAbolished(byCode.get(from.wardCode), today)) {
    return problem('/wardCode', 'the record is not filed at an abolished ward', 'not_unplaced')
  }
  const mapped = rehomingTarget(tree, from, today)
  if (mapped) {
    return problem(
      '/wardCode',
      `the mapping places this record in ${mapped.wardCode}: it is not unplaced`,
      'placed_by_mapping',
    )
  }
  if (!successorsOf(tree, from.wardCode).includes(to.wardCode)) {
    return problem('/wardCode', `is not a successor of ${from.wardCode}`, 'not_a_successor')
  }
  if (to.residentialGroupCode !== null) {
    const group = byCode.get(to.residentialGroupCode)
    if (group?.level !== 'residential_group' || group.parentCode !== to.wardCode) {
      return problem('/residentialGroupCode', 'is not a residential group of that ward', 'invalid_group')
    }
  }
  if (!isUnitInScope(scope, to.wardCode, to.residentialGroupCode)) {
    return problem('/wardCode', 'is outside your units', 'unit_out_of_scope')
  }
  return []
}

export interface PreviewRow {
  recordType: RecordType
  fromWard: string
  fromGroup: string | null
  count: number
}

export interface Preview {
  /** Records each successor ward will receive, by record type. */
  bySuccessor: { wardCode: string; households: number; children: number; incidents: number }[]
  /** Records no mapping places, by abolished ward: they wait to be claimed. */
  unplaced: { wardCode: string; households: number; children: number; incidents: number }[]
  total: { households: number; children: number; incidents: number }
}

const countKey = { household: 'households', child: 'children', incident: 'incidents' } as const

/** Pure: the preview of a re-homing from the counts of records per abolished ward and group. */
export function previewOf(tree: readonly UnitNode[], rows: readonly PreviewRow[], today: string): Preview {
  const bySuccessor = new Map<string, Preview['bySuccessor'][number]>()
  const unplaced = new Map<string, Preview['unplaced'][number]>()
  const total = { households: 0, children: 0, incidents: 0 }
  const bucket = <T extends { wardCode: string }>(map: Map<string, T>, wardCode: string, empty: () => T): T => {
    let entry = map.get(wardCode)
    if (!entry) map.set(wardCode, (entry = empty()))
    return entry
  }
  const empty = (wardCode: string) => () => ({ wardCode, households: 0, children: 0, incidents: 0 })
  for (const row of rows) {
    const key = countKey[row.recordType]
    total[key] += row.count
    const to = rehomingTarget(tree, { wardCode: row.fromWard, residentialGroupCode: row.fromGroup }, today)
    if (to) bucket(bySuccessor, to.wardCode, empty(to.wardCode))[key] += row.count
    else bucket(unplaced, row.fromWard, empty(row.fromWard))[key] += row.count
  }
  const sorted = <T extends { wardCode: string }>(map: Map<string, T>) =>
    [...map.values()].sort((a, b) => a.wardCode.localeCompare(b.wardCode))
  return { bySuccessor: sorted(bySuccessor), unplaced: sorted(unplaced), total }
}

/** The abolished wards (before `today`) that have successors: what a re-homing can empty. */
export function abolishedWards(tree: readonly UnitNode[], today: string): string[] {
  return tree
    .filter((unit) => unit.level === 'ward' && isAbolished(unit, today) && successorsOf(tree, unit.code).length > 0)
    .map((unit) => unit.code)
    .sort()
}
