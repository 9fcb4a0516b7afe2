/** Who the caller is to an assessment, and the steps that leaves them. */
import { hasPermission, type Principal } from '../../platform/auth.js'
import { permissionFor, type PermissionByCase } from '../../platform/permissions.js'
import { isUnitInScope, type UnitNode } from '../../platform/scope.js'
import { nextStates, type AssessmentActor, type AssessmentState } from './workflow-rules.js'

/**
 * Who the caller is to this assessment. Acting for the ward means being assigned to the ward itself
 * (or one of its residential groups), not reaching it through the district: such an account never
 * appraises or decides the ward's own self-assessment, whatever permissions it holds.
 */
export function actorFor(principal: Principal, tree: readonly UnitNode[], wardCode: string): AssessmentActor {
  const parentOf = new Map(tree.map((unit) => [unit.code, unit.parentCode]))
  return {
    isWardOfAssessment: principal.units.some((code) => code === wardCode || parentOf.get(code) === wardCode),
    isDistrict: hasPermission(principal, 'assessments:appraise') && isUnitInScope(principal.scope, wardCode, null),
  }
}

/** The permission each transition's operation requires. */
function transitionPermission(to: AssessmentState) {
  return to === 'submitted' ? ('assessments:write' as const) : ('assessments:appraise' as const)
}

/** Transitions the caller may make now: allowed by the workflow for who they are, and by their permissions. */
export function allowedNextStates(
  principal: Principal,
  actor: AssessmentActor,
  state: AssessmentState,
): AssessmentState[] {
  return nextStates(state, actor).filter((to) => hasPermission(principal, transitionPermission(to)))
}

/** The ward scores its own draft; the district adjusts the assessment once it is submitted. */
export const scoringPermissions: PermissionByCase<'ward' | 'district'> = {
  decidedBy: 'the side that scores the assessment in its state (the ward its draft, the district once submitted)',
  byCase: { ward: 'assessments:write', district: 'assessments:appraise' },
}

/**
 * Whether the caller may score an assessment that `side` scores now: a draft by an account assigned to
 * its ward with assessments:write, a submitted one by the district, never by the ward itself. `locked`
 * when the caller scores for the other side (the assessment is not theirs to change in this state).
 */
export function scoringAccess(
  principal: Principal,
  actor: AssessmentActor,
  side: 'ward' | 'district',
): 'allowed' | 'locked' | 'denied' {
  const asWard = actor.isWardOfAssessment && hasPermission(principal, permissionFor(scoringPermissions, 'ward'))
  const asDistrict =
    actor.isDistrict &&
    !actor.isWardOfAssessment &&
    hasPermission(principal, permissionFor(scoringPermissions, 'district'))
  if (side === 'ward' ? asWard : asDistrict) return 'allowed'
  return asWard || asDistrict ? 'locked' : 'denied'
}
