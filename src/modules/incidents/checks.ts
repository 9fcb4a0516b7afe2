/**
 * The checks of an incident request that answer with field errors (422) or a refusal (403): the rules'
 * verdicts (rules.ts) put where the client wrote them.
 */
import type { Principal } from '../../platform/auth.js'
import { bodyErrors, HttpProblem, type FieldError } from '../../platform/problem.js'
import { clockSkewMs, incidentTimeViolations, injuryKinds } from './rules.js'
import { canSeeIncidentDetails } from './views.js'

/** The fields only a caller with incidents:sensitive may write. */
const sensitiveFields = ['narrative', 'perpetratorRelation'] as const

/** Refuses a write of sensitive fields (those `given` says were sent) by a caller who may not see them. */
export function assertSensitiveAllowed(
  principal: Principal,
  body: Partial<Record<(typeof sensitiveFields)[number], unknown>>,
  given: (value: unknown) => boolean,
): void {
  const fields = sensitiveFields.filter((field) => given(body[field]))
  if (fields.length === 0 || canSeeIncidentDetails(principal)) return
  throw new HttpProblem(
    403,
    'sensitive_field_forbidden',
    `Writing ${fields.join(', ')} needs the incidents:sensitive permission.`,
    { extensions: { requiredPermission: 'incidents:sensitive', fields } },
  )
}

export function kindProblems(
  kind: string,
  subKind: string | null | undefined,
  injuryOutcome: string | null | undefined,
): FieldError[] {
  const problems: FieldError[] = []
  if (subKind && kind !== 'sexual_abuse')
    problems.push({
      location: 'body',
      pointer: '/subKind',
      message: 'applies to sexual_abuse only',
      code: 'sub_kind_mismatch',
    })
  if (injuryOutcome && !injuryKinds.has(kind as never)) {
    problems.push({
      location: 'body',
      pointer: '/injuryOutcome',
      message: 'applies to injury_accident and drowning only',
      code: 'outcome_mismatch',
    })
  }
  return problems
}

export function timeProblems(
  input: { occurredAt: Date; detectedAt: Date; phoneReportedAt?: Date | null },
  now: Date,
): FieldError[] {
  return bodyErrors(incidentTimeViolations(input, now).map((v) => ({ ...v, pointer: `/${v.field}` })))
}

/** The receipt of a new case: not in the future when given, never before the unit learned of it. */
export function receiptProblems(receivedAt: Date, detectedAt: Date, given: boolean, now: Date): FieldError[] {
  const problems: FieldError[] = []
  if (given && receivedAt.getTime() > now.getTime() + clockSkewMs) {
    problems.push({
      location: 'body',
      pointer: '/receivedAt',
      message: 'must not be in the future',
      code: 'time_in_future',
    })
  }
  if (receivedAt < detectedAt)
    problems.push({
      location: 'body',
      pointer: '/receivedAt',
      message: 'must not be before detectedAt',
      code: 'received_before_detected',
    })
  return problems
}

/** A case step's instant: not in the future, never before the case was received. */
export function stepTimeProblems(at: Date, receivedAt: Date, now: Date): FieldError[] {
  const problems: FieldError[] = []
  if (at.getTime() > now.getTime() + clockSkewMs)
    problems.push({
      location: 'body',
      pointer: '/at',
      message: 'must not be in the future',
      code: 'time_in_future',
    })
  if (at < receivedAt)
    problems.push({
      location: 'body',
      pointer: '/at',
      message: 'must not be before the case was received',
      code: 'before_receipt',
    })
  return problems
}
