import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { Static } from 'typebox'
import type { Tx } from '../../db/client.js'
import { audit } from '../../platform/audit.js'
import { hasPermission, type Principal } from '../../platform/auth.js'
import { optionalVersion, requiredVersion, sendWithEtag, staleVersion } from '../../platform/concurrency.js'
import { decodeCursor, toPage } from '../../platform/pagination.js'
import type { Permission } from '../../platform/permissions.js'
import { bodyErrors, conflict, HttpProblem, notFound, unprocessable } from '../../platform/problem.js'
import { problemResponses, ref } from '../../platform/schemas.js'
import { inScope } from '../../platform/scope.js'
import { localDateOf } from '../calendar/rules.js'
import { displayDate, exportRows, placeOf, sendExport } from '../indicators/export.js'
import {
  keepPeriod,
  lockResource,
  periodByCode,
  listTargets,
  listUnitRows,
  periodsOfYear,
  type UnitRow,
} from '../indicators/repository.js'
import {
  dhis2Period,
  parsePeriodCode,
  submissionTimeliness,
  timelinessSummary,
  type ReportingPeriod,
} from '../indicators/rules.js'
import { exportResponse } from '../indicators/schemas.js'
import { indicatorFigures, resolveUnit, withholdsSmallCells, type UnitWithWards } from '../indicators/service.js'
import { recordEvent } from '../webhooks/repository.js'
import {
  findReportId,
  getReport,
  insertReport,
  insertSubmission,
  listReports,
  listSubmissions,
  reportVisibility,
  reviewLatestSubmission,
  snapshotOf,
  updateReport,
  wardReportsOf,
  wholeUnits,
  type ReportRow,
  type ReportSnapshot,
} from './repository.js'
import {
  allowedActions,
  consolidate,
  defaultSections,
  firstSubmission,
  periodTitles,
  sectionProblems,
  stateAfter,
  type ReportAction,
  type ReportLevel,
} from './rules.js'
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
import { provinceOf, publishIndicator, snapshotIndicators, toReport, toReportSummary } from './service.js'

/** A ward's report is written by the ward; the district's consolidation by the district office. */
const writerPermission: Record<ReportLevel, Permission> = { ward: 'reports:write', district: 'reports:review' }

type Outcome<T> =
  { missing: true } | { denied: Permission } | { invalidState: ReportRow } | { stale: number } | { done: T }

/** Turns what a transaction found into the response's problem, after the transaction (and its audit event) committed. */
function settle<T>(outcome: Outcome<T>, id: string, action: ReportAction): T {
  if ('missing' in outcome) throw notFound('Report', id)
  if ('denied' in outcome) {
    throw new HttpProblem(
      403,
      'forbidden',
      `This operation on this report needs the ${outcome.denied} permission, which your role does not hold.`,
      {
        extensions: { requiredPermission: outcome.denied },
      },
    )
  }
  if ('invalidState' in outcome) {
    const row = outcome.invalidState
    throw conflict(
      'invalid_report_state',
      `A ${row.state} ${row.level} report cannot be given the action "${action}".`,
      {
        state: row.state,
        allowedActions: allowedActions(row.state, row.level),
      },
    )
  }
  if ('stale' in outcome) throw staleVersion(outcome.stale)
  return outcome.done
}

export default async function reportRoutes(app: FastifyInstance) {
  const route = app.withTypeProvider<TypeBoxTypeProvider>()
  const db = () => app.database.db
  const today = () => localDateOf(app.clock.now())

  function visibilityFor(principal: Principal, units: readonly UnitRow[]) {
    return reportVisibility(principal.scope, wholeUnits(units, principal.scope), principal.kind === 'client')
  }

  /** The figures a report freezes: the ward's own, or the sum of the district's approved ward reports. */
  async function freeze(
    tx: Tx,
    principal: Principal,
    level: ReportLevel,
    target: UnitWithWards,
    period: ReportingPeriod,
  ): Promise<ReportSnapshot> {
    const now = app.clock.now()
    const asOf = today() < period.windowTo ? today() : period.windowTo
    const base = {
      unitCode: target.unit.code,
      unitName: target.unit.nameVi,
      windowFrom: period.windowFrom,
      windowTo: period.windowTo,
      asOf,
      computedAt: now.toISOString(),
    }
    if (level === 'ward') {
      const figures = await indicatorFigures(tx, {
        scope: principal.scope,
        year: period.year,
        target,
        windowFrom: period.windowFrom,
        asOf,
        now,
        setsFor: (definition) => definition.breakdowns.map((dimension) => [dimension]),
      })
      return { ...base, indicators: snapshotIndicators(figures) }
    }
    const wardReports = await wardReportsOf(
      tx,
      [period.code],
      target.wards.map((ward) => ward.code),
    )
    const targets = new Map(
      (await listTargets(tx, period.year)).map((row) => [
        row.indicatorCode,
        { comparator: row.comparator, value: row.value, unit: row.unit },
      ]),
    )
    const approved = wardReports.filter((row) => row.state === 'approved')
    return {
      ...base,
      indicators: consolidate(
        approved.map((row) => ({ unitCode: row.unitCode, indicators: snapshotOf(row).indicators })),
        targets,
      ),
      consolidation: target.wards.map((ward) => {
        const report = wardReports.find((row) => row.unitCode === ward.code)
        return {
          unitCode: ward.code,
          nameVi: ward.nameVi,
          reportId: report?.id ?? null,
          state: report?.state ?? null,
          included: report?.state === 'approved',
        }
      }),
    }
  }

  /** The report's unit with the wards its figures cover, to freeze them again. */
  function unitOfReport(
    units: readonly UnitRow[],
    principal: Principal,
    row: ReportRow,
    period: ReportingPeriod,
  ): UnitWithWards {
    return resolveUnit(units, principal, row.unitCode, { from: period.windowFrom, to: period.windowTo })
  }

  route.post(
    '/v1/reports',
    {
      config: { permission: 'reports:read', idempotent: true },
      schema: {
        operationId: 'createReport',
        tags: ['reports'],
        summary:
          'Create a ward’s report for a period (figures frozen), or the district’s consolidation of its approved ward reports',
        description:
          'A ward unit gives a ward report (needs reports:write): every indicator’s figure for the ward over the period’s window, up to ' +
          'today or the end of the window, is frozen with its breakdowns. A district gives its consolidated report (needs reports:review): ' +
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
      const principal = request.principal!
      const body = request.body
      const units = await listUnitRows(db())
      const unit = units.find((row) => row.code === body.unitCode)
      if (!unit || unit.level === 'residential_group') {
        throw unprocessable('unknown_unit', `No ward or unit above a ward has the code ${body.unitCode}.`, [
          {
            location: 'body',
            pointer: '/unitCode',
            message: 'is not a ward, district or province',
            code: 'unknown_unit',
          },
        ])
      }
      const level: ReportLevel = unit.level === 'ward' ? 'ward' : 'district'
      if (body.level !== undefined && body.level !== level) {
        throw unprocessable(
          'level_mismatch',
          `Unit ${unit.code} is a ${unit.level}: its report is a ${level} report.`,
          [{ location: 'body', pointer: '/level', message: `must be ${level} for this unit`, code: 'level_mismatch' }],
        )
      }
      if (!hasPermission(principal, writerPermission[level])) {
        await audit(db(), request, {
          action: 'access.denied',
          outcome: 'denied',
          details: { permission: writerPermission[level], route: 'POST /v1/reports' },
        })
        throw new HttpProblem(
          403,
          'forbidden',
          `A ${level} report needs the ${writerPermission[level]} permission, which your role does not hold.`,
          {
            extensions: { requiredPermission: writerPermission[level] },
          },
        )
      }
      const period = await periodByCode(db(), body.periodCode)
      const problems = bodyErrors(sectionProblems(body.sections ?? []))
      if (today() < period.windowFrom) {
        problems.push({
          location: 'body',
          pointer: '/periodCode',
          message: `its window starts on ${period.windowFrom}`,
          code: 'period_not_started',
        })
      }
      if (problems.length > 0) throw unprocessable('invalid_report', 'The report cannot be created.', problems)
      const target = resolveUnit(
        units,
        principal,
        body.unitCode,
        { from: period.windowFrom, to: period.windowTo },
        'body',
        '/unitCode',
      )
      const now = app.clock.now()
      const created = await inScope(db(), principal.scope, async (tx) => {
        // The period's window may not move under a report being created: its PUT takes this lock
        // exclusively, and refuses to move a window that reports have frozen figures over.
        await lockResource(tx, 'reporting_period', period.code, { shared: true })
        const current = await periodByCode(tx, period.code)
        if (current.windowFrom !== period.windowFrom || current.windowTo !== period.windowTo) {
          throw conflict(
            'period_changed',
            `The data window of ${period.code} changed while the report was being created; create it again.`,
            {
              windowFrom: current.windowFrom,
              windowTo: current.windowTo,
            },
          )
        }
        const existing = await findReportId(tx, target.unit.code, period.code)
        if (existing) return { existing }
        const snapshot = await freeze(tx, principal, level, target, period)
        await keepPeriod(tx, period)
        const row = await insertReport(tx, {
          provinceCode: provinceOf(units, target.unit.code),
          wardCode: target.unit.code,
          residentialGroupCode: null,
          unitCode: target.unit.code,
          level,
          periodCode: period.code,
          snapshot: snapshot as unknown as Record<string, unknown>,
          sections: body.sections ?? defaultSections(period.kind),
          createdAt: now,
          updatedAt: now,
          createdBy: principal.id,
        })
        await audit(tx, request, {
          action: 'report.create',
          resourceType: 'report',
          resourceId: row.id,
          unitCode: row.unitCode,
          outcome: 'success',
          details: { periodCode: period.code, level },
        })
        return { row }
      })
      if ('existing' in created)
        throw conflict('report_exists', `Unit ${target.unit.code} already has a report for ${period.code}.`, {
          existingId: created.existing,
        })
      reply.code(201).header('location', `/v1/reports/${created.row.id}`)
      return sendWithEtag(reply, created.row.version, toReport(created.row, [], withholdsSmallCells(principal)))
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
          '`unit` includes the reports of every ward below it. City systems see submitted and approved reports only. Audited.',
        querystring: ListReportsQuery,
        response: { 200: ref(ReportPageSchema, 'A page of reports'), ...problemResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const principal = request.principal!
      const { limit = 50, cursor, period, unit, state } = request.query
      const units = await listUnitRows(db())
      let within: string[] | undefined
      if (unit !== undefined) {
        if (!units.some((row) => row.code === unit)) {
          throw new HttpProblem(400, 'unknown_unit', `No unit has the code ${unit}.`, {
            errors: [{ location: 'querystring', pointer: '/unit', message: 'is not a known unit' }],
          })
        }
        within = unitsAtOrBelow(units, unit)
      }
      const after = decodeCursor(cursor, ['text', 'text'])
      const rows = await inScope(db(), principal.scope, async (tx) => {
        const found = await listReports(tx, visibilityFor(principal, units), {
          period,
          units: within,
          state,
          after,
          limit: limit + 1,
        })
        await audit(tx, request, {
          action: 'report.list',
          resourceType: 'report',
          outcome: 'success',
          details: {
            filters: Object.keys(request.query)
              .filter((key) => key !== 'cursor' && key !== 'limit')
              .sort(),
            count: Math.min(found.length, limit),
          },
        })
        return found
      })
      const page = toPage(rows, limit, (row) => [row.periodCode, row.unitCode])
      return { items: page.items.map(toReportSummary), nextCursor: page.nextCursor }
    },
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
    async (request) => {
      const principal = request.principal!
      const { year, unit } = request.query
      const units = await listUnitRows(db())
      const now = app.clock.now()
      const whole = resolveUnit(units, principal, unit, { from: `${year}-01-01`, to: `${year}-12-31` })
      const result = await inScope(db(), principal.scope, async (tx) => {
        const periods = await periodsOfYear(tx, year)
        const reports = await wardReportsOf(
          tx,
          periods.map((period) => period.code),
          whole.wards.map((ward) => ward.code),
        )
        return periods.map((period) => {
          // The wards that owed this report are those that existed on its due date.
          const wards = resolveUnit(units, principal, whole.unit.code, {
            from: period.dueDate,
            to: period.dueDate,
          }).wards
          const rows = wards.map((ward) => {
            const report = reports.find((row) => row.unitCode === ward.code && row.periodCode === period.code)
            const submittedAt = report?.firstSubmittedAt ?? null
            return {
              unitCode: ward.code,
              nameVi: ward.nameVi,
              reportId: report?.id ?? null,
              state: report?.state ?? null,
              timeliness: report?.timeliness ?? submissionTimeliness(period, submittedAt, now),
              firstSubmittedAt: submittedAt === null ? null : submittedAt.toISOString(),
            }
          })
          const summary = timelinessSummary(rows.map((row) => row.timeliness))
          return {
            code: period.code,
            kind: period.kind,
            dueDate: period.dueDate,
            expected: rows.length,
            submitted: rows.filter((row) => row.firstSubmittedAt !== null).length,
            onTime: summary.onTime,
            late: summary.late,
            missing: summary.missing,
            notDue: summary.notDue,
            onTimePercentage: summary.onTimePercentage,
            wards: rows,
          }
        })
      })
      return { year, unit: whole.unit, periods: result }
    },
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
          'A report outside your units answers 404. For city systems small counts are withheld. Audited, 404s included.',
        params: ReportParams,
        response: {
          200: ref(ReportSchema, 'The report; ETag carries its version'),
          ...problemResponses(400, 401, 403, 404),
        },
      },
    },
    async (request, reply) => {
      const principal = request.principal!
      const { id } = request.params
      const units = await listUnitRows(db())
      const found = await inScope(db(), principal.scope, async (tx) => {
        const row = await getReport(tx, visibilityFor(principal, units), id)
        await audit(tx, request, {
          action: 'report.read',
          resourceType: 'report',
          resourceId: id,
          unitCode: row?.unitCode ?? null,
          outcome: row ? 'success' : 'not_found',
        })
        return row ? { row, submissions: await listSubmissions(tx, id) } : undefined
      })
      if (!found) throw notFound('Report', id)
      return sendWithEtag(
        reply,
        found.row.version,
        toReport(found.row, found.submissions, withholdsSmallCells(principal)),
      )
    },
  )

  /**
   * Runs one action on a visible report in one transaction: finds it (404 audited), checks the
   * permission its level needs and that its state allows the action, then applies `change`.
   */
  async function act(
    request: FastifyRequest,
    id: string,
    action: ReportAction,
    expectedVersion: number | undefined,
    change: (tx: Tx, row: ReportRow) => Promise<ReportRow | undefined>,
  ) {
    const principal = request.principal!
    const units = await listUnitRows(db())
    const outcome = await inScope(
      db(),
      principal.scope,
      async (tx): Promise<Outcome<{ row: ReportRow; submissions: Awaited<ReturnType<typeof listSubmissions>> }>> => {
        const row = await getReport(tx, visibilityFor(principal, units), id)
        if (!row) {
          await audit(tx, request, {
            action: `report.${action}`,
            resourceType: 'report',
            resourceId: id,
            outcome: 'not_found',
          })
          return { missing: true }
        }
        const needed = action === 'approve' || action === 'return' ? 'reports:review' : writerPermission[row.level]
        if (!hasPermission(principal, needed)) {
          await audit(tx, request, {
            action: 'access.denied',
            resourceType: 'report',
            resourceId: id,
            unitCode: row.unitCode,
            outcome: 'denied',
            details: { permission: needed },
          })
          return { denied: needed }
        }
        if (!allowedActions(row.state, row.level).includes(action)) return { invalidState: row }
        if (expectedVersion !== undefined && expectedVersion !== row.version) return { stale: row.version }
        const updated = await change(tx, row)
        if (!updated) return { stale: row.version }
        await audit(tx, request, {
          action: `report.${action}`,
          resourceType: 'report',
          resourceId: id,
          unitCode: row.unitCode,
          outcome: 'success',
          details: { state: updated.state },
        })
        return { done: { row: updated, submissions: await listSubmissions(tx, id) } }
      },
    )
    return settle(outcome, id, action)
  }

  /** The outbox event of a ward report's move: figures and narrative stay in the report, events carry its state. */
  async function reportEvent(
    tx: Tx,
    row: ReportRow,
    type: 'report.submitted' | 'report.approved' | 'report.returned',
    occurredAt: Date,
  ) {
    const period = await periodByCode(tx, row.periodCode)
    const iso = (instant: Date | null) => instant?.toISOString() ?? null
    await recordEvent(tx, {
      type,
      occurredAt,
      unit: { provinceCode: row.provinceCode, wardCode: row.wardCode, residentialGroupCode: null },
      resourceType: 'report',
      resourceId: row.id,
      data: {
        reportId: row.id,
        unitCode: row.unitCode,
        level: row.level,
        periodCode: row.periodCode,
        state: row.state,
        submissionNumber: row.submissionCount,
        submittedAt: iso(row.submittedAt),
        firstSubmittedAt: iso(row.firstSubmittedAt),
        timeliness: row.timeliness,
        reviewedAt: iso(row.reviewedAt),
        dueDate: period.dueDate,
      },
      dedupeKey: `${type}:${row.id}:${row.submissionCount}`,
    })
  }

  route.patch(
    '/v1/reports/:id',
    {
      config: { permission: 'reports:read' },
      schema: {
        operationId: 'updateReport',
        tags: ['reports'],
        summary: 'Change a draft or returned report’s narrative, or freeze its figures again (If-Match required)',
        description:
          'Needs reports:write for a ward report, reports:review for a district report. `refreshFigures` recomputes the frozen figures as ' +
          'of today (or the end of the window): for a district report, with the ward reports approved since.',
        params: ReportParams,
        body: UpdateReportBody,
        response: { 200: ref(ReportSchema, 'The report'), ...problemResponses(400, 401, 403, 404, 409, 412, 422, 428) },
      },
    },
    async (request, reply) => {
      const expected = requiredVersion(request)
      const principal = request.principal!
      const { sections, refreshFigures } = request.body
      const problems = bodyErrors(sectionProblems(sections ?? []))
      if (problems.length > 0) throw unprocessable('invalid_report', 'The report cannot be changed.', problems)
      const units = await listUnitRows(db())
      const { row, submissions } = await act(request, request.params.id, 'edit', expected, async (tx, current) => {
        const changes: Partial<ReportRow> = { updatedAt: app.clock.now() }
        if (sections !== undefined) changes.sections = sections
        if (refreshFigures) {
          const period = await periodByCode(tx, current.periodCode)
          const snapshot = await freeze(
            tx,
            principal,
            current.level,
            unitOfReport(units, principal, current, period),
            period,
          )
          changes.snapshot = snapshot as unknown as Record<string, unknown>
        }
        return updateReport(tx, current.id, current.version, changes)
      })
      return sendWithEtag(reply, row.version, toReport(row, submissions, withholdsSmallCells(principal)))
    },
  )

  route.post(
    '/v1/reports/:id/submit',
    {
      config: { permission: 'reports:read' },
      schema: {
        operationId: 'submitReport',
        tags: ['reports'],
        summary: 'Submit a draft or returned report (stamped by the server clock)',
        description:
          'Needs reports:write for a ward report, reports:review for a district report. The first submission decides timeliness: on time ' +
          'up to 23:59:59 Asia/Ho_Chi_Minh on the due date. Each submission is kept as a version. If-Match is optional; when sent it must match.',
        params: ReportParams,
        response: { 200: ref(ReportSchema, 'The submitted report'), ...problemResponses(400, 401, 403, 404, 409, 412) },
      },
    },
    async (request, reply) => {
      const now = app.clock.now()
      const principal = request.principal!
      const { row, submissions } = await act(
        request,
        request.params.id,
        'submit',
        optionalVersion(request),
        async (tx, current) => {
          const period = await periodByCode(tx, current.periodCode)
          const number = current.submissionCount + 1
          const updated = await updateReport(tx, current.id, current.version, {
            state: stateAfter.submit,
            submittedAt: now,
            submittedBy: principal.id,
            ...firstSubmission(current, period, now),
            reviewedAt: null,
            reviewedBy: null,
            reviewComments: null,
            submissionCount: number,
            updatedAt: now,
          })
          if (!updated) return undefined
          await insertSubmission(tx, {
            reportId: current.id,
            provinceCode: current.provinceCode,
            wardCode: current.wardCode,
            residentialGroupCode: null,
            number,
            snapshot: current.snapshot,
            sections: current.sections,
            submittedAt: now,
            submittedBy: principal.id,
          })
          // Events carry a ward; a district's report has none, and its submission is read from the report itself.
          if (updated.level === 'ward') await reportEvent(tx, updated, 'report.submitted', now)
          return updated
        },
      )
      return sendWithEtag(reply, row.version, toReport(row, submissions, withholdsSmallCells(principal)))
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
      const now = app.clock.now()
      const principal = request.principal!
      const { row, submissions } = await act(
        request,
        request.params.id,
        'approve',
        optionalVersion(request),
        async (tx, current) => {
          const updated = await updateReport(tx, current.id, current.version, {
            state: stateAfter.approve,
            reviewedAt: now,
            reviewedBy: principal.id,
            reviewComments: null,
            updatedAt: now,
          })
          if (!updated) return undefined
          await reviewLatestSubmission(tx, current.id, 'approved', null)
          await reportEvent(tx, updated, 'report.approved', now)
          return updated
        },
      )
      return sendWithEtag(reply, row.version, toReport(row, submissions, withholdsSmallCells(principal)))
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
      const now = app.clock.now()
      const principal = request.principal!
      const { comments } = request.body
      const { row, submissions } = await act(
        request,
        request.params.id,
        'return',
        optionalVersion(request),
        async (tx, current) => {
          const updated = await updateReport(tx, current.id, current.version, {
            state: stateAfter.return,
            reviewedAt: now,
            reviewedBy: principal.id,
            reviewComments: comments,
            updatedAt: now,
          })
          if (!updated) return undefined
          await reviewLatestSubmission(tx, current.id, 'returned', comments)
          await reportEvent(tx, updated, 'report.returned', now)
          return updated
        },
      )
      return sendWithEtag(reply, row.version, toReport(row, submissions, withholdsSmallCells(principal)))
    },
  )

  /** A visible report for a read-only use (export, DHIS2), audited as `action`. */
  async function readReport(request: FastifyRequest, id: string, action: string, details: Record<string, unknown>) {
    const principal = request.principal!
    const units = await listUnitRows(db())
    const row = await inScope(db(), principal.scope, async (tx) => {
      const found = await getReport(tx, visibilityFor(principal, units), id)
      await audit(tx, request, {
        action,
        resourceType: 'report',
        resourceId: id,
        unitCode: found?.unitCode ?? null,
        outcome: found ? 'success' : 'not_found',
        details,
      })
      return found
    })
    if (!row) throw notFound('Report', id)
    return { row, units }
  }

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
          'rows and figures in every format. For city systems small counts are withheld. Audited as an export.',
        params: ReportParams,
        querystring: ReportExportQuery,
        response: { 200: exportResponse, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply: FastifyReply) => {
      const { format } = request.query as Static<typeof ReportExportQuery>
      const { id } = request.params as Static<typeof ReportParams>
      const principal = request.principal!
      const { row, units } = await readReport(request, id, 'report.export', { format })
      const snapshot = snapshotOf(row)
      const period = await periodByCode(db(), row.periodCode)
      const withhold = withholdsSmallCells(principal)
      const indicators = snapshot.indicators
        .filter((indicator) => indicator.available)
        .map((indicator) => ({ ...indicator, values: [publishIndicator(indicator, row.unitCode, withhold)!] }))
      const unit = units.find((candidate) => candidate.code === row.unitCode)
      const superior = unit?.parentCode ? units.find((candidate) => candidate.code === unit.parentCode) : undefined
      const ref = (candidate: UnitRow) => ({ code: candidate.code, nameVi: candidate.nameVi, level: candidate.level })
      const unitRef = unit ? ref(unit) : { code: row.unitCode, nameVi: snapshot.unitName, level: row.level }
      return sendExport(reply, format, {
        fileName: `report-${row.unitCode}-${row.periodCode}`,
        title: `${periodTitles[period.kind]} ${period.year}`,
        unit: unitRef,
        superior: superior?.nameVi ?? unitRef.nameVi,
        place: placeOf({ unit: unitRef, superior: superior ? ref(superior) : null }),
        period: `Hạn nộp: ${displayDate(period.dueDate)} - trạng thái: ${stateLabels[row.state]}`,
        windowFrom: snapshot.windowFrom,
        asOf: snapshot.asOf,
        generatedAt: app.clock.now(),
        sections: row.sections
          .filter((section) => section.text.trim() !== '')
          .map(({ title, text }) => ({ title, text })),
        rows: exportRows(indicators, new Map([[row.unitCode, snapshot.unitName]])),
      })
    },
  )

  route.get(
    '/v1/reports/:id/dhis2',
    {
      config: { permission: 'reports:read' },
      schema: {
        operationId: 'getReportDataValueSet',
        tags: ['reports'],
        summary: 'A report’s figures as a DHIS2 dataValueSets document',
        description:
          'Data element = indicator code, org unit = unit code, period in DHIS2 format (2024Q1 ward plan, 2024S1 6-month, 2024Q3 9-month, ' +
          '2024 annual: DHIS2 has no nine-month period, so each report posts against the period its window ends in). One value per ' +
          'indicator, the unit’s total; figures without a value, and for city systems withheld ones, are left out. Audited.',
        params: ReportParams,
        response: { 200: ref(DataValueSetSchema, 'The data value set'), ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const principal = request.principal!
      const { row } = await readReport(request, request.params.id, 'report.dhis2', {})
      const { year, kind } = parsePeriodCode(row.periodCode)!
      const period = dhis2Period({ year, kind })
      const withhold = withholdsSmallCells(principal)
      const dataValues = snapshotOf(row).indicators.flatMap((indicator) => {
        const value = publishIndicator(indicator, row.unitCode, withhold)?.value
        return typeof value === 'number'
          ? [{ dataElement: indicator.code, period, orgUnit: row.unitCode, value: String(value) }]
          : []
      })
      return {
        period,
        orgUnit: row.unitCode,
        completeDate: row.submittedAt ? localDateOf(row.submittedAt) : null,
        dataValues,
      }
    },
  )
}

const stateLabels: Record<ReportRow['state'], string> = {
  draft: 'dự thảo',
  submitted: 'đã gửi',
  approved: 'đã duyệt',
  returned: 'trả lại để chỉnh sửa',
}

/** A unit and every unit below it, whatever their validity: reports keep the unit of their time. */
function unitsAtOrBelow(rows: readonly UnitRow[], code: string): string[] {
  const found = [code]
  for (let index = 0; index < found.length; index++) {
    for (const row of rows) if (row.parentCode === found[index]) found.push(row.code)
  }
  return found
}
