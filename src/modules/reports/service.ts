/**
 * Periodic reports: creating one (its figures frozen), listing and reading them, the reporting discipline
 * of a year, the workflow (edit, submit, approve, return) and the read-only uses (export, DHIS2), as scoped
 * work (each function runs in the caller's transaction and scope; see platform/work.ts) that the routes
 * call. The responses are built in views.ts.
 */
import type { Static } from 'typebox'
import { hasPermission } from '../../platform/auth.js'
import { staleVersion } from '../../platform/concurrency.js'
import { decodeCursor, toPage } from '../../platform/pagination.js'
import { permissionFor, type Permission } from '../../platform/permissions.js'
import { bodyErrors, conflict, HttpProblem, notFound, unprocessable } from '../../platform/problem.js'
import { Refusal, refuse, type Work } from '../../platform/work.js'
import { localDateOf } from '../calendar/rules.js'
import { indicatorFigures, resolveUnit, type IndicatorFigures, type UnitWithWards } from '../indicators/figures.js'
import { publicationMeta, withholdsSmallCells } from '../indicators/publication.js'
import { tableAsPublished } from '../indicators/service.js'
import {
  keepPeriod,
  targetsByIndicator,
  listUnitRows,
  lockResource,
  periodByCode,
  periodsOfYear,
  type UnitRow,
} from '../indicators/repository.js'
import { parsePeriodCode, submissionTimeliness, timelinessSummary, type ReportingPeriod } from '../indicators/rules.js'
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
  type SubmissionRow,
} from './repository.js'
import {
  allowedActions,
  consolidate,
  defaultSections,
  firstSubmission,
  reportWriterPermissions,
  sectionProblems,
  stateAfter,
  unitsAtOrBelow,
  type ReportAction,
  type ReportLevel,
  type SnapshotIndicator,
} from './rules.js'
import { refusePersonalData, sectionsWithPersonalData, sectionTexts } from './screening.js'
import type {
  CreateReportBody,
  ListReportsQuery,
  ReportExportQuery,
  TimelinessQuery,
  UpdateReportBody,
} from './schemas.js'
import {
  toDataValueSet,
  toReport,
  toReportDocument,
  toReportSummary,
  unwithheld,
  narrativeWithoutReview,
  wholeNarrative,
  type NarrativeShown,
  type ReportPublication,
  type ReportView,
} from './views.js'

function forbidden(detail: string, permission: Permission): HttpProblem {
  return new HttpProblem(403, 'forbidden', detail, { extensions: { requiredPermission: permission } })
}

function visibilityFor(work: Work, units: readonly UnitRow[]) {
  const { principal } = work
  return reportVisibility(
    principal.scope,
    wholeUnits(units, principal.scope),
    withholdsSmallCells(principal) ? localDateOf(work.now) : null,
  )
}

/**
 * How the report's figures are published to its caller (withholdsSmallCells). Such a caller reads a report only
 * over a window of a published indicator table, once that window has closed (reportVisibility): its counts of
 * children or incidents are then those that table, published to the caller, shows of the same unit
 * (views.ts publishedFigures), whatever the report itself counted, so that the report and the table side by side
 * give away nothing the table does not. A consolidation of fewer wards than the table lists shows none of them
 * (the district's counts under a sum of some of its wards would misstate it), nor does a report of a unit whose
 * table the caller may not read.
 */
async function publicationFor(work: Work, row: ReportRow): Promise<ReportPublication> {
  if (!withholdsSmallCells(work.principal)) return unwithheld
  const none: ReportPublication = { withhold: true, table: new Map() }
  const snapshot = snapshotOf(row)
  const rows = await listUnitRows(work.tx)
  const window = { from: snapshot.windowFrom, to: snapshot.windowTo }
  let target: UnitWithWards
  try {
    target = resolveUnit(rows, work.principal, row.unitCode, window)
  } catch (error) {
    if (error instanceof HttpProblem) return none
    throw error
  }
  const included = new Set(snapshot.consolidation?.filter((ward) => ward.included).map((ward) => ward.unitCode))
  if (snapshot.consolidation && target.wards.some((ward) => !included.has(ward.code))) return none
  const key = { scope: work.scope, year: parsePeriodCode(row.periodCode)!.year, asOf: snapshot.windowTo, now: work.now }
  const { table: sealed } = await tableAsPublished(work.tx, key, rows, work.principal, target, undefined)
  return {
    withhold: true,
    table: new Map(
      sealed.indicators.map((indicator) => [
        indicator.definition.code,
        indicator.figures.find((figure) => figure.unitCode === row.unitCode),
      ]),
    ),
  }
}

/** The report as its caller sees it (small cells withheld from callers who may not see them: publicationFor). */
async function viewOf(
  work: Work,
  units: readonly UnitRow[],
  row: ReportRow,
  submissions: readonly SubmissionRow[],
): Promise<ReportView> {
  return toReport(row, submissions, await publicationFor(work, row), await narrativeFor(work, units, row))
}

/**
 * What of a report's narrative the caller reads. A caller who reads aggregates only (withholdsSmallCells) reads
 * no section that holds personal data (one stored before the check, or naming a child registered since), and
 * not the review between ward and district.
 */
async function narrativeFor(work: Work, units: readonly UnitRow[], row: ReportRow): Promise<NarrativeShown> {
  if (!withholdsSmallCells(work.principal)) return wholeNarrative
  const { titles, texts } = await sectionsWithPersonalData(work, units, row.sections)
  return { ...narrativeWithoutReview, withheldTitles: titles, withheldSections: new Set([...titles, ...texts]) }
}

/** The province a unit lies in, walking up its parents (a group of wards: its first ward's). */
function provinceOf(rows: readonly UnitRow[], code: string): string {
  const byCode = new Map(rows.map((row) => [row.code, row]))
  let current = byCode.get(code)
  if (current?.members) current = byCode.get(current.members[0]!)
  for (let depth = 0; current && depth < 6; depth++) {
    if (current.level === 'province') return current.code
    current = current.parentCode ? byCode.get(current.parentCode) : undefined
  }
  return ''
}

// ---------------------------------------------------------------------------------------------
// Frozen figures

/** The figures frozen into a report: the unit's own figure of each indicator, with its breakdowns. */
function snapshotIndicators(figures: readonly IndicatorFigures[]): SnapshotIndicator[] {
  return figures.map((indicator) => {
    const own = indicator.figures[indicator.figures.length - 1]
    const { definition } = indicator
    return {
      code: definition.code,
      version: definition.version,
      nameVi: definition.nameVi,
      nameEn: definition.nameEn,
      kind: definition.kind,
      source: definition.source,
      hasDenominator: publicationMeta(definition).hasDenominator,
      available: indicator.available,
      target: indicator.target,
      numerator: own?.numerator ?? 0,
      denominator: own?.denominator ?? 0,
      value: own?.value ?? null,
      met: own?.met ?? null,
      breakdowns: own?.breakdowns ?? [],
    }
  })
}

/** The figures a report freezes: the ward's own, or the sum of the district's approved ward reports. */
async function freeze(
  work: Work,
  level: ReportLevel,
  target: UnitWithWards,
  period: ReportingPeriod,
): Promise<ReportSnapshot> {
  const today = localDateOf(work.now)
  const asOf = today < period.windowTo ? today : period.windowTo
  const base = {
    unitCode: target.unit.code,
    unitName: target.unit.nameVi,
    windowFrom: period.windowFrom,
    windowTo: period.windowTo,
    asOf,
    computedAt: work.now.toISOString(),
  }
  if (level === 'ward') {
    const figures = await indicatorFigures(work.tx, {
      scope: work.scope,
      year: period.year,
      target,
      windowFrom: period.windowFrom,
      asOf,
      now: work.now,
      setsFor: (definition) => definition.breakdowns.map((dimension) => [dimension]),
    })
    return { ...base, indicators: snapshotIndicators(figures) }
  }
  // A consolidation is of the ward reports owed: an abolished ward (counted in live figures for what is still
  // filed there) owes none after the reorganisation.
  const owing = target.wards.filter((ward) => !ward.offMap)
  const wardReports = await wardReportsOf(
    work.tx,
    [period.code],
    owing.map((ward) => ward.code),
  )
  const targets = await targetsByIndicator(work.tx, period.year)
  const approved = wardReports.filter((row) => row.state === 'approved')
  // The sum stands as of its earliest ward report's figures: a reader is told the day it describes, and one
  // from whom small counts are withheld sees it only when that is the period's last day (reportVisibility).
  const earliest = approved.reduce((day, row) => {
    const wardDay = snapshotOf(row).asOf
    return wardDay < day ? wardDay : day
  }, base.asOf)
  return {
    ...base,
    asOf: earliest,
    indicators: consolidate(
      approved.map((row) => ({ unitCode: row.unitCode, indicators: snapshotOf(row).indicators })),
      targets,
    ),
    consolidation: owing.map((ward) => {
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

// ---------------------------------------------------------------------------------------------
// Creating, listing and reading

/** The level of a new report: a ward's own, or a district's (or province's) consolidation. */
function reportLevel(units: readonly UnitRow[], body: Static<typeof CreateReportBody>): ReportLevel {
  const unit = units.find((row) => row.code === body.unitCode)
  if (!unit || unit.level === 'residential_group') {
    throw unprocessable('unknown_unit', `No ward or unit above a ward has the code ${body.unitCode}.`, [
      { location: 'body', pointer: '/unitCode', message: 'is not a ward, district or province', code: 'unknown_unit' },
    ])
  }
  const level = unit.level as ReportLevel
  if (body.level !== undefined && body.level !== level) {
    throw unprocessable('level_mismatch', `Unit ${unit.code} is a ${unit.level}: its report is a ${level} report.`, [
      { location: 'body', pointer: '/level', message: `must be ${level} for this unit`, code: 'level_mismatch' },
    ])
  }
  return level
}

/**
 * Creates a ward's report (its figures frozen) or a district's consolidation of its approved ward
 * reports; one report per unit and period.
 */
export async function createReport(work: Work, body: Static<typeof CreateReportBody>): Promise<ReportView | Refusal> {
  const units = await listUnitRows(work.tx)
  const level = reportLevel(units, body)
  const permission = permissionFor(reportWriterPermissions, level)
  if (!hasPermission(work.principal, permission)) {
    await work.audit({
      action: 'access.denied',
      outcome: 'denied',
      details: { permission, route: 'POST /v1/reports' },
    })
    return refuse(
      forbidden(`A ${level} report needs the ${permission} permission, which your role does not hold.`, permission),
    )
  }
  const period = await periodByCode(work.tx, body.periodCode)
  const problems = bodyErrors(sectionProblems(body.sections ?? []))
  if (localDateOf(work.now) < period.windowFrom) {
    problems.push({
      location: 'body',
      pointer: '/periodCode',
      message: `its window starts on ${period.windowFrom}`,
      code: 'period_not_started',
    })
  }
  if (problems.length > 0) throw unprocessable('invalid_report', 'The report cannot be created.', problems)
  const window = { from: period.windowFrom, to: period.windowTo }
  const target = resolveUnit(units, work.principal, body.unitCode, window, { location: 'body', pointer: '/unitCode' })
  if (body.sections)
    await refusePersonalData(
      work,
      units,
      target.unit.code,
      sectionTexts(body.sections),
      'The report cannot be created.',
    )
  // The period's window may not move under a report being created: its PUT takes this lock
  // exclusively, and refuses to move a window that reports have frozen figures over.
  await lockResource(work.tx, 'reporting_period', period.code, { shared: true })
  const current = await periodByCode(work.tx, period.code)
  if (current.windowFrom !== period.windowFrom || current.windowTo !== period.windowTo) {
    throw conflict(
      'period_changed',
      `The data window of ${period.code} changed while the report was being created; create it again.`,
      { windowFrom: current.windowFrom, windowTo: current.windowTo },
    )
  }
  const existing = await findReportId(work.tx, target.unit.code, period.code)
  if (existing) {
    throw conflict('report_exists', `Unit ${target.unit.code} already has a report for ${period.code}.`, {
      existingId: existing,
    })
  }
  const snapshot = await freeze(work, level, target, period)
  await keepPeriod(work.tx, period)
  const row = await insertReport(work.tx, {
    provinceCode: provinceOf(units, target.unit.code),
    wardCode: target.unit.code,
    residentialGroupCode: null,
    unitCode: target.unit.code,
    level,
    periodCode: period.code,
    snapshot: snapshot as unknown as Record<string, unknown>,
    sections: body.sections ?? defaultSections(period.kind),
    createdAt: work.now,
    updatedAt: work.now,
    createdBy: work.principal.id,
  })
  await work.audit({
    action: 'report.create',
    resourceType: 'report',
    resourceId: row.id,
    unitCode: row.unitCode,
    outcome: 'success',
    details: { periodCode: period.code, level },
  })
  return viewOf(work, units, row, [])
}

export async function reportPage(work: Work, query: Static<typeof ListReportsQuery>) {
  const { limit = 50, cursor, period, unit, state } = query
  const units = await listUnitRows(work.tx)
  if (unit !== undefined && !units.some((row) => row.code === unit)) {
    throw new HttpProblem(400, 'unknown_unit', `No unit has the code ${unit}.`, {
      errors: [{ location: 'querystring', pointer: '/unit', message: 'is not a known unit' }],
    })
  }
  const rows = await listReports(work.tx, visibilityFor(work, units), {
    period,
    units: unit === undefined ? undefined : unitsAtOrBelow(units, unit),
    state,
    after: decodeCursor(cursor, ['text', 'text']),
    limit: limit + 1,
  })
  const page = toPage(rows, limit, (row) => [row.periodCode, row.unitCode])
  await work.audit({
    action: 'report.list',
    resourceType: 'report',
    outcome: 'success',
    details: {
      filters: Object.keys(query)
        .filter((key) => key !== 'cursor' && key !== 'limit')
        .sort(),
      count: page.items.length,
    },
  })
  const narrative = withholdsSmallCells(work.principal) ? narrativeWithoutReview : wholeNarrative
  return { items: page.items.map((row) => toReportSummary(row, narrative)), nextCursor: page.nextCursor }
}

/** A year's reporting discipline: per period, each ward that owed the report and whether it came on time. */
export async function reportTimeliness(work: Work, query: Static<typeof TimelinessQuery>) {
  const { year, unit } = query
  const units = await listUnitRows(work.tx)
  const whole = resolveUnit(units, work.principal, unit, { from: `${year}-01-01`, to: `${year}-12-31` })
  const periods = await periodsOfYear(work.tx, year)
  const reports = await wardReportsOf(
    work.tx,
    periods.map((period) => period.code),
    whole.wards.map((ward) => ward.code),
  )
  return {
    year,
    unit: whole.unit,
    periods: periods.map((period) => {
      // The wards that owed this report are those that existed on its due date.
      const window = { from: period.dueDate, to: period.dueDate }
      const owing = resolveUnit(units, work.principal, whole.unit.code, window).wards.filter((ward) => !ward.offMap)
      const rows = owing.map((ward) => {
        const report = reports.find((row) => row.unitCode === ward.code && row.periodCode === period.code)
        const submittedAt = report?.firstSubmittedAt ?? null
        return {
          unitCode: ward.code,
          nameVi: ward.nameVi,
          reportId: report?.id ?? null,
          state: report?.state ?? null,
          timeliness: report?.timeliness ?? submissionTimeliness(period, submittedAt, work.now),
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
    }),
  }
}

/** A visible report, its read audited as `action` (404s too: the refusal answers after the audit commits). */
async function visibleReport(
  work: Work,
  id: string,
  action: string,
  details?: Record<string, unknown>,
): Promise<{ row: ReportRow; units: UnitRow[] } | Refusal> {
  const units = await listUnitRows(work.tx)
  const row = await getReport(work.tx, visibilityFor(work, units), id)
  await work.audit({
    action,
    resourceType: 'report',
    resourceId: id,
    unitCode: row?.unitCode ?? null,
    outcome: row ? 'success' : 'not_found',
    ...(details === undefined ? {} : { details }),
  })
  return row ? { row, units } : refuse(notFound('Report', id))
}

export async function readReport(work: Work, id: string): Promise<ReportView | Refusal> {
  const found = await visibleReport(work, id, 'report.read')
  if (found instanceof Refusal) return found
  return viewOf(work, found.units, found.row, await listSubmissions(work.tx, id))
}

/** A report as a document to export, audited as an export. */
export async function reportExport(work: Work, id: string, format: Static<typeof ReportExportQuery>['format']) {
  const found = await visibleReport(work, id, 'report.export', { format })
  if (found instanceof Refusal) return found
  const period = await periodByCode(work.tx, found.row.periodCode)
  const { row, units } = found
  const [publication, narrative] = [await publicationFor(work, row), await narrativeFor(work, units, row)]
  return toReportDocument(row, period, units, publication, narrative, work.now)
}

export async function reportDataValueSet(work: Work, id: string) {
  const found = await visibleReport(work, id, 'report.dhis2', {})
  if (found instanceof Refusal) return found
  return toDataValueSet(found.row, await publicationFor(work, found.row))
}

// ---------------------------------------------------------------------------------------------
// The workflow

/**
 * Runs one action on a visible report: finds it (a 404 audited), checks the permission its level needs
 * (a 403 audited) and that its state allows the action, then applies `change`, which answers undefined
 * when the report's version moved meanwhile.
 */
async function act(
  work: Work,
  id: string,
  action: ReportAction,
  expectedVersion: number | undefined,
  change: (row: ReportRow, units: readonly UnitRow[]) => Promise<ReportRow | undefined>,
): Promise<ReportView | Refusal> {
  const units = await listUnitRows(work.tx)
  const row = await getReport(work.tx, visibilityFor(work, units), id)
  if (!row) {
    await work.audit({ action: `report.${action}`, resourceType: 'report', resourceId: id, outcome: 'not_found' })
    return refuse(notFound('Report', id))
  }
  const needed =
    action === 'approve' || action === 'return' ? 'reports:review' : permissionFor(reportWriterPermissions, row.level)
  if (!hasPermission(work.principal, needed)) {
    await work.audit({
      action: 'access.denied',
      resourceType: 'report',
      resourceId: id,
      unitCode: row.unitCode,
      outcome: 'denied',
      details: { permission: needed },
    })
    return refuse(
      forbidden(`This operation on this report needs the ${needed} permission, which your role does not hold.`, needed),
    )
  }
  if (!allowedActions(row.state, row.level).includes(action)) {
    throw conflict(
      'invalid_report_state',
      `A ${row.state} ${row.level} report cannot be given the action "${action}".`,
      {
        state: row.state,
        allowedActions: allowedActions(row.state, row.level),
      },
    )
  }
  if (expectedVersion !== undefined && expectedVersion !== row.version) throw staleVersion(row.version)
  const updated = await change(row, units)
  if (!updated) throw staleVersion(row.version)
  await work.audit({
    action: `report.${action}`,
    resourceType: 'report',
    resourceId: id,
    unitCode: row.unitCode,
    outcome: 'success',
    details: { state: updated.state },
  })
  return viewOf(work, units, updated, await listSubmissions(work.tx, id))
}

/** The outbox event of a ward report's move: figures and narrative stay in the report, events carry its state. */
async function reportEvent(
  work: Work,
  row: ReportRow,
  type: 'report.submitted' | 'report.approved' | 'report.returned',
): Promise<void> {
  const period = await periodByCode(work.tx, row.periodCode)
  const iso = (instant: Date | null) => instant?.toISOString() ?? null
  await recordEvent(work.tx, {
    type,
    occurredAt: work.now,
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

const returnRefused = 'The report cannot be returned with these comments.'

/** Changes a draft or returned report's narrative, or freezes its figures again. */
export async function editReport(
  work: Work,
  id: string,
  body: Static<typeof UpdateReportBody>,
  expectedVersion: number,
): Promise<ReportView | Refusal> {
  const { sections, refreshFigures } = body
  const problems = bodyErrors(sectionProblems(sections ?? []))
  if (problems.length > 0) throw unprocessable('invalid_report', 'The report cannot be changed.', problems)
  return act(work, id, 'edit', expectedVersion, async (current, units) => {
    const changes: Partial<ReportRow> = { updatedAt: work.now }
    if (sections !== undefined) {
      await refusePersonalData(work, units, current.unitCode, sectionTexts(sections), 'The report cannot be changed.')
      changes.sections = sections
    }
    if (refreshFigures) {
      const period = await periodByCode(work.tx, current.periodCode)
      const window = { from: period.windowFrom, to: period.windowTo }
      const target = resolveUnit(units, work.principal, current.unitCode, window)
      changes.snapshot = (await freeze(work, current.level, target, period)) as unknown as Record<string, unknown>
    }
    return updateReport(work.tx, current.id, current.version, changes)
  })
}

/** Submits a draft or returned report, stamped by the server clock; each submission is kept. */
export async function submitReport(
  work: Work,
  id: string,
  expectedVersion: number | undefined,
): Promise<ReportView | Refusal> {
  return act(work, id, 'submit', expectedVersion, async (current) => {
    const period = await periodByCode(work.tx, current.periodCode)
    const number = current.submissionCount + 1
    const updated = await updateReport(work.tx, current.id, current.version, {
      state: stateAfter.submit,
      submittedAt: work.now,
      submittedBy: work.principal.id,
      ...firstSubmission(current, period, work.now),
      reviewedAt: null,
      reviewedBy: null,
      reviewComments: null,
      submissionCount: number,
      updatedAt: work.now,
    })
    if (!updated) return undefined
    await insertSubmission(work.tx, {
      reportId: current.id,
      provinceCode: current.provinceCode,
      wardCode: current.wardCode,
      residentialGroupCode: null,
      number,
      snapshot: current.snapshot,
      sections: current.sections,
      submittedAt: work.now,
      submittedBy: work.principal.id,
    })
    // Events carry a ward; a district's report has none, and its submission is read from the report itself.
    if (updated.level === 'ward') await reportEvent(work, updated, 'report.submitted')
    return updated
  })
}

/** The district's review of a submitted ward report: approved (then consolidated), or returned with comments. */
export async function reviewReport(
  work: Work,
  id: string,
  decision: { action: 'approve' } | { action: 'return'; comments: string },
  expectedVersion: number | undefined,
): Promise<ReportView | Refusal> {
  const comments = decision.action === 'return' ? decision.comments : null
  return act(work, id, decision.action, expectedVersion, async (current, units) => {
    if (comments !== null)
      await refusePersonalData(work, units, current.unitCode, [{ pointer: '/comments', text: comments }], returnRefused)
    const updated = await updateReport(work.tx, current.id, current.version, {
      state: stateAfter[decision.action],
      reviewedAt: work.now,
      reviewedBy: work.principal.id,
      reviewComments: comments,
      updatedAt: work.now,
    })
    if (!updated) return undefined
    const approved = decision.action === 'approve'
    await reviewLatestSubmission(work.tx, current.id, approved ? 'approved' : 'returned', comments)
    await reportEvent(work, updated, approved ? 'report.approved' : 'report.returned')
    return updated
  })
}
