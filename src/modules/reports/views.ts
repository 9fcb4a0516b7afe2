/**
 * Reports as the API shows them: one builder per response shape (a summary in a list, the report with
 * its snapshot and submissions, the DHIS2 data value set, the document of an export). Frozen figures are
 * published to the caller here, small cells withheld from callers who may not see them.
 */
import { localDateOf } from '../calendar/rules.js'
import { displayDate, exportRows, placeOf } from '../indicators/export.js'
import type { Figure } from '../indicators/figures.js'
import {
  asPublished,
  metAsShown,
  protectsCounts,
  publishFigures,
  type PublishedFigure,
} from '../indicators/publication.js'
import type { UnitRow } from '../indicators/repository.js'
import { dhis2Period, parsePeriodCode, type ReportingPeriod } from '../indicators/rules.js'
import { snapshotOf, type ReportRow, type ReportSnapshot, type SubmissionRow } from './repository.js'
import { allowedActions, periodTitles, type ReportLevel, type SnapshotIndicator } from './rules.js'

/**
 * How a report's figures are published to its caller: whether small counts are withheld, and then the same
 * unit's figure of each indicator in the period's table as published to the caller (`table`: empty when the
 * report has no such table to be shown as, and none of its counts of children or incidents is shown).
 */
export interface ReportPublication {
  withhold: boolean
  table: ReadonlyMap<string, PublishedFigure | undefined>
}

export const unwithheld: ReportPublication = { withhold: false, table: new Map() }

/** A frozen figure protected on its own: a district's total together with its wards' figures. */
function ownFigure(indicator: SnapshotIndicator, unitCode: string, withhold: boolean): PublishedFigure | null {
  if (!indicator.available) return null
  const parts: Figure[] = (indicator.parts ?? []).map((part) => ({ ...part, value: null, met: null, breakdowns: [] }))
  const own: Figure = {
    unitCode,
    numerator: indicator.numerator,
    denominator: indicator.denominator,
    value: indicator.value,
    met: indicator.met,
    breakdowns: indicator.breakdowns.map((breakdown) => ({
      dimensions: breakdown.dimensions as Figure['breakdowns'][number]['dimensions'],
      cells: breakdown.cells,
    })),
  }
  const published = publishFigures(
    { kind: indicator.kind, source: indicator.source, hasDenominator: indicator.hasDenominator },
    [...parts, own],
    withhold,
  )
  return published[published.length - 1] ?? null
}

/**
 * A report's frozen figures as the caller may see them. For a caller from whom small counts are withheld, its
 * counts of children and incidents are those the period's published table shows of the same unit (asPublished),
 * whether or not the report counted the same: records entered or back-dated into the period after the report
 * was frozen make the two differ, and showing the report's own counts where they agree (or none where they do
 * not) would tell where those records lie ("the one registered that afternoon is a boy"). Whether a target is
 * met is judged again on the counts shown, against the report's own target.
 */
export function publishedFigures(
  indicators: readonly SnapshotIndicator[],
  unitCode: string,
  level: ReportLevel,
  publication: ReportPublication,
): (PublishedFigure | null)[] {
  const own = indicators.map((indicator) => ownFigure(indicator, unitCode, publication.withhold))
  if (!publication.withhold) return own
  return indicators.map((indicator, index) => {
    const figure = own[index] ?? null
    if (!figure || !protectsCounts(indicator.source) || !indicator.available) return figure
    const shown = asPublished(indicator.kind, figure, publication.table.get(indicator.code))
    const met = metAsShown(shown, indicator.target, level)
    return { ...shown, met }
  })
}

function publishSnapshot(snapshot: ReportSnapshot, level: ReportLevel, publication: ReportPublication) {
  const figures = publishedFigures(snapshot.indicators, snapshot.unitCode, level, publication)
  return {
    unitCode: snapshot.unitCode,
    unitName: snapshot.unitName,
    windowFrom: snapshot.windowFrom,
    windowTo: snapshot.windowTo,
    asOf: snapshot.asOf,
    computedAt: snapshot.computedAt,
    smallCellsWithheld: publication.withhold,
    indicators: snapshot.indicators.map((indicator, index) => ({
      code: indicator.code,
      version: indicator.version,
      nameVi: indicator.nameVi,
      nameEn: indicator.nameEn,
      kind: indicator.kind,
      source: indicator.source,
      available: indicator.available,
      target: indicator.target,
      figure: figures[index] ?? null,
    })),
    ...(snapshot.consolidation ? { consolidation: snapshot.consolidation } : {}),
  }
}

const iso = (instant: Date | null) => (instant === null ? null : instant.toISOString())

/**
 * What of a report's narrative its caller reads: the sections withheld from it for holding personal data
 * (screening.ts), and whether it reads the district's review comments (the ward's and the district's own).
 */
export interface NarrativeShown {
  /** Sections whose text is withheld (their title or text holds personal data). */
  withheldSections: ReadonlySet<string>
  /** Sections whose title is withheld too (it holds personal data). */
  withheldTitles: ReadonlySet<string>
  reviewComments: boolean
}

/** In place of a title or text withheld for holding personal data. */
const withheldText = '[Không hiển thị: nội dung có thông tin cá nhân]'

export const wholeNarrative: NarrativeShown = {
  withheldSections: new Set(),
  withheldTitles: new Set(),
  reviewComments: true,
}

/** A caller who reads aggregates only reads no review comments, whatever its sections hold. */
export const narrativeWithoutReview: NarrativeShown = { ...wholeNarrative, reviewComments: false }

/** A report in a list (ReportSummary). */
export function toReportSummary(row: ReportRow, narrative: NarrativeShown = wholeNarrative) {
  return {
    id: row.id,
    unitCode: row.unitCode,
    level: row.level,
    periodCode: row.periodCode,
    state: row.state,
    submittedAt: iso(row.submittedAt),
    firstSubmittedAt: iso(row.firstSubmittedAt),
    timeliness: row.timeliness,
    reviewedAt: iso(row.reviewedAt),
    reviewComments: narrative.reviewComments ? row.reviewComments : null,
    submissionCount: row.submissionCount,
    allowedActions: allowedActions(row.state, row.level),
    version: row.version,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  }
}

/** A report with its narrative, frozen figures and submissions (Report); `version` is its entity tag. */
export function toReport(
  row: ReportRow,
  submissions: readonly SubmissionRow[],
  publication: ReportPublication,
  narrative: NarrativeShown,
) {
  return {
    ...toReportSummary(row, narrative),
    sections: row.sections.map((section) =>
      narrative.withheldSections.has(section.key)
        ? {
            ...section,
            title: narrative.withheldTitles.has(section.key) ? withheldText : section.title,
            text: '',
            withheld: true as const,
          }
        : section,
    ),
    snapshot: publishSnapshot(snapshotOf(row), row.level, publication),
    submissions: submissions.map((submission) => ({
      number: submission.number,
      submittedAt: submission.submittedAt.toISOString(),
      outcome: submission.outcome,
      reviewComments: narrative.reviewComments ? submission.reviewComments : null,
    })),
  }
}

export type ReportView = ReturnType<typeof toReport>

/** A report's figures as a DHIS2 dataValueSets document (DataValueSet). */
export function toDataValueSet(row: ReportRow, publication: ReportPublication) {
  const { year, kind } = parsePeriodCode(row.periodCode)!
  const period = dhis2Period({ year, kind })
  const { indicators } = snapshotOf(row)
  const figures = publishedFigures(indicators, row.unitCode, row.level, publication)
  const dataValues = indicators.flatMap((indicator, index) => {
    const value = figures[index]?.value
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
}

const stateLabels: Record<ReportRow['state'], string> = {
  draft: 'dự thảo',
  submitted: 'đã gửi',
  approved: 'đã duyệt',
  returned: 'trả lại để chỉnh sửa',
}

/** A report as a document to export (XLSX ready to print and sign, CSV or JSON). */
export function toReportDocument(
  row: ReportRow,
  period: ReportingPeriod,
  units: readonly UnitRow[],
  publication: ReportPublication,
  narrative: NarrativeShown,
  generatedAt: Date,
) {
  const snapshot = snapshotOf(row)
  const figures = publishedFigures(snapshot.indicators, row.unitCode, row.level, publication)
  const indicators = snapshot.indicators
    .map((indicator, index) => ({ ...indicator, values: [figures[index]!] }))
    .filter((indicator) => indicator.available)
  const unit = units.find((candidate) => candidate.code === row.unitCode)
  const superior = unit?.parentCode ? units.find((candidate) => candidate.code === unit.parentCode) : undefined
  const ref = (candidate: UnitRow) => ({ code: candidate.code, nameVi: candidate.nameVi, level: candidate.level })
  const unitRef = unit ? ref(unit) : { code: row.unitCode, nameVi: snapshot.unitName, level: row.level }
  return {
    fileName: `report-${row.unitCode}-${row.periodCode}`,
    title: `${periodTitles[period.kind]} ${period.year}`,
    unit: unitRef,
    superior: superior?.nameVi ?? unitRef.nameVi,
    place: placeOf({ unit: unitRef, superior: superior ? ref(superior) : null }),
    period: `Hạn nộp: ${displayDate(period.dueDate)} - trạng thái: ${stateLabels[row.state]}`,
    windowFrom: snapshot.windowFrom,
    asOf: snapshot.asOf,
    generatedAt,
    sections: row.sections
      .filter((section) => section.text.trim() !== '')
      .map(({ key, title, text }) => ({
        title: narrative.withheldTitles.has(key) ? withheldText : title,
        text: narrative.withheldSections.has(key) ? withheldText : text,
      })),
    rows: exportRows(indicators, new Map([[row.unitCode, snapshot.unitName]])),
  }
}
