import type { FastifyInstance } from 'fastify'
import { BackfillQuery } from '../units/schemas.js'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { requiredVersion, sendWithEtag } from '../../platform/concurrency.js'
import { problemResponses, ref } from '../../platform/schemas.js'
import { scoped } from '../../platform/work.js'
import { alertPage, complianceReport } from './deadlines.js'
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
import {
  correctIncident,
  incidentOpening,
  incidentPage,
  readIncident,
  recordIncident,
  submitWrittenReport,
} from './service.js'
import { recordCaseStep, stepPermissions } from './steps.js'

export default async function incidentRoutes(app: FastifyInstance) {
  const route = app.withTypeProvider<TypeBoxTypeProvider>()

  route.post(
    '/v1/incidents',
    {
      config: { permission: 'incidents:write', location: true, idempotent: true },
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
        querystring: BackfillQuery,
        response: { 201: ref(IncidentSchema, 'The incident'), ...problemResponses(400, 401, 403, 409, 422) },
      },
    },
    async (request, reply) => {
      const { row, view } = await scoped(
        request,
        (work) => recordIncident(work, request.body, request.query.backfill),
        {
          openWith: incidentOpening(request.body),
        },
      )
      reply.code(201).header('location', `/v1/incidents/${row.id}`)
      return sendWithEtag(reply, row.version, view)
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
    async (request) => scoped(request, (work) => incidentPage(work, request.query)),
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
    async (request) => scoped(request, (work) => complianceReport(work, request.query)),
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
      const { row, view } = await scoped(request, (work) => readIncident(work, request.params.id))
      return sendWithEtag(reply, row.version, view)
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
      const { row, view } = await scoped(request, (work) =>
        correctIncident(work, request.params.id, request.body, expectedVersion),
      )
      return sendWithEtag(reply, row.version, view)
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
    async (request, reply) => {
      const { view } = await scoped(request, (work) => submitWrittenReport(work, request.params.id, request.body))
      return sendWithEtag(reply, view.version, view)
    },
  )

  route.post(
    '/v1/incidents/:id/steps',
    {
      config: { permission: 'incidents:read', permissionByCase: stepPermissions },
      schema: {
        operationId: 'recordCaseStep',
        tags: ['incidents'],
        summary: 'Record a step of the support and intervention process (Decree 56/2017)',
        description:
          'Steps follow receipt → initial assessment → (emergency protection within 12 hours, for an emergency) → ' +
          'specific assessment → support plan (5 working days after receipt) → approval → implementation → monitoring → ' +
          'closure. Any other order answers 409 with `allowedNextSteps`. Approval and closure are the ward chair’s (a case officer asks for closure with the closure form, which the chair approves). Closure needs a `closureReason`; for sexual abuse, trafficking, violence ' +
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
      const result = await scoped(request, (work) => recordCaseStep(work, request.params.id, request.body))
      reply.code(201)
      return result
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
    async (request) => scoped(request, (work) => alertPage(work, request.query)),
  )
}
