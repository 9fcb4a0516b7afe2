import type { FastifyInstance, FastifyReply } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { Static } from 'typebox'
import { optionalVersion, requiredVersion, sendWithEtag } from '../../platform/concurrency.js'
import { problemResponses, ref } from '../../platform/schemas.js'
import { scoped } from '../../platform/work.js'
import { sendExport } from '../indicators/export.js'
import { exportResponse } from '../indicators/schemas.js'
import { reportWriterPermissions } from './rules.js'
import {
  CreateReportBody,
  DataValueSetSchema,
  ListReportsQuery,
  ReportExportQuery,
  ReportPageSchema,
  ReportParams,
  ReportSchema,
  ReturnReportBody,
  TimelinessQuery,
  TimelinessSchema,
  UpdateReportBody,
} from './schemas.js'
import {
  createReport,
  editReport,
  readReport,
  reportDataValueSet,
  reportExport,
  reportPage,
  reportTimeliness,
  reviewReport,
  submitReport,
} from './service.js'

export default async function reportRoutes(app: FastifyInstance) {
  const route = app.withTypeProvider<TypeBoxTypeProvider>()

  route.post(
    '/v1/reports',
    {
      config: {
        location: true,
        permission: 'reports:read',
        permissionByCase: reportWriterPermissions,
        idempotent: true,
      },
      schema: {
        operationId: 'createReport',
        tags: ['reports'],
        summary:
          'Create a ward’s report for a period (figures frozen), or the district’s consolidation of its approved ward reports',
        description:
          'A ward unit gives a ward report: every indicator’s figure for the ward over the period’s window, up to ' +
          'today or the end of the window, is frozen with its breakdowns. A district gives its consolidated report: ' +
          'the sums of the approved ward reports, with the wards whose report is missing or not yet approved listed. One report per unit ' +
          'and period (409 with `existingId`). Narrative sections start from the period’s outline unless given. Accepts Idempotency-Key.',
        body: CreateReportBody,
        response: {
          201: ref(ReportSchema, 'The report; ETag carries its version'),
          ...problemResponses(400, 401, 403, 409, 422),
        },
      },
    },
    async (request, reply) => {
      const report = await scoped(request, (work) => createReport(work, request.body))
      reply.code(201).header('location', `/v1/reports/${report.id}`)
      return sendWithEtag(reply, report.version, report)
    },
  )

  route.get(
    '/v1/reports',
    {
      config: { permission: 'reports:read' },
      schema: {
        operationId: 'listReports',
        tags: ['reports'],
        summary: 'Reports of your units, by period and unit',
        description:
          '`unit` includes the reports of every ward below it. City systems see submitted and approved reports only, frozen ' +
          'as of their period’s last day, once that day has passed, over a window from 1 January. Audited.',
        querystring: ListReportsQuery,
        response: { 200: ref(ReportPageSchema, 'A page of reports'), ...problemResponses(400, 401, 403) },
      },
    },
    async (request) => scoped(request, (work) => reportPage(work, request.query)),
  )

  route.get(
    '/v1/reports/timeliness',
    {
      config: { permission: 'reports:read' },
      schema: {
        operationId: 'getReportTimeliness',
        tags: ['reports'],
        summary: 'Reporting discipline of a year: per period, wards expected, submitted, on time, late and missing',
        description:
          'A report is on time when first submitted by 23:59:59 Asia/Ho_Chi_Minh on its due date; resubmissions after a return do not ' +
          'change it. Missing once the due date has passed without a submission. `unit` defaults to your only unit.',
        querystring: TimelinessQuery,
        response: { 200: ref(TimelinessSchema, 'Per period and ward'), ...problemResponses(400, 401, 403) },
      },
    },
    async (request) => scoped(request, (work) => reportTimeliness(work, request.query)),
  )

  route.get(
    '/v1/reports/:id',
    {
      config: { permission: 'reports:read' },
      schema: {
        operationId: 'getReport',
        tags: ['reports'],
        summary: 'A report: frozen figures, narrative, state, timeliness and every submission',
        description:
          'A report outside your units answers 404. For city systems small counts are withheld, and counts of children or ' +
          'incidents are shown as the period’s published indicator table shows them, whatever the report counted (none for a ' +
          'consolidation of fewer wards than the table lists); a section holding personal data is withheld and review ' +
          'comments are not shown. They see a report once sent, frozen as of its period’s last day, after that day, over a ' +
          'window from 1 January. Audited, 404s included.',
        params: ReportParams,
        response: {
          200: ref(ReportSchema, 'The report; ETag carries its version'),
          ...problemResponses(400, 401, 403, 404),
        },
      },
    },
    async (request, reply) => {
      const report = await scoped(request, (work) => readReport(work, request.params.id))
      return sendWithEtag(reply, report.version, report)
    },
  )

  route.patch(
    '/v1/reports/:id',
    {
      config: { permission: 'reports:read', permissionByCase: reportWriterPermissions },
      schema: {
        operationId: 'updateReport',
        tags: ['reports'],
        summary: 'Change a draft or returned report’s narrative, or freeze its figures again (If-Match required)',
        description:
          '`refreshFigures` recomputes the frozen figures as ' +
          'of today (or the end of the window): for a district report, with the ward reports approved since.',
        params: ReportParams,
        body: UpdateReportBody,
        response: { 200: ref(ReportSchema, 'The report'), ...problemResponses(400, 401, 403, 404, 409, 412, 422, 428) },
      },
    },
    async (request, reply) => {
      const expected = requiredVersion(request)
      const report = await scoped(request, (work) => editReport(work, request.params.id, request.body, expected))
      return sendWithEtag(reply, report.version, report)
    },
  )

  route.post(
    '/v1/reports/:id/submit',
    {
      config: { permission: 'reports:read', permissionByCase: reportWriterPermissions },
      schema: {
        operationId: 'submitReport',
        tags: ['reports'],
        summary: 'Submit a draft or returned report (stamped by the server clock)',
        description:
          'The first submission decides timeliness: on time ' +
          'up to 23:59:59 Asia/Ho_Chi_Minh on the due date. Each submission is kept as a version. If-Match is optional; when sent it must match.',
        params: ReportParams,
        response: { 200: ref(ReportSchema, 'The submitted report'), ...problemResponses(400, 401, 403, 404, 409, 412) },
      },
    },
    async (request, reply) => {
      const expected = optionalVersion(request)
      const report = await scoped(request, (work) => submitReport(work, request.params.id, expected))
      return sendWithEtag(reply, report.version, report)
    },
  )

  route.post(
    '/v1/reports/:id/approve',
    {
      config: { permission: 'reports:review' },
      schema: {
        operationId: 'approveReport',
        tags: ['reports'],
        summary: 'Approve a submitted ward report (the district); it then counts in the district’s consolidation',
        description: 'If-Match is optional; when sent it must match.',
        params: ReportParams,
        response: { 200: ref(ReportSchema, 'The approved report'), ...problemResponses(400, 401, 403, 404, 409, 412) },
      },
    },
    async (request, reply) => {
      const expected = optionalVersion(request)
      const decision = { action: 'approve' } as const
      const report = await scoped(request, (work) => reviewReport(work, request.params.id, decision, expected))
      return sendWithEtag(reply, report.version, report)
    },
  )

  route.post(
    '/v1/reports/:id/return',
    {
      config: { permission: 'reports:review' },
      schema: {
        operationId: 'returnReport',
        tags: ['reports'],
        summary: 'Return a submitted ward report to the ward with comments; the ward corrects and resubmits it',
        description: 'If-Match is optional; when sent it must match.',
        params: ReportParams,
        body: ReturnReportBody,
        response: { 200: ref(ReportSchema, 'The returned report'), ...problemResponses(400, 401, 403, 404, 409, 412) },
      },
    },
    async (request, reply) => {
      const expected = optionalVersion(request)
      const decision = { action: 'return', comments: request.body.comments } as const
      const report = await scoped(request, (work) => reviewReport(work, request.params.id, decision, expected))
      return sendWithEtag(reply, report.version, report)
    },
  )

  route.get(
    '/v1/reports/:id/export',
    {
      config: { permission: 'reports:read' },
      schema: {
        operationId: 'exportReport',
        tags: ['reports'],
        summary: 'A report as XLSX (ready to print and sign), CSV or JSON',
        description:
          'Letterhead, title, period and window, narrative, the frozen figures with their breakdowns, and a signature block (XLSX). The same ' +
          'rows and figures in every format. For city systems small counts are withheld, as in the report itself. Audited as an export.',
        params: ReportParams,
        querystring: ReportExportQuery,
        response: { 200: exportResponse, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply: FastifyReply) => {
      const { format } = request.query as Static<typeof ReportExportQuery>
      const { id } = request.params as Static<typeof ReportParams>
      const document = await scoped(request, (work) => reportExport(work, id, format))
      return sendExport(reply, format, document)
    },
  )

  route.get(
    '/v1/reports/:id/dhis2',
    {
      config: { permission: 'reports:read' },
      schema: {
        operationId: 'getReportDataValueSet',
        tags: ['reports'],
        summary: 'Deprecated: a report’s figures as a DHIS2-like document; use GET /v1/dhis2/data-value-sets',
        deprecated: true,
        description:
          'Deprecated: DHIS2 cannot import this document (internal codes instead of UIDs, no data set or combinations, and ' +
          'year-to-date totals that DHIS2 would add up twice). Use `GET /v1/dhis2/data-value-sets?period=2026Q2` with the ' +
          'mapping of `PUT /v1/dhis2/mapping` (docs/dhis2.md). Data element = indicator code, org unit = unit code, period in DHIS2 format (2024Q1 ward plan, 2024S1 6-month, 2024Q3 9-month, ' +
          '2024 annual: DHIS2 has no nine-month period, so each report posts against the period its window ends in). One value per ' +
          'indicator, the unit’s total; figures without a value, and for city systems withheld ones, are left out. Audited.',
        params: ReportParams,
        response: { 200: ref(DataValueSetSchema, 'The data value set'), ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request) => scoped(request, (work) => reportDataValueSet(work, request.params.id)),
  )
}
