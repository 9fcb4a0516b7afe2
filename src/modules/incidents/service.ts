import { omitWhen } from '../../platform/views.js'
import { hasPermission, type Principal } from '../../platform/auth.js'
import type { WorkingCalendar } from '../calendar/rules.js'
import type { IncidentChildRow, IncidentRow, IncidentStepRow } from './repository.js'
import { allowedNextSteps, pendingStepDeadlines, writtenReportCompliance, type CaseStep } from './rules.js'

export function canSeeIncidentDetails(principal: Principal | null): boolean {
  return hasPermission(principal, 'incidents:sensitive')
}

function doneSteps(steps: readonly IncidentStepRow[]) {
  return steps.map((step) => ({ step: step.step, at: step.at }))
}

/** The earliest deadline among the steps that may come next: kept on the incident for sweeps and filters. */
export function nextStepFields(
  row: Pick<IncidentRow, 'emergency' | 'receivedAt' | 'status'>,
  steps: readonly { step: CaseStep; at: Date }[],
  calendar: WorkingCalendar,
  now: Date,
) {
  if (row.status === 'closed') return { nextStep: null, nextStepDueAt: null }
  const [first] = pendingStepDeadlines(steps, row.emergency, row.receivedAt, calendar, now).sort(
    (a, b) => a.dueAt.getTime() - b.dueAt.getTime(),
  )
  return { nextStep: first?.step ?? null, nextStepDueAt: first?.dueAt ?? null }
}

function common(row: IncidentRow, now: Date, overdueSteps: number) {
  return {
    id: row.id,
    kind: row.kind,
    subKind: row.subKind,
    occurredAt: row.occurredAt.toISOString(),
    occurredAtPrecision: row.occurredAtPrecision,
    detectedAt: row.detectedAt.toISOString(),
    channel: row.channel,
    phoneReportedAt: row.phoneReportedAt?.toISOString() ?? null,
    emergency: row.emergency,
    address: { provinceCode: row.provinceCode, wardCode: row.wardCode, residentialGroupCode: row.residentialGroupCode },
    injuryOutcome: row.injuryOutcome,
    writtenReport: {
      dueAt: row.writtenReportDueAt.toISOString(),
      basis: row.writtenReportBasis,
      submittedAt: row.writtenReportSubmittedAt?.toISOString() ?? null,
      lateReason: row.writtenReportLateReason,
      compliance: writtenReportCompliance(row.writtenReportDueAt, row.writtenReportSubmittedAt, now),
    },
    receivedAt: row.receivedAt.toISOString(),
    status: row.status,
    closedAt: row.closedAt?.toISOString() ?? null,
    overdueSteps,
    version: row.version,
  }
}

export function toIncidentSummary(row: IncidentRow, childCount: number, now: Date) {
  const overdue = row.status === 'open' && row.nextStepDueAt !== null && row.nextStepDueAt < now ? 1 : 0
  return { ...common(row, now, overdue), childCount }
}

/** The full incident as the caller may see it: narratives, identities and notes omitted without the permission. */
export function toIncident(
  row: IncidentRow,
  details: { children: IncidentChildRow[]; steps: IncidentStepRow[] },
  sensitive: boolean,
  now: Date,
  calendar: WorkingCalendar,
) {
  const done = doneSteps(details.steps)
  const pending = row.status === 'open' ? pendingStepDeadlines(done, row.emergency, row.receivedAt, calendar, now) : []
  return omitWhen(
    {
      ...common(row, now, pending.filter((p) => p.overdue).length),
      narrative: row.narrative,
      perpetratorRelation: row.perpetratorRelation,
      closureReason: row.closureReason,
      children: details.children.map((child) =>
        omitWhen(
          {
            id: child.id,
            sex: child.sex,
            ageYears: child.ageYears,
            childId: child.childId,
            unregistered: child.unregistered ?? null,
          },
          ['childId', 'unregistered'],
          !sensitive,
        ),
      ),
      steps: details.steps.map((step) =>
        omitWhen(
          {
            id: step.id,
            step: step.step,
            at: step.at.toISOString(),
            dueAt: step.dueAt?.toISOString() ?? null,
            onTime: step.dueAt ? step.at <= step.dueAt : null,
            note: step.note,
            actorName: step.actorName,
          },
          ['note'],
          !sensitive,
        ),
      ),
      pendingSteps: pending.map((p) => ({ step: p.step, dueAt: p.dueAt.toISOString(), overdue: p.overdue })),
      allowedNextSteps:
        row.status === 'open'
          ? allowedNextSteps(
              done.map((d) => d.step),
              row.emergency,
            )
          : [],
      createdAt: row.createdAt.toISOString(),
      updatedAt: row.updatedAt.toISOString(),
    },
    ['narrative', 'perpetratorRelation'],
    !sensitive,
  )
}
