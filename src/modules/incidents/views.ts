/**
 * What the API shows of incidents: the one builder of each response shape (Incident, IncidentSummary,
 * ComplianceReport, Alert). Pure: the clock and the calendar come in as arguments.
 */
import { hasPermission, type Principal } from '../../platform/auth.js'
import { omitWhen } from '../../platform/views.js'
import type { AlertEventRow, IncidentChildRow, IncidentRow, IncidentStepRow } from './repository.js'
import {
  allowedNextSteps,
  caseSchedule,
  complianceStates,
  onTimeRate,
  pendingStepDeadlines,
  rulesInForce,
  writtenReportState,
  type Compliance,
  type DeadlineRules,
} from './rules.js'

export function canSeeIncidentDetails(principal: Principal | null): boolean {
  return hasPermission(principal, 'incidents:sensitive')
}

export function doneSteps(steps: readonly IncidentStepRow[]) {
  return steps.map((step) => ({ step: step.step, at: step.at }))
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
    setting: row.setting,
    writtenReport: {
      dueAt: row.writtenReportDueAt.toISOString(),
      basis: row.writtenReportBasis,
      submittedAt: row.writtenReportSubmittedAt?.toISOString() ?? null,
      lateReason: row.writtenReportLateReason,
      required: row.writtenReportRequired,
      compliance: writtenReportState(
        row.writtenReportRequired,
        row.writtenReportDueAt,
        row.writtenReportSubmittedAt,
        now,
      ),
    },
    receivedAt: row.receivedAt.toISOString(),
    status: row.status,
    closedAt: row.closedAt?.toISOString() ?? null,
    overdueSteps,
    version: row.version,
  }
}

/** An incident in a list (IncidentSummarySchema). */
export function toIncidentSummary(row: IncidentRow, childCount: number, now: Date) {
  const overdue = row.status === 'open' && row.nextStepDueAt !== null && row.nextStepDueAt < now ? 1 : 0
  return { ...common(row, now, overdue), childCount }
}

/** The full incident as the caller may see it (IncidentSchema): narratives, identities and notes omitted without the permission. */
export function toIncident(
  row: IncidentRow,
  details: { children: IncidentChildRow[]; steps: IncidentStepRow[] },
  sensitive: boolean,
  now: Date,
  { calendar, stepRules }: DeadlineRules,
) {
  const done = doneSteps(details.steps)
  const rules = rulesInForce(stepRules, row.receivedAt)
  const pending =
    row.status === 'open' ? pendingStepDeadlines(done, row.emergency, row.receivedAt, calendar, now, rules) : []
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
      pendingSteps: pending.map((p) => ({
        step: p.step,
        dueAt: p.dueAt.toISOString(),
        overdue: p.overdue,
        calendarMissing: p.calendarMissing,
      })),
      schedule: caseSchedule(
        done,
        { emergency: row.emergency, receivedAt: row.receivedAt, closed: row.status === 'closed' },
        calendar,
        now,
        rules,
      ).map((s) => ({
        step: s.step,
        dueAt: s.dueAt.toISOString(),
        recordedAt: s.recordedAt?.toISOString() ?? null,
        state: s.state,
        provisional: s.provisional,
        calendarMissing: s.calendarMissing,
      })),
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

export type IncidentView = ReturnType<typeof toIncident>

/** The written-report discipline per ward and in total (ComplianceReportSchema). */
export function toComplianceReport(
  window: { from: string; to: string },
  asOf: Date,
  rows: readonly { wardCode: string; compliance: Compliance; count: number }[],
) {
  const empty = () => Object.fromEntries(complianceStates.map((state) => [state, 0])) as Record<Compliance, number>
  const wards = new Map<string, Record<Compliance, number>>()
  const total = empty()
  for (const row of rows) {
    const counts = wards.get(row.wardCode) ?? empty()
    counts[row.compliance] += row.count
    total[row.compliance] += row.count
    wards.set(row.wardCode, counts)
  }
  return {
    from: window.from,
    to: window.to,
    asOf: asOf.toISOString(),
    wards: [...wards.entries()].map(([wardCode, counts]) => ({ wardCode, counts, onTimeRate: onTimeRate(counts) })),
    total: { counts: total, onTimeRate: onTimeRate(total) },
  }
}

/** A deadline alert, from the event the sweep recorded (AlertSchema). */
export function toAlert(event: AlertEventRow) {
  return {
    eventId: event.eventId,
    type: event.type,
    occurredAt: event.occurredAt.toISOString(),
    wardCode: event.wardCode,
    incidentId: event.resourceId,
    step: typeof event.data.step === 'string' ? event.data.step : null,
    dueAt: typeof event.data.dueAt === 'string' ? event.data.dueAt : null,
  }
}
