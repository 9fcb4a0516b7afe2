/**
 * The hotline's intake: where a report goes (its address routed to a ward of today's map) and which
 * receipt times are believed. Pure: the unit tree and `now` are arguments.
 */
import type { FieldError } from '../../platform/problem.js'
import type { UnitNode } from '../../platform/scope.js'
import { receiptProblems as caseReceiptProblems } from '../incidents/checks.js'
import { isAbolished, rehomingTarget, successorsOf, type Home } from '../units/tree.js'

/**
 * How old a stated receipt may be. The hotline forwards a report within hours; one dated more than a week
 * back is a replayed or mis-dated message, and would open a case already long past its 24-hour report:
 * such a report is recorded by the ward itself (POST /v1/incidents with its receivedAt), which answers for it.
 */
export const maxReceiptAgeDays = 7

const dayMs = 24 * 60 * 60 * 1000

/**
 * Why a stated receipt time is not believed: what any case's receipt must be (not in the future), and
 * not older than the hotline forwards reports. The hotline's receipt is also the detection.
 */
export function receiptProblems(receivedAt: Date, now: Date): FieldError[] {
  const problems = caseReceiptProblems(receivedAt, receivedAt, true, now)
  if (now.getTime() - receivedAt.getTime() > maxReceiptAgeDays * dayMs)
    problems.push({
      location: 'body',
      pointer: '/receivedAt',
      message: `must be within the last ${maxReceiptAgeDays} days; an older report is recorded by the ward`,
      code: 'receipt_too_old',
    })
  return problems
}

type RoutedBy = 'ward' | 'residential_group' | 'successor'

export interface Routing extends Home {
  routedBy: RoutedBy
}

function problem(pointer: string, message: string, code: string): { problem: FieldError } {
  return { problem: { location: 'body', pointer: `/address${pointer}`, message, code } }
}

/**
 * The ward (and residential group) a report goes to on `today`'s map: the residential group's ward, or
 * the ward given; an abolished ward or group goes where the 2025 reorganisation sent it (the
 * residential-group mapping, else the ward's only successor). A ward split between several successors
 * needs the residential group to say which.
 */
export function routeAddress(
  tree: readonly UnitNode[],
  address: { wardCode?: string; residentialGroupCode?: string },
  today: string,
): { routing: Routing } | { problem: FieldError } {
  const byCode = new Map(tree.map((unit) => [unit.code, unit]))
  const { wardCode, residentialGroupCode } = address
  if (residentialGroupCode !== undefined) {
    const group = byCode.get(residentialGroupCode)
    if (group?.level !== 'residential_group' || !group.parentCode)
      return problem('/residentialGroupCode', 'is not a residential group', 'invalid_group')
    if (wardCode !== undefined && wardCode !== group.parentCode)
      return problem('/wardCode', `is not the ward of residential group ${residentialGroupCode}`, 'address_mismatch')
    const home = { wardCode: group.parentCode, residentialGroupCode }
    if (!isAbolished(byCode.get(home.wardCode), today)) return { routing: { ...home, routedBy: 'residential_group' } }
    const target = rehomingTarget(tree, home, today)
    if (target) return { routing: { ...target, routedBy: 'successor' } }
    return problem('/residentialGroupCode', 'has no mapped successor: give the ward of today', 'ward_not_resolved')
  }
  if (wardCode === undefined) return problem('', 'needs a wardCode or a residentialGroupCode', 'address_required')
  const ward = byCode.get(wardCode)
  if (ward?.level !== 'ward') return problem('/wardCode', 'is not a ward', 'invalid_ward')
  if (!isAbolished(ward, today)) return { routing: { wardCode, residentialGroupCode: null, routedBy: 'ward' } }
  const target = rehomingTarget(tree, { wardCode, residentialGroupCode: null }, today)
  if (target) return { routing: { ...target, routedBy: 'successor' } }
  return problem(
    '/wardCode',
    `was split between ${successorsOf(tree, wardCode).join(', ')}: give the residential group, or the ward of today`,
    'ward_not_resolved',
  )
}
