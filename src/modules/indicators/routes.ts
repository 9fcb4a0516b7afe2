import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { Static } from 'typebox'
import { audit } from '../../platform/audit.js'
import { requiredVersion, sendWithEtag, staleVersion } from '../../platform/concurrency.js'
import { bodyErrors, conflict, HttpProblem, unprocessable } from '../../platform/problem.js'
import { problemResponses, ref } from '../../platform/schemas.js'
import { inScope } from '../../platform/scope.js'
import { localDateOf } from '../calendar/rules.js'
import { exportRows, placeOf, sendExport } from './export.js'
import type { Dimension } from './measures.js'
import {
  periodByCode,
  listDefinitions,
  listTargets,
  listUnitRows,
  lockResource,
  periodHasReports,
  periodsOfYear,
  periodVersion,
  replaceTargets,
  savePeriod,
  targetsVersion,
  type TargetRow,
} from './repository.js'
import { parsePeriodCode, periodProblems, targetProblems } from './rules.js'
import {
  exportResponse,
  IndicatorListSchema,
  IndicatorTableSchema,
  PeriodParams,
  PeriodsQuery,
  PlanTargetsSchema,
  PutPeriodBody,
  PutTargetsBody,
  ReportingPeriodListSchema,
  ReportingPeriodSchema,
  ValuesExportQuery,
  ValuesQuery,
  YearParams,
} from './schemas.js'
import {
  indicatorFigures,
  isAvailable,
  publicationMeta,
  publishFigures,
  resolveUnit,
  withholdsSmallCells,
  type IndicatorFigures,
  type UnitWithWards,
} from './service.js'

function toPlanTargets(year: number, rows: TargetRow[]) {
  return {
    year,
    version: targetsVersion(rows),
    targets: rows.map((row) => ({
      indicatorCode: row.indicatorCode,
      comparator: row.comparator,
      value: row.value,
      unit: row.unit,
      updatedAt: row.updatedAt.toISOString(),
      updatedBy: row.updatedBy,
    })),
  }
}

/** The window of a plan year's figures: 1 January to `asOf` (today by default, or 31 December of a past year). */
function valuesWindow(
  year: number,
  requestedAsOf: string | undefined,
  today: string,
): { windowFrom: string; asOf: string } {
  const windowFrom = `${year}-01-01`
  const lastDay = `${year}-12-31`
  const asOf = requestedAsOf ?? (today < lastDay ? today : lastDay)
  const wrong = (pointer: string, message: string) =>
    new HttpProblem(400, 'invalid_window', `No figures can be computed: ${pointer.slice(1)} ${message}.`, {
      errors: [{ location: 'querystring', pointer, message }],
    })
  if (windowFrom > today) throw wrong('/year', 'has not started yet')
  if (asOf < windowFrom || asOf > lastDay) throw wrong('/asOf', `must lie in ${year}`)
  if (asOf > today) throw wrong('/asOf', 'must not be in the future')
  return { windowFrom, asOf }
}

function requestedDimensions(breakdown: string | undefined): Dimension[] {
  return breakdown === undefined ? [] : [...new Set(breakdown.split(',') as Dimension[])]
}

interface ValuesTable {
  year: number
  windowFrom: string
  asOf: string
  target: UnitWithWards
  figures: IndicatorFigures[]
}

function publishTable(table: ValuesTable, withhold: boolean) {
  return {
    year: table.year,
    asOf: table.asOf,
    windowFrom: table.windowFrom,
    unit: table.target.unit,
    wards: table.target.wards.map((ward) => ({ code: ward.code, nameVi: ward.nameVi })),
    smallCellsWithheld: withhold,
    indicators: table.figures.map((indicator) => ({
      code: indicator.definition.code,
      version: indicator.definition.version,
      nameVi: indicator.definition.nameVi,
      nameEn: indicator.definition.nameEn,
      kind: indicator.definition.kind,
      source: indicator.definition.source,
      available: indicator.available,
      target: indicator.target,
      values: publishFigures(publicationMeta(indicator.definition), indicator.figures, withhold),
    })),
  }
}

export default async function indicatorRoutes(app: FastifyInstance) {
  const route = app.withTypeProvider<TypeBoxTypeProvider>()
  const today = () => localDateOf(app.clock.now())

  /** Computes a plan year's table for the request's unit, audited as a read of figures drawn from personal data. */
  async function computeTable(
    request: FastifyRequest,
    query: Static<typeof ValuesQuery>,
    action: string,
  ): Promise<ValuesTable> {
    const principal = request.principal!
    const { windowFrom, asOf } = valuesWindow(query.year, query.asOf, today())
    const target = resolveUnit(await listUnitRows(app.database.db), principal, query.unit, {
      from: windowFrom,
      to: asOf,
    })
    const wanted = requestedDimensions(query.breakdown)
    const figures = await inScope(app.database.db, principal.scope, async (tx) => {
      const computed = await indicatorFigures(tx, {
        scope: principal.scope,
        year: query.year,
        target,
        windowFrom,
        asOf,
        now: app.clock.now(),
        setsFor: (definition) => {
          const set = wanted.filter((dimension) => definition.breakdowns.includes(dimension))
          return set.length > 0 ? [set] : []
        },
      })
      await audit(tx, request, {
        action,
        resourceType: 'indicator_values',
        unitCode: target.unit.code,
        outcome: 'success',
        details: { year: query.year, asOf, breakdown: wanted, withheld: withholdsSmallCells(principal) },
      })
      return computed
    })
    return { year: query.year, windowFrom, asOf, target, figures }
  }

  route.get(
    '/v1/indicators',
    {
      config: { permission: 'reference:read' },
      schema: {
        operationId: 'listIndicators',
        tags: ['indicators'],
        summary: 'Indicator definitions: code, names, kind, numerator and denominator, breakdowns, source',
        description:
          'The latest version of each definition (versioned data, seeded from the plan and Circular 13/2021).',
        response: {
          200: ref(IndicatorListSchema, 'Every indicator, in the plan’s order'),
          ...problemResponses(401, 403),
        },
      },
    },
    async () => {
      const definitions = await listDefinitions(app.database.db)
      return {
        items: definitions.map(({ sortOrder: _order, ...definition }) => ({
          ...definition,
          available: isAvailable(definition),
        })),
        nextCursor: null,
      }
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
      const body = toPlanTargets(request.params.year, await listTargets(app.database.db, request.params.year))
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
      const { year } = request.params
      const principal = request.principal!
      const definitions = await listDefinitions(app.database.db)
      const problems = targetProblems(
        request.body.targets,
        new Map(definitions.map((definition) => [definition.code, definition])),
      )
      if (problems.length > 0)
        throw unprocessable('invalid_targets', 'The targets cannot be saved.', bodyErrors(problems))
      const outcome = await app.database.db.transaction(async (tx) => {
        await lockResource(tx, 'plan_targets', String(year))
        const current = targetsVersion(await listTargets(tx, year))
        if (current !== expected) return { stale: current }
        await replaceTargets(tx, year, request.body.targets, principal.id, app.clock.now())
        await audit(tx, request, {
          action: 'plan_targets.replace',
          resourceType: 'plan_targets',
          resourceId: String(year),
          outcome: 'success',
          details: { indicators: request.body.targets.map((target) => target.indicatorCode) },
        })
        return { rows: await listTargets(tx, year) }
      })
      if (outcome.stale !== undefined) throw staleVersion(outcome.stale)
      const body = toPlanTargets(year, outcome.rows)
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
    async (request) => {
      const periods = await periodsOfYear(app.database.db, request.query.year)
      return { items: periods.map((period) => ({ ...period, version: periodVersion(period) })), nextCursor: null }
    },
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
      const { code } = request.params
      const { year, kind } = parsePeriodCode(code)!
      const problems = periodProblems(year, request.body)
      if (problems.length > 0)
        throw unprocessable('invalid_period', 'The period cannot be saved.', bodyErrors(problems))
      const next = { code, kind, year, ...request.body }
      const outcome = await app.database.db.transaction(async (tx) => {
        await lockResource(tx, 'reporting_period', code)
        const current = await periodByCode(tx, code)
        if (periodVersion(current) !== expected) return { stale: periodVersion(current) }
        const windowChanged = current.windowFrom !== next.windowFrom || current.windowTo !== next.windowTo
        if (windowChanged && (await periodHasReports(tx, code))) return { inUse: true as const }
        await savePeriod(tx, next)
        await audit(tx, request, {
          action: 'reporting_period.update',
          resourceType: 'reporting_period',
          resourceId: code,
          outcome: 'success',
          details: { before: current, after: next },
        })
        return { saved: next }
      })
      if (outcome.stale !== undefined) throw staleVersion(outcome.stale)
      if (outcome.inUse)
        throw conflict(
          'period_has_reports',
          'Reports already froze their figures over this window; only the due date can change.',
        )
      const version = periodVersion(outcome.saved)
      return sendWithEtag(reply, version, { ...outcome.saved, stored: true, version })
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
          'your jurisdiction (403 otherwise). For city systems, counts of 1 to 4, and figures they could be recovered from, are shown as ' +
          '`{ "suppressed": true }`. Audited.',
        querystring: ValuesQuery,
        response: { 200: ref(IndicatorTableSchema, 'The indicator table'), ...problemResponses(400, 401, 403) },
      },
    },
    async (request) =>
      publishTable(
        await computeTable(request, request.query, 'indicator.values.read'),
        withholdsSmallCells(request.principal!),
      ),
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
      const table = await computeTable(request, query, 'indicator.values.export')
      const published = publishTable(table, withholdsSmallCells(request.principal!))
      const names = new Map([...table.target.wards, table.target.unit].map((unit) => [unit.code, unit.nameVi]))
      const rows = exportRows(
        published.indicators.filter((indicator) => indicator.available),
        names,
      )
      return sendExport(reply, query.format, {
        fileName: `indicators-${table.target.unit.code}-${table.asOf.replace(/-/g, '')}`,
        title: `Số liệu chỉ tiêu bảo vệ, chăm sóc trẻ em năm ${table.year}`,
        unit: table.target.unit,
        superior: table.target.superior?.nameVi ?? table.target.unit.nameVi,
        place: placeOf(table.target),
        period: `Kế hoạch năm ${table.year} - ${table.target.unit.nameVi}`,
        windowFrom: table.windowFrom,
        asOf: table.asOf,
        generatedAt: app.clock.now(),
        sections: [],
        rows,
      })
    },
  )
}
