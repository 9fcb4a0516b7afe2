import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { and, desc, inArray, lt } from 'drizzle-orm'
import type { Tx } from '../../db/client.js'
import { audit } from '../../platform/audit.js'
import { hasPermission } from '../../platform/auth.js'
import { requiredVersion, sendWithEtag, staleVersion } from '../../platform/concurrency.js'
import { decodeCursor, encodeCursor } from '../../platform/pagination.js'
import { conflict, HttpProblem, notFound, unprocessable, type FieldError } from '../../platform/problem.js'
import { problemResponses, ref } from '../../platform/schemas.js'
import { inScope, scopeCondition } from '../../platform/scope.js'
import { loadWorkingCalendar } from '../calendar/repository.js'
import { localDateOf } from '../calendar/rules.js'
import { getChildRow, insertCircumstance, insertRevision } from '../children/repository.js'
import { ageInYears, effectiveDateOfBirth, sensitiveGroupCodes } from '../children/rules.js'
import { addressProblems, provinceOfUnit, unitFilterScope } from '../units/tree.js'
import { recordEvent } from '../webhooks/repository.js'
import { events } from '../webhooks/tables.js'
import {
  complianceByWard,
  getIncident,
  incidentDetails,
  insertIncident,
  insertIncidentChildren,
  insertIncidentRevision,
  insertStep,
  listIncidents,
  updateIncident,
  type IncidentRow,
} from './repository.js'
import {
  allowedNextSteps,
  circumstanceGroupForKind,
  clockSkewMs,
  complianceStates,
  incidentTimeViolations,
  injuryKinds,
  lateReasonRequired,
  onTimeRate,
  recomputeAfterEdit,
  stepDeadline,
  writtenReportCompliance,
  writtenReportDeadline,
  type Compliance,
} from './rules.js'
import {
  AlertPageSchema,
  AlertsQuery,
  ComplianceQuery,
  ComplianceReportSchema,
  CreateIncidentBody,
  IncidentPageSchema,
  IncidentParams,
  IncidentSchema,
  ListIncidentsQuery,
  StepBody,
  StepResultSchema,
  UpdateIncidentBody,
  WrittenReportBody,
} from './schemas.js'
import { canSeeIncidentDetails, nextStepFields, toIncident, toIncidentSummary } from './service.js'

const alertTypes = ['incident.written_report.due_soon', 'incident.written_report.overdue', 'incident.step.overdue']

function assertSensitiveAllowed(request: FastifyRequest, fields: string[]) {
  if (fields.length === 0 || canSeeIncidentDetails(request.principal)) return
  throw new HttpProblem(
    403,
    'sensitive_field_forbidden',
    `Writing ${fields.join(', ')} needs the incidents:sensitive permission.`,
    {
      extensions: { requiredPermission: 'incidents:sensitive', fields },
    },
  )
}

function kindProblems(
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

function timeProblems(
  input: { occurredAt: Date; detectedAt: Date; phoneReportedAt?: Date | null },
  now: Date,
): FieldError[] {
  return incidentTimeViolations(input, now).map((v) => ({
    location: 'body',
    pointer: `/${v.field}`,
    message: v.message,
    code: v.code,
  }))
}

export default async function incidentRoutes(app: FastifyInstance) {
  const route = app.withTypeProvider<TypeBoxTypeProvider>()

  async function present(tx: Tx, request: FastifyRequest, row: IncidentRow) {
    const details = await incidentDetails(tx, row.id)
    const calendar = await loadWorkingCalendar(tx)
    return toIncident(row, details, canSeeIncidentDetails(request.principal), app.clock.now(), calendar)
  }

  route.post(
    '/v1/incidents',
    {
      config: { permission: 'incidents:write', idempotent: true },
      schema: {
        operationId: 'createIncident',
        tags: ['incidents'],
        summary: 'Record an incident of abuse or violation of a child’s rights',
        description:
          'The written report is due 24 hours after the incident, or after the unit learned of it when that came later: ' +
          '`writtenReport.dueAt` and its `basis` are computed by the server, never accepted. occurredAt and detectedAt ' +
          'cannot be in the future and detectedAt cannot precede occurredAt. The receipt step (Decree 56) is recorded at ' +
          'receivedAt (default: detectedAt). Narrative and perpetrator relation need incidents:sensitive. Accepts Idempotency-Key.',
        body: CreateIncidentBody,
        response: { 201: ref(IncidentSchema, 'The incident'), ...problemResponses(400, 401, 403, 409, 422) },
      },
    },
    async (request, reply) => {
      const principal = request.principal!
      const body = request.body
      assertSensitiveAllowed(
        request,
        (['narrative', 'perpetratorRelation'] as const).filter((f) => body[f]),
      )
      const now = app.clock.now()
      const occurredAt = new Date(body.occurredAt)
      const detectedAt = new Date(body.detectedAt)
      const phoneReportedAt = body.phoneReportedAt ? new Date(body.phoneReportedAt) : null
      const receivedAt = body.receivedAt ? new Date(body.receivedAt) : detectedAt
      const problems = [
        ...addressProblems(await app.accounts.principals.unitTree(), principal.scope, body.address),
        ...kindProblems(body.kind, body.subKind, body.injuryOutcome),
        ...timeProblems({ occurredAt, detectedAt, phoneReportedAt }, now),
      ]
      if (body.receivedAt && receivedAt.getTime() > now.getTime() + clockSkewMs) {
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
      const emergency = body.emergency ?? false
      const result = await inScope(app.database.db, principal.scope, async (tx) => {
        const linked: {
          childId: string | null
          unregistered: Record<string, unknown> | null
          sex: string | null
          ageYears: number | null
        }[] = []
        for (const [index, entry] of body.children.entries()) {
          if ('childId' in entry) {
            const child = await getChildRow(tx, principal.scope, entry.childId)
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
            const ageYears = dateOfBirth
              ? ageInYears(dateOfBirth, localDateOf(occurredAt))
              : (estimatedAgeYears ?? null)
            linked.push({ childId: null, unregistered: entry.unregistered, sex: sex ?? null, ageYears })
          }
        }
        if (problems.length > 0) throw unprocessable('invalid_incident', 'The incident cannot be recorded.', problems)
        const deadline = writtenReportDeadline({
          occurredAt,
          occurredAtPrecision: body.occurredAtPrecision,
          detectedAt,
        })
        const calendar = await loadWorkingCalendar(tx)
        const base = {
          provinceCode: provinceOfUnit(await app.accounts.principals.unitTree(), body.address.wardCode),
          wardCode: body.address.wardCode,
          residentialGroupCode: body.address.residentialGroupCode ?? null,
        }
        const next = nextStepFields(
          { emergency, receivedAt, status: 'open' },
          [{ step: 'receipt', at: receivedAt }],
          calendar,
          now,
        )
        const row = await insertIncident(tx, {
          ...base,
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
          injuryOutcome: body.injuryOutcome ?? null,
          writtenReportDueAt: deadline.dueAt,
          writtenReportBasis: deadline.basis,
          receivedAt,
          ...next,
          createdAt: now,
          updatedAt: now,
          createdBy: principal.id,
          updatedBy: principal.id,
        })
        await insertIncidentChildren(
          tx,
          linked.map((child) => ({
            ...base,
            incidentId: row.id,
            ...child,
            unregistered: child.unregistered as never,
            createdAt: now,
          })),
        )
        await insertStep(tx, {
          ...base,
          incidentId: row.id,
          step: 'receipt',
          at: receivedAt,
          actorId: principal.id,
          actorName: principal.name,
          createdAt: now,
        })
        await audit(tx, request, {
          action: 'incident.create',
          resourceType: 'incident',
          resourceId: row.id,
          unitCode: row.wardCode,
          outcome: 'success',
          details: { kind: row.kind },
        })
        await recordEvent(tx, {
          type: 'incident.created',
          occurredAt: now,
          unit: base,
          resourceType: 'incident',
          resourceId: row.id,
          data: {
            incidentId: row.id,
            kind: row.kind,
            wardCode: row.wardCode,
            emergency,
            occurredAt: row.occurredAt.toISOString(),
            writtenReportDueAt: row.writtenReportDueAt.toISOString(),
            children: linked.map((child) => ({ childId: child.childId, sex: child.sex, ageYears: child.ageYears })),
          },
        })
        return { row, body: await present(tx, request, row) }
      })
      reply.code(201).header('location', `/v1/incidents/${result.row.id}`)
      return sendWithEtag(reply, result.row.version, result.body)
    },
  )

  route.get(
    '/v1/incidents',
    {
      config: { permission: 'incidents:read' },
      schema: {
        operationId: 'listIncidents',
        tags: ['incidents'],
        summary: 'List incidents in your units, newest first',
        description:
          '`compliance` filters on the written-report state derived from the clock now; `overdueSteps` on case steps past their deadline.',
        querystring: ListIncidentsQuery,
        response: { 200: ref(IncidentPageSchema, 'A page of incidents'), ...problemResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const principal = request.principal!
      const { limit = 50, cursor, unit, ...filter } = request.query
      const after = decodeCursor(cursor, ['timestamp', 'uuid']) as [string, string] | undefined
      const now = app.clock.now()
      const unitScope = unitFilterScope(await app.accounts.principals.unitTree(), unit)
      const rows = await inScope(app.database.db, principal.scope, async (tx) => {
        const found = await listIncidents(tx, principal.scope, { ...filter, unitScope }, now, {
          after,
          limit: limit + 1,
        })
        await audit(tx, request, {
          action: 'incident.list',
          resourceType: 'incident',
          outcome: 'success',
          details: {
            filters: Object.keys(request.query)
              .filter((k) => k !== 'cursor' && k !== 'limit')
              .sort(),
            count: Math.min(found.length, limit),
          },
        })
        return found
      })
      const items = rows.slice(0, limit)
      const last = items[items.length - 1]
      return {
        items: items.map(({ incident, childCount }) => toIncidentSummary(incident, childCount, now)),
        nextCursor:
          rows.length > limit && last ? encodeCursor([last.incident.occurredAt.toISOString(), last.incident.id]) : null,
      }
    },
  )

  route.get(
    '/v1/incidents/compliance',
    {
      config: { permission: 'incidents:read' },
      schema: {
        operationId: 'getWrittenReportCompliance',
        tags: ['incidents'],
        summary: 'The 24-hour written-report discipline per ward: counts by compliance and the on-time rate',
        description:
          'Incidents that occurred between `from` and `to` (local dates, inclusive). The on-time rate is on_time / (on_time + late + overdue).',
        querystring: ComplianceQuery,
        response: { 200: ref(ComplianceReportSchema, 'Per ward and in total'), ...problemResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const principal = request.principal!
      const { from, to, unit } = request.query
      if (to < from)
        throw new HttpProblem(400, 'invalid_range', '`to` is before `from`.', {
          errors: [{ location: 'querystring', pointer: '/to', message: 'must not be before from' }],
        })
      const now = app.clock.now()
      const unitScope = unitFilterScope(await app.accounts.principals.unitTree(), unit)
      const rows = await inScope(app.database.db, principal.scope, (tx) =>
        complianceByWard(tx, principal.scope, { from, to, unitScope }, now),
      )
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
        from,
        to,
        asOf: now.toISOString(),
        wards: [...wards.entries()].map(([wardCode, counts]) => ({ wardCode, counts, onTimeRate: onTimeRate(counts) })),
        total: { counts: total, onTimeRate: onTimeRate(total) },
      }
    },
  )

  route.get(
    '/v1/incidents/:id',
    {
      config: { permission: 'incidents:read' },
      schema: {
        operationId: 'getIncident',
        tags: ['incidents'],
        summary: 'An incident with its children, case steps, pending deadlines and allowed next steps',
        params: IncidentParams,
        response: { 200: ref(IncidentSchema, 'The incident'), ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const principal = request.principal!
      const found = await inScope(app.database.db, principal.scope, async (tx) => {
        const row = await getIncident(tx, principal.scope, request.params.id)
        await audit(tx, request, {
          action: 'incident.read',
          resourceType: 'incident',
          resourceId: request.params.id,
          unitCode: row?.wardCode ?? null,
          outcome: row ? 'success' : 'not_found',
        })
        return row ? { row, body: await present(tx, request, row) } : undefined
      })
      if (!found) throw notFound('Incident', request.params.id)
      return sendWithEtag(reply, found.row.version, found.body)
    },
  )

  route.patch(
    '/v1/incidents/:id',
    {
      config: { permission: 'incidents:write' },
      schema: {
        operationId: 'updateIncident',
        tags: ['incidents'],
        summary: 'Correct an incident (If-Match required)',
        description:
          'A change to occurredAt, its precision or detectedAt recomputes the written-report deadline. Once the written ' +
          'report is in, such a change needs a `reason`; the revision records the compliance before and after, and an ' +
          'edit that turns a late report into an on-time one is audited as such — never silent.',
        params: IncidentParams,
        body: UpdateIncidentBody,
        response: {
          200: ref(IncidentSchema, 'The corrected incident'),
          ...problemResponses(400, 401, 403, 404, 412, 422, 428),
        },
      },
    },
    async (request, reply) => {
      const expectedVersion = requiredVersion(request)
      const principal = request.principal!
      const { reason, ...body } = request.body
      assertSensitiveAllowed(
        request,
        (['narrative', 'perpetratorRelation'] as const).filter((f) => body[f] !== undefined),
      )
      const now = app.clock.now()
      const outcome = await inScope(app.database.db, principal.scope, async (tx) => {
        const current = await getIncident(tx, principal.scope, request.params.id)
        if (!current) return { missing: true as const }
        const occurredAt = body.occurredAt ? new Date(body.occurredAt) : current.occurredAt
        const detectedAt = body.detectedAt ? new Date(body.detectedAt) : current.detectedAt
        const phoneReportedAt =
          body.phoneReportedAt !== undefined
            ? body.phoneReportedAt
              ? new Date(body.phoneReportedAt)
              : null
            : current.phoneReportedAt
        const kind = body.kind ?? current.kind
        const problems = [
          ...kindProblems(
            kind,
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
        const before = {
          dueAt: current.writtenReportDueAt,
          compliance: writtenReportCompliance(current.writtenReportDueAt, current.writtenReportSubmittedAt, now),
        }
        const after = {
          dueAt: deadline.dueAt,
          compliance: writtenReportCompliance(deadline.dueAt, current.writtenReportSubmittedAt, now),
        }
        const movement = recomputeAfterEdit(before, after)
        if (movement.changed && current.writtenReportSubmittedAt && !reason) {
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
        const updated = await updateIncident(tx, principal.scope, current.id, expectedVersion, {
          ...body,
          occurredAt,
          detectedAt,
          phoneReportedAt,
          writtenReportDueAt: deadline.dueAt,
          writtenReportBasis: deadline.basis,
          updatedAt: now,
          updatedBy: principal.id,
        })
        if (!updated) return { stale: current.version }
        await insertIncidentRevision(tx, {
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
        await audit(tx, request, {
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
        return { updated, body: await present(tx, request, updated) }
      })
      if (outcome.missing) throw notFound('Incident', request.params.id)
      if (outcome.stale !== undefined) throw staleVersion(outcome.stale)
      return sendWithEtag(reply, outcome.updated.version, outcome.body)
    },
  )

  route.post(
    '/v1/incidents/:id/written-report',
    {
      config: { permission: 'incidents:write' },
      schema: {
        operationId: 'submitWrittenReport',
        tags: ['incidents'],
        summary: 'Record the written report; the time is the server’s',
        description:
          '`submittedAt` is stamped with the server clock (a report cannot be backdated). After the 24-hour deadline a ' +
          '`lateReason` is required (422 late_reason_required). A report is recorded once (409 after).',
        params: IncidentParams,
        body: WrittenReportBody,
        response: {
          200: ref(IncidentSchema, 'The incident with its report'),
          ...problemResponses(400, 401, 403, 404, 409, 422),
        },
      },
    },
    async (request) => {
      const principal = request.principal!
      const now = app.clock.now()
      const outcome = await inScope(app.database.db, principal.scope, async (tx) => {
        const current = await getIncident(tx, principal.scope, request.params.id)
        if (!current) return { missing: true as const }
        if (current.writtenReportSubmittedAt) return { already: current.writtenReportSubmittedAt }
        if (lateReasonRequired(current.writtenReportDueAt, now) && !request.body.lateReason) {
          throw unprocessable(
            'late_reason_required',
            `The written report was due within 24 hours (district plan, section V), by ${current.writtenReportDueAt.toISOString()}; give lateReason.`,
            [
              {
                location: 'body',
                pointer: '/lateReason',
                message: 'is required after the 24-hour deadline',
                code: 'late_reason_required',
              },
            ],
            { dueAt: current.writtenReportDueAt.toISOString(), rule: 'written_report_within_24_hours' },
          )
        }
        const updated = await updateIncident(tx, principal.scope, current.id, null, {
          writtenReportSubmittedAt: now,
          writtenReportLateReason: lateReasonRequired(current.writtenReportDueAt, now)
            ? (request.body.lateReason ?? null)
            : null,
          writtenReportBy: principal.id,
          updatedAt: now,
          updatedBy: principal.id,
        })
        const compliance = writtenReportCompliance(current.writtenReportDueAt, now, now)
        await audit(tx, request, {
          action: 'incident.written_report',
          resourceType: 'incident',
          resourceId: current.id,
          unitCode: current.wardCode,
          outcome: 'success',
          details: { compliance },
        })
        return { body: await present(tx, request, updated!) }
      })
      if (outcome.missing) throw notFound('Incident', request.params.id)
      if (outcome.already)
        throw conflict('already_submitted', `The written report was recorded at ${outcome.already.toISOString()}.`)
      return outcome.body
    },
  )

  route.post(
    '/v1/incidents/:id/steps',
    {
      config: { permission: 'incidents:read' },
      schema: {
        operationId: 'recordCaseStep',
        tags: ['incidents'],
        summary: 'Record a step of the support and intervention process (Decree 56/2017)',
        description:
          'Steps follow receipt → initial assessment → (emergency protection within 12 hours, for an emergency) → ' +
          'specific assessment → support plan (5 working days after receipt) → approval → implementation → monitoring → ' +
          'closure. Any other order answers 409 with `allowedNextSteps`. Approval needs plans:approve (the ward chair); ' +
          'every other step needs incidents:write. Closure needs a `closureReason`; for sexual abuse, trafficking, violence ' +
          'or exploitation it offers (and with `applyCircumstanceGroup` adds) the matching special-circumstance group.',
        params: IncidentParams,
        body: StepBody,
        response: {
          201: ref(StepResultSchema, 'The incident after the step'),
          ...problemResponses(400, 401, 403, 404, 409, 422),
        },
      },
    },
    async (request, reply) => {
      const principal = request.principal!
      const body = request.body
      const step = body.step
      const needed = step === 'plan_approval' ? 'plans:approve' : 'incidents:write'
      if (!hasPermission(principal, needed)) {
        await audit(app.database.db, request, {
          action: 'access.denied',
          outcome: 'denied',
          details: { permission: needed, step },
        })
        throw new HttpProblem(403, 'forbidden', `Recording the ${step} step needs the ${needed} permission.`, {
          extensions: { requiredPermission: needed },
        })
      }
      if (step === 'closure' && !body.closureReason) {
        throw unprocessable('invalid_step', 'Closing a case needs a reason.', [
          {
            location: 'body',
            pointer: '/closureReason',
            message: 'is required for closure',
            code: 'closure_reason_required',
          },
        ])
      }
      const now = app.clock.now()
      const at = body.at ? new Date(body.at) : now
      const outcome = await inScope(app.database.db, principal.scope, async (tx) => {
        const current = await getIncident(tx, principal.scope, request.params.id)
        if (!current) return { missing: true as const }
        const calendar = await loadWorkingCalendar(tx)
        const details = await incidentDetails(tx, current.id)
        const done = details.steps.map((s) => ({ step: s.step, at: s.at }))
        const allowed =
          current.status === 'open'
            ? allowedNextSteps(
                done.map((d) => d.step),
                current.emergency,
              )
            : []
        if (!allowed.includes(step)) return { notAllowed: allowed }
        const problems: FieldError[] = []
        if (at.getTime() > now.getTime() + clockSkewMs)
          problems.push({
            location: 'body',
            pointer: '/at',
            message: 'must not be in the future',
            code: 'time_in_future',
          })
        if (at < current.receivedAt)
          problems.push({
            location: 'body',
            pointer: '/at',
            message: 'must not be before the case was received',
            code: 'before_receipt',
          })
        if (problems.length > 0) throw unprocessable('invalid_step', 'The step cannot be recorded.', problems)
        const base = {
          provinceCode: current.provinceCode,
          wardCode: current.wardCode,
          residentialGroupCode: current.residentialGroupCode,
        }
        await insertStep(tx, {
          ...base,
          incidentId: current.id,
          step,
          at,
          dueAt: stepDeadline(step, current.receivedAt, calendar),
          note: body.note ?? null,
          actorId: principal.id,
          actorName: principal.name,
          createdAt: now,
        })
        const closing = step === 'closure'
        const status = closing ? ('closed' as const) : current.status
        const updated = await updateIncident(tx, principal.scope, current.id, null, {
          ...nextStepFields({ ...current, status }, [...done, { step, at }], calendar, now),
          status,
          closedAt: closing ? at : current.closedAt,
          closureReason: closing ? (body.closureReason ?? null) : current.closureReason,
          updatedAt: now,
          updatedBy: principal.id,
        })
        await audit(tx, request, {
          action: 'incident.step',
          resourceType: 'incident',
          resourceId: current.id,
          unitCode: current.wardCode,
          outcome: 'success',
          details: { step },
        })
        let offer: { groupCode: string; childIds: string[]; applied: boolean } | null = null
        const groupCode = closing ? circumstanceGroupForKind(current.kind) : null
        if (groupCode) {
          const childIds = details.children.map((c) => c.childId).filter((id): id is string => id !== null)
          offer = { groupCode, childIds, applied: false }
          if (body.applyCircumstanceGroup && childIds.length > 0) {
            const needs = sensitiveGroupCodes.has(groupCode)
              ? ['registry:write', 'registry:sensitive']
              : ['registry:write']
            const missing = needs.filter((p) => !hasPermission(principal, p as never))
            if (missing.length > 0) {
              throw new HttpProblem(
                403,
                'forbidden',
                `Adding group ${groupCode} to the registry needs ${missing.join(' and ')}.`,
                { extensions: { requiredPermission: missing[0] } },
              )
            }
            for (const childId of childIds) {
              const child = await getChildRow(tx, principal.scope, childId)
              if (!child) continue
              const startDate = localDateOf(current.occurredAt)
              await insertCircumstance(tx, {
                childId,
                provinceCode: child.provinceCode,
                wardCode: child.wardCode,
                residentialGroupCode: child.residentialGroupCode,
                kind: 'group',
                groupCode,
                startDate,
                note: `from incident ${current.id}`,
                createdAt: now,
                updatedAt: now,
                createdBy: principal.id,
              })
              await insertRevision(tx, {
                childId,
                provinceCode: child.provinceCode,
                wardCode: child.wardCode,
                residentialGroupCode: child.residentialGroupCode,
                version: child.version,
                action: 'circumstance.add',
                changes: [
                  {
                    field: 'circumstance',
                    from: null,
                    to: { kind: 'group', groupCode, startDate, incidentId: current.id },
                  },
                ],
                sensitive: sensitiveGroupCodes.has(groupCode),
                changedAt: now,
                actorId: principal.id,
                actorName: principal.name,
                requestId: request.id,
              })
              await audit(tx, request, {
                action: 'child.circumstance.add',
                resourceType: 'child',
                resourceId: childId,
                unitCode: child.wardCode,
                outcome: 'success',
                details: { incidentId: current.id },
              })
            }
            offer.applied = true
          }
        }
        return { body: { incident: await present(tx, request, updated!), circumstanceOffer: offer } }
      })
      if (outcome.missing) throw notFound('Incident', request.params.id)
      if (outcome.notAllowed) {
        throw new HttpProblem(
          409,
          'step_not_allowed',
          `The ${step} step cannot come now; allowed next: ${outcome.notAllowed.join(', ') || 'none (the case is closed)'}.`,
          {
            extensions: { allowedNextSteps: outcome.notAllowed },
          },
        )
      }
      reply.code(201)
      return outcome.body
    },
  )

  route.get(
    '/v1/alerts',
    {
      config: { permission: 'incidents:read' },
      schema: {
        operationId: 'listAlerts',
        tags: ['incidents'],
        summary: 'Deadline alerts in your units: written reports due soon or overdue, case steps overdue',
        querystring: AlertsQuery,
        response: { 200: ref(AlertPageSchema, 'A page of alerts, newest first'), ...problemResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const principal = request.principal!
      const { limit = 50, cursor, unit } = request.query
      const before = decodeCursor(cursor, ['integer'])?.[0]
      const unitScope = unitFilterScope(await app.accounts.principals.unitTree(), unit)
      const rows = await inScope(app.database.db, principal.scope, (tx) =>
        tx
          .select()
          .from(events)
          .where(
            and(
              inArray(events.type, alertTypes),
              scopeCondition(principal.scope, { ward: events.wardCode, group: events.residentialGroupCode }),
              unitScope
                ? scopeCondition(unitScope, { ward: events.wardCode, group: events.residentialGroupCode })
                : undefined,
              before === undefined ? undefined : lt(events.id, Number(before)),
            ),
          )
          .orderBy(desc(events.id))
          .limit(limit + 1),
      )
      const items = rows.slice(0, limit)
      const last = items[items.length - 1]
      return {
        items: items.map((event) => ({
          eventId: event.eventId,
          type: event.type,
          occurredAt: event.occurredAt.toISOString(),
          wardCode: event.wardCode,
          incidentId: event.resourceId,
          step: typeof event.data.step === 'string' ? event.data.step : null,
          dueAt: typeof event.data.dueAt === 'string' ? event.data.dueAt : null,
        })),
        nextCursor: rows.length > limit && last ? encodeCursor([last.id]) : null,
      }
    },
  )
}
