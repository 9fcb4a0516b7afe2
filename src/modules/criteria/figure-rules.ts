/**
 * The figures behind the suggestions (pure): which incidents count for criteria 3 and 6.2, where a
 * priority case stands, and a ward's figures as of an assessment date.
 */
import type { IncidentKind } from '../incidents/rules.js'

/** Criterion 6.2: the cases whose support plan the ward chair must approve in time. */
export const priorityIncidentKinds: readonly IncidentKind[] = ['sexual_abuse', 'abandonment', 'trafficking']

export type PriorityCaseStanding = 'timely' | 'late' | 'pending' | 'not_applicable'

/**
 * Where one priority case stands for criterion 6.2 at `asOf` (the end of the assessment date); steps
 * recorded later are ignored. A case closed without a plan before approval fell due was not one that
 * needed a plan (not a child-protection case, or transferred); a case still within its time counts
 * neither way, so a ward is not marked down for a case it may yet handle in time.
 */
export function priorityCaseStanding(
  steps: { approvedAt: Date | null; closedAt: Date | null },
  approvalDueAt: Date,
  asOf: Date,
): PriorityCaseStanding {
  const recorded = (at: Date | null) => (at !== null && at.getTime() <= asOf.getTime() ? at : null)
  const approvedAt = recorded(steps.approvedAt)
  if (approvedAt !== null) return approvedAt.getTime() <= approvalDueAt.getTime() ? 'timely' : 'late'
  const closedAt = recorded(steps.closedAt)
  if (closedAt !== null && closedAt.getTime() <= approvalDueAt.getTime()) return 'not_applicable'
  return asOf.getTime() > approvalDueAt.getTime() ? 'late' : 'pending'
}

/** A ward's figures as of an assessment date, each a whole count (see the repository for their queries). */
export interface WardFigures {
  residentialGroups: number
  groupsWithCollaborator: number
  /** Children living in the ward on the date. */
  children: number
  registeredBirths: number
  /** Children of the ward on the date together with abused children no longer counted there (moved, aged out, unregistered). */
  childrenOrVictims: number
  abusedChildren: number
  injuryCases: number
  injuryDeaths: number
  specialCircumstanceChildren: number
  supported: number
  priorityCases: number
  priorityCasesWithTimelyApprovedPlan: number
}
