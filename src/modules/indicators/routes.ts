import type { FastifyInstance, FastifyReply } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { Static } from 'typebox'
import { requiredVersion, sendWithEtag } from '../../platform/concurrency.js'
import { problemResponses, ref } from '../../platform/schemas.js'
import { scoped } from '../../platform/work.js'
import { sendExport } from './export.js'
import {
  exportResponse,
  IndicatorCodeParams,
  IndicatorDefinitionSchema,
  IndicatorListSchema,
  IndicatorTableSchema,
  PeriodParams,
  PeriodsQuery,
  PlanTargetsSchema,
  PutOfficialCodeBody,
  PutPeriodBody,
  PutTargetsBody,
  ReportingPeriodListSchema,
  ReportingPeriodSchema,
  ValuesExportQuery,
  ValuesQuery,
  YearParams,
} from './schemas.js'
import {
  changeReportingPeriod,
  correctOfficialCode,
  indicatorCatalogue,
  planTargets,
  publishTable,
  replacePlanTargets,
  reportingPeriods,
  valuesExport,
  valuesTable,
} from './service.js'

export default async function indicatorRoutes(app: FastifyInstance) {
  const route = app.withTypeProvider<TypeBoxTypeProvider>()

  route.get(
    '/v1/indicators',
    {
      config: { permission: 'reference:read' },
      schema: {
        operationId: 'listIndicators',
        tags: ['indicators'],
        summary: 'Indicator definitions: code, names, kind, numerator and denominator, breakdowns, source',
        description:
          'The latest version of each definition (versioned data, seeded from the plan and Circular 13/2021/TT-BLĐTBXH of 30/9/2021).',
        response: {
          200: ref(IndicatorListSchema, 'Every indicator, in the plan’s order'),
          ...problemResponses(401, 403),
        },
      },
    },
    async () => indicatorCatalogue(app.database.db),
  )

  route.put(
    '/v1/indicators/:code/official',
    {
      config: { permission: 'catalogues:manage' },
      schema: {
        operationId: 'correctIndicatorOfficialCode',
        tags: ['indicators'],
        summary:
          'Correct where an indicator stands in Circular 13/2021: annex, code, name, report form row (If-Match required)',
        description:
          'Publishes the definition’s next version (If-Match: the `version` of the definition as listed; 412 when it is no ' +
          'longer the latest). A definition an administrator corrected is left alone by later reference data. Audited with ' +
          'the code before and after.',
        params: IndicatorCodeParams,
        body: PutOfficialCodeBody,
        response: {
          200: ref(IndicatorDefinitionSchema, 'The definition as now published; ETag carries its version'),
          ...problemResponses(400, 401, 403, 404, 412, 428),
        },
      },
    },
    async (request, reply) => {
      const expected = requiredVersion(request)
      const body = await correctOfficialCode(request, request.params.code, request.body.official, expected)
      return sendWithEtag(reply, body.version, body)
    },
  )

  route.get(
    '/v1/plans/:year/targets',
    {
      config: { permission: 'indicators:read' },
      schema: {
        operationId: 'getPlanTargets',
        tags: ['indicators'],
        summary: 'A plan year’s targets: comparator and value per indicator',
        description: 'An empty list when no targets are set for the year. The ETag is what PUT needs in If-Match.',
        params: YearParams,
        response: {
          200: ref(PlanTargetsSchema, 'The targets; ETag carries their version'),
          ...problemResponses(400, 401, 403),
        },
      },
    },
    async (request, reply) => {
      const body = await planTargets(app.database.db, request.params.year)
      return sendWithEtag(reply, body.version, body)
    },
  )

  route.put(
    '/v1/plans/:year/targets',
    {
      config: { permission: 'catalogues:manage' },
      schema: {
        operationId: 'replacePlanTargets',
        tags: ['indicators'],
        summary: 'Set a plan year’s targets (replaces them all; If-Match required)',
        description:
          'Send every target of the year: those left out are removed. A percentage indicator takes a target in percent (at most 100), ' +
          'a count indicator a whole count or a number of wards. Once changed here, the year’s targets are never overwritten by reference data.',
        params: YearParams,
        body: PutTargetsBody,
        response: {
          200: ref(PlanTargetsSchema, 'The targets as stored'),
          ...problemResponses(400, 401, 403, 412, 422, 428),
        },
      },
    },
    async (request, reply) => {
      const expected = requiredVersion(request)
      const body = await replacePlanTargets(request, request.params.year, request.body.targets, expected)
      return sendWithEtag(reply, body.version, body)
    },
  )

  route.get(
    '/v1/reporting-periods',
    {
      config: { permission: 'reference:read' },
      schema: {
        operationId: 'listReportingPeriods',
        tags: ['indicators'],
        summary:
          'The reporting periods of a year: ward plan, 6-month, 9-month and annual reports with due dates and windows',
        description:
          'Periods not set by an administrator follow the plan (due 30/3, 15/5, 15/9 and 10/11; windows from 1 January to the day before).',
        querystring: PeriodsQuery,
        response: {
          200: ref(ReportingPeriodListSchema, 'The four periods, by due date'),
          ...problemResponses(400, 401, 403),
        },
      },
    },
    async (request) => reportingPeriods(app.database.db, request.query.year),
  )

  route.put(
    '/v1/reporting-periods/:code',
    {
      config: { permission: 'catalogues:manage' },
      schema: {
        operationId: 'updateReportingPeriod',
        tags: ['indicators'],
        summary: 'Set a period’s due date and data window (If-Match required)',
        description:
          'The window must lie in the period’s year and end no later than the due date. The window of a period that already has reports ' +
          'cannot change (their figures were frozen over it: 409); its due date can, and timeliness already decided at a first submission stays as it was.',
        params: PeriodParams,
        body: PutPeriodBody,
        response: {
          200: ref(ReportingPeriodSchema, 'The period as stored'),
          ...problemResponses(400, 401, 403, 409, 412, 422, 428),
        },
      },
    },
    async (request, reply) => {
      const expected = requiredVersion(request)
      const period = await changeReportingPeriod(request, request.params.code, request.body, expected)
      return sendWithEtag(reply, period.version, period)
    },
  )

  route.get(
    '/v1/indicators/values',
    {
      config: { permission: 'indicators:read' },
      schema: {
        operationId: 'getIndicatorValues',
        tags: ['indicators'],
        summary:
          'Every indicator’s value for a unit, each ward below it, and the total, against the plan year’s targets',
        description:
          'Computed live from the records (a record written a moment ago is counted) over 1 January to `asOf`. Ward figures add up to the ' +
          'unit’s. `breakdown` splits each indicator by the dimensions it allows. `unit` defaults to your only unit and must lie wholly in ' +
          'your jurisdiction (403 otherwise). For city systems and callers without registry:sensitive, `asOf` is the last day of a ' +
          'reporting period that has closed (the latest by default; 400 `invalid_window` otherwise, with `closedDays`), and ' +
          'every count of 1 to 4 children or incidents is shown as ' +
          '`{ "suppressed": true }`, with as few other counts as keep it from being narrowed to an interval under 5 wide from the ' +
          'response’s figures and the sums among them, counting what a percentage’s numerator leaves out of its denominator (47 ' +
          'of 48 covered: one is not) as such a count; every breakdown lists all its cells (0 where nothing counts), and a ward is ' +
          'published as its row of its parent’s table (a new ward of 2025 from July as a table of its own), a unit ' +
          'whose wards are those of units below it and its own (the city on the 2024 map and in 2025, its old wards as ' +
          'its district shows them) and a group of wards as the tables they are read off show their wards, a total ' +
          'shown only where every count it sums is. Counts that are not about children (wards, reports) are shown as they are. Audited.',
        querystring: ValuesQuery,
        response: { 200: ref(IndicatorTableSchema, 'The indicator table'), ...problemResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const table = await scoped(request, (work) => valuesTable(work, request.query, 'indicator.values.read'))
      return publishTable(table)
    },
  )

  route.get(
    '/v1/indicators/values/export',
    {
      config: { permission: 'indicators:read' },
      schema: {
        operationId: 'exportIndicatorValues',
        tags: ['indicators'],
        summary: 'The indicator table as XLSX (ready to print and sign), CSV or JSON',
        description:
          'The same rows and figures in every format: each unit’s figure, then its breakdown cells. Vietnamese labels; withheld counts read ' +
          '"x" in XLSX and CSV and `{ "suppressed": true }` in JSON. Audited as an export.',
        querystring: ValuesExportQuery,
        response: { 200: exportResponse, ...problemResponses(400, 401, 403) },
      },
    },
    async (request, reply: FastifyReply) => {
      const query = request.query as Static<typeof ValuesExportQuery>
      const document = await scoped(request, (work) => valuesExport(work, query))
      return sendExport(reply, query.format, document)
    },
  )
}
