/**
 * Incidents and their written report: recording, reading, listing and correcting incidents, and
 * submitting the report, as scoped work (each function runs in the caller's transaction and scope; see
 * platform/work.ts) that the routes call. Case steps are in steps.ts, the deadline reports in deadlines.ts.
 */
import { randomUUID } from 'node:crypto'
import type { Static } from 'typebox'
import { staleVersion } from '../../platform/concurrency.js'
import { decodeCursor, toPage } from '../../platform/pagination.js'
import { conflict, notFound, unprocessable, type FieldError } from '../../platform/problem.js'
import type { Scope } from '../../platform/scope.js'
import { openedRows, refuse, type Work } from '../../platform/work.js'
import { localDateOf } from '../calendar/rules.js'
import { ageInYears, effectiveDateOfBirth } from '../children/rules.js'
import { addressProblems, placementFor, provinceOfUnit, unitFilterScope } from '../units/tree.js'
import { eventInsert } from '../webhooks/repository.js'
import { assertSensitiveAllowed, kindProblems, receiptProblems, timeProblems } from './checks.js'
import {
  getIncident,
  incidentDetails,
  insertIncidentRevision,
  insertIncidentTogether,
  listIncidents,
  loadDeadlineRules,
  loadDeadlineRulesForWrite,
  rulesAndNamedChildren,
  rulesLockAndNamedChildren,
  type NamedChild,
  updateIncident,
  type IncidentRow,
} from './repository.js'
import {
  lateReasonRequired,
  pendingStepDeadlines,
  recomputeAfterEdit,
  rulesInForce,
  writtenReportRequired,
  writtenReportState,
  writtenReportDeadline,
  type CaseStep,
  type DeadlineRules,
} from './rules.js'
import type { CreateIncidentBody, ListIncidentsQuery, UpdateIncidentBody, WrittenReportBody } from './schemas.js'
import { canSeeIncidentDetails, doneSteps, toIncident, toIncidentSummary, type IncidentView } from './views.js'

/** An incident as written, with what the caller is shown of it. */
export interface PresentedIncident {
  row: IncidentRow
  view: IncidentView
}

/**
 * The incident as the caller may see it, read with its children and steps, and the deadline rules (read
 * here unless the caller, having just counted deadlines with them, passes them on).
 */
export async function presentIncident(
  work: Work,
  row: IncidentRow,
  loaded?: DeadlineRules,
  written?: Awaited<ReturnType<typeof incidentDetails>>,
): Promise<PresentedIncident> {
  const details = written ?? (await incidentDetails(work.tx, row.id))
  const rules = loaded ?? (await loadDeadlineRules(work.tx))
  return { row, view: toIncident(row, details, canSeeIncidentDetails(work.principal), work.now, rules) }
}

/** The earliest deadline among the steps that may come next: kept on the incident for sweeps and filters. */
export function nextStepFields(
  row: Pick<IncidentRow, 'emergency' | 'receivedAt' | 'status'>,
  steps: readonly { step: CaseStep; at: Date }[],
  { calendar, stepRules }: DeadlineRules,
  now: Date,
) {
  if (row.status === 'closed') return { nextStep: null, nextStepDueAt: null }
  const rules = rulesInForce(stepRules, row.receivedAt)
  const [first] = pendingStepDeadlines(steps, row.emergency, row.receivedAt, calendar, now, rules).sort(
    (a, b) => a.dueAt.getTime() - b.dueAt.getTime(),
  )
  return { nextStep: first?.step ?? null, nextStepDueAt: first?.dueAt ?? null }
}

type ChildEntry = Static<typeof CreateIncidentBody>['children'][number]

interface LinkedChild {
  childId: string | null
  unregistered: Record<string, unknown> | null
  sex: string | null
  ageYears: number | null
}

/**
 * The children of a new incident, with sex and age at the time; entries naming no child in scope (none
 * among `named`, the registry children read for it) are problems.
 */
function linkChildren(entries: readonly ChildEntry[], named: ReadonlyMap<string, NamedChild>, occurredAt: Date) {
  const linked: LinkedChild[] = []
  const problems: FieldError[] = []
  for (const [index, entry] of entries.entries()) {
    if ('childId' in entry) {
      // A uuid is valid in capitals too; PostgreSQL answers it in lower case.
      const child = named.get(entry.childId.toLowerCase())
      if (!child) {
        problems.push({
          location: 'body',
          pointer: `/children/${index}/childId`,
          message: 'is not a child in your units',
          code: 'unknown_child',
        })
        continue
      }
      const birth = effectiveDateOfBirth(child)
      linked.push({
        childId: child.id,
        unregistered: null,
        sex: child.sex,
        ageYears: birth ? ageInYears(birth, localDateOf(occurredAt)) : null,
      })
    } else {
      const { dateOfBirth, estimatedAgeYears, sex } = entry.unregistered
      const ageYears = dateOfBirth ? ageInYears(dateOfBirth, localDateOf(occurredAt)) : (estimatedAgeYears ?? null)
      linked.push({ childId: null, unregistered: entry.unregistered, sex: sex ?? null, ageYears })
    }
  }
  return { linked, problems }
}

/** What `recordIncident`'s work opens with (`ScopedOptions.openWith`): the rules' lock and the children named. */
export function incidentOpening(body: Static<typeof CreateIncidentBody>): (scope: Scope) => string {
  const namedIds = body.children.flatMap((entry) => ('childId' in entry ? [entry.childId] : []))
  return (scope) => rulesLockAndNamedChildren(scope, namedIds)
}

/**
 * Records an incident with its children and its receipt step, in work opened with `incidentOpening`. The written-report deadline and the next
 * step's deadline are the server's; the incident.created event goes out with the change.
 */
export async function recordIncident(
  work: Work,
  body: Static<typeof CreateIncidentBody>,
  backfill = false,
): Promise<PresentedIncident> {
  const { now, principal } = work
  assertSensitiveAllowed(principal, body, Boolean)
  const { rules, named } = await rulesAndNamedChildren(work.tx, openedRows(work, 'incidentOpening'))
  const occurredAt = new Date(body.occurredAt)
  const detectedAt = new Date(body.detectedAt)
  const phoneReportedAt = body.phoneReportedAt ? new Date(body.phoneReportedAt) : null
  const receivedAt = body.receivedAt ? new Date(body.receivedAt) : detectedAt
  const tree = await work.unitTree()
  // Backfilling files history: an incident that occurred after its ward ceased is not history there.
  const wardEnd = tree.find((unit) => unit.code === body.address.wardCode)?.validTo
  const placement = placementFor(work, backfill && !(wardEnd && localDateOf(occurredAt) > wardEnd))
  const problems = [
    ...addressProblems(tree, work.scope, body.address, placement),
    ...kindProblems(body.kind, body.subKind, body.injuryOutcome),
    ...timeProblems({ occurredAt, detectedAt, phoneReportedAt }, now),
    ...receiptProblems(receivedAt, detectedAt, body.receivedAt !== undefined, now),
  ]
  const children = linkChildren(body.children, named, occurredAt)
  problems.push(...children.problems)
  if (problems.length > 0) throw unprocessable('invalid_incident', 'The incident cannot be recorded.', problems)
  const emergency = body.emergency ?? false
  const deadline = writtenReportDeadline({ occurredAt, occurredAtPrecision: body.occurredAtPrecision, detectedAt })
  const unit = {
    provinceCode: provinceOfUnit(tree, body.address.wardCode),
    wardCode: body.address.wardCode,
    residentialGroupCode: body.address.residentialGroupCode ?? null,
  }
  const receipt = { step: 'receipt' as const, at: receivedAt }
  const id = randomUUID()
  const reportRequired = writtenReportRequired(rules.stepRules, body.kind, receivedAt)
  const { row, ...written } = await insertIncidentTogether(work.tx, {
    incident: {
      id,
      ...unit,
      kind: body.kind,
      subKind: body.subKind ?? null,
      occurredAt,
      occurredAtPrecision: body.occurredAtPrecision,
      detectedAt,
      channel: body.channel,
      phoneReportedAt,
      emergency,
      narrative: body.narrative ?? null,
      perpetratorRelation: body.perpetratorRelation ?? null,
      setting: body.setting ?? null,
      injuryOutcome: body.injuryOutcome ?? null,
      writtenReportRequired: reportRequired,
      writtenReportDueAt: deadline.dueAt,
      writtenReportBasis: deadline.basis,
      receivedAt,
      ...nextStepFields({ emergency, receivedAt, status: 'open' }, [receipt], rules, now),
      createdAt: now,
      updatedAt: now,
      createdBy: principal.id,
      updatedBy: principal.id,
    },
    children: children.linked.map((child) => ({
      ...unit,
      incidentId: id,
      ...child,
      unregistered: child.unregistered as never,
      createdAt: now,
    })),
    steps: [{ ...unit, incidentId: id, ...receipt, actorId: principal.id, actorName: principal.name, createdAt: now }],
    alongside: {
      calls: [
        work.auditCall({
          action: 'incident.create',
          resourceType: 'incident',
          resourceId: id,
          unitCode: unit.wardCode,
          outcome: 'success',
          details: { kind: body.kind, ...(placement.historyAllowed ? { backfill: true } : {}) },
        }),
      ],
      writes: {
        announced: eventInsert({
          type: 'incident.created',
          occurredAt: now,
          unit,
          resourceType: 'incident',
          resourceId: id,
          data: {
            incidentId: id,
            kind: body.kind,
            wardCode: unit.wardCode,
            emergency,
            occurredAt: occurredAt.toISOString(),
            writtenReportRequired: reportRequired,
            writtenReportDueAt: deadline.dueAt.toISOString(),
            children: children.linked.map(({ childId, sex, ageYears }) => ({ childId, sex, ageYears })),
          },
        }),
      },
    },
  })
  return presentIncident(work, row, rules, written)
}

/** A page of incidents in the caller's units (and `unit`), newest first. */
export async function incidentPage(work: Work, query: Static<typeof ListIncidentsQuery>) {
  const { limit = 50, cursor, unit, ...filter } = query
  const after = decodeCursor(cursor, ['timestamp', 'uuid']) as [string, string] | undefined
  const unitScope = unitFilterScope(await work.unitTree(), unit)
  const rows = await listIncidents(work.tx, work.scope, { ...filter, unitScope }, work.now, {
    after,
    limit: limit + 1,
  })
  const page = toPage(rows, limit, ({ incident }) => [incident.occurredAt.toISOString(), incident.id])
  await work.audit({
    action: 'incident.list',
    resourceType: 'incident',
    outcome: 'success',
    details: {
      filters: Object.keys(query)
        .filter((key) => key !== 'cursor' && key !== 'limit')
        .sort(),
      count: page.items.length,
    },
  })
  return {
    items: page.items.map(({ incident, childCount }) => toIncidentSummary(incident, childCount, work.now)),
    nextCursor: page.nextCursor,
  }
}

/** One incident; a miss is audited and committed before the 404. */
export async function readIncident(work: Work, id: string) {
  const row = await getIncident(work.tx, work.scope, id)
  await work.audit({
    action: 'incident.read',
    resourceType: 'incident',
    resourceId: id,
    unitCode: row?.wardCode ?? null,
    outcome: row ? 'success' : 'not_found',
  })
  if (!row) return refuse(notFound('Incident', id))
  return presentIncident(work, row)
}

/**
 * Corrects an incident. A change of its times recomputes the written-report deadline; once the report is
 * in, moving that deadline needs a reason. The revision keeps the compliance before and after, and an
 * edit that clears a failure is audited as such.
 */
export async function correctIncident(
  work: Work,
  id: string,
  input: Static<typeof UpdateIncidentBody>,
  expectedVersion: number,
): Promise<PresentedIncident> {
  const { now, principal } = work
  const { reason, ...body } = input
  assertSensitiveAllowed(principal, body, (value) => value !== undefined)
  const rules = await loadDeadlineRulesForWrite(work.tx)
  const current = await getIncident(work.tx, work.scope, id)
  if (!current) throw notFound('Incident', id)
  const occurredAt = body.occurredAt ? new Date(body.occurredAt) : current.occurredAt
  const detectedAt = body.detectedAt ? new Date(body.detectedAt) : current.detectedAt
  const phoneReportedAt =
    body.phoneReportedAt !== undefined
      ? body.phoneReportedAt
        ? new Date(body.phoneReportedAt)
        : null
      : current.phoneReportedAt
  const problems = [
    ...kindProblems(
      body.kind ?? current.kind,
      body.subKind !== undefined ? body.subKind : current.subKind,
      body.injuryOutcome !== undefined ? body.injuryOutcome : current.injuryOutcome,
    ),
    ...timeProblems({ occurredAt, detectedAt, phoneReportedAt }, now),
  ]
  const deadline = writtenReportDeadline({
    occurredAt,
    occurredAtPrecision: body.occurredAtPrecision ?? current.occurredAtPrecision,
    detectedAt,
  })
  const submittedAt = current.writtenReportSubmittedAt
  const required =
    body.kind === undefined || body.kind === current.kind
      ? current.writtenReportRequired
      : writtenReportRequired(rules.stepRules, body.kind, current.receivedAt)
  const before = {
    dueAt: current.writtenReportDueAt,
    compliance: writtenReportState(current.writtenReportRequired, current.writtenReportDueAt, submittedAt, now),
  }
  const after = {
    dueAt: deadline.dueAt,
    compliance: writtenReportState(required, deadline.dueAt, submittedAt, now),
  }
  const movement = recomputeAfterEdit(before, after)
  if (movement.changed && submittedAt && !reason) {
    problems.push({
      location: 'body',
      pointer: '/reason',
      message: 'is required: the change moves the deadline of a report already submitted',
      code: 'reason_required',
    })
  }
  if (problems.length > 0) throw unprocessable('invalid_incident', 'The change cannot be saved.', problems)
  const changes = Object.entries(body)
    .filter(([, value]) => value !== undefined)
    .map(([field, to]) => ({ field, from: (current as Record<string, unknown>)[field] ?? null, to }))
  // Emergency decides which step comes after the initial assessment: the kept next-step deadline follows it.
  const emergencyChanged = body.emergency !== undefined && body.emergency !== current.emergency
  const nextStep = emergencyChanged
    ? nextStepFields(
        { ...current, emergency: body.emergency! },
        doneSteps((await incidentDetails(work.tx, current.id)).steps),
        rules,
        now,
      )
    : {}
  const updated = await updateIncident(work.tx, work.scope, current.id, expectedVersion, {
    ...body,
    ...nextStep,
    occurredAt,
    detectedAt,
    phoneReportedAt,
    writtenReportRequired: required,
    writtenReportDueAt: deadline.dueAt,
    writtenReportBasis: deadline.basis,
    updatedAt: now,
    updatedBy: principal.id,
  })
  if (!updated) throw staleVersion(current.version)
  await insertIncidentRevision(work.tx, {
    incidentId: current.id,
    provinceCode: current.provinceCode,
    wardCode: current.wardCode,
    residentialGroupCode: current.residentialGroupCode,
    version: updated.version,
    changes,
    reason: reason ?? null,
    complianceBefore: before.compliance,
    complianceAfter: after.compliance,
    changedAt: now,
    actorId: principal.id,
    actorName: principal.name,
  })
  await work.audit({
    action: movement.improved ? 'incident.update.compliance_improved' : 'incident.update',
    resourceType: 'incident',
    resourceId: current.id,
    unitCode: current.wardCode,
    outcome: 'success',
    details: {
      fields: changes.map((c) => c.field),
      complianceBefore: before.compliance,
      complianceAfter: after.compliance,
    },
  })
  return presentIncident(work, updated, rules)
}

/** Records the written report once, stamped with the server clock; after the deadline it needs a late reason. */
export async function submitWrittenReport(
  work: Work,
  id: string,
  body: Static<typeof WrittenReportBody>,
): Promise<PresentedIncident> {
  const { now, principal } = work
  const rules = await loadDeadlineRulesForWrite(work.tx)
  const current = await getIncident(work.tx, work.scope, id)
  if (!current) throw notFound('Incident', id)
  if (current.writtenReportSubmittedAt) {
    throw conflict(
      'already_submitted',
      `The written report was recorded at ${current.writtenReportSubmittedAt.toISOString()}.`,
    )
  }
  const dueAt = current.writtenReportDueAt
  // A kind the one-day duty does not cover is never late.
  const late = current.writtenReportRequired && lateReasonRequired(dueAt, now)
  if (late && !body.lateReason) {
    throw unprocessable(
      'late_reason_required',
      `The written report was due within 24 hours (district plan, section V), by ${dueAt.toISOString()}; give lateReason.`,
      [
        {
          location: 'body',
          pointer: '/lateReason',
          message: 'is required after the 24-hour deadline',
          code: 'late_reason_required',
        },
      ],
      { dueAt: dueAt.toISOString(), rule: 'written_report_within_24_hours' },
    )
  }
  const updated = await updateIncident(work.tx, work.scope, current.id, null, {
    writtenReportSubmittedAt: now,
    writtenReportLateReason: late ? (body.lateReason ?? null) : null,
    writtenReportBy: principal.id,
    updatedAt: now,
    updatedBy: principal.id,
  })
  await work.audit({
    action: 'incident.written_report',
    resourceType: 'incident',
    resourceId: current.id,
    unitCode: current.wardCode,
    outcome: 'success',
    details: { compliance: writtenReportState(current.writtenReportRequired, dueAt, now, now) },
  })
  return presentIncident(work, updated!, rules)
}
