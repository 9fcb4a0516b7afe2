import type { UnitRow } from '../indicators/repository.js'
import {
  publicationMeta,
  publishFigures,
  type Figure,
  type IndicatorFigures,
  type PublishedFigure,
} from '../indicators/service.js'
import { snapshotOf, type ReportRow, type ReportSnapshot, type SubmissionRow } from './repository.js'
import { allowedActions, type SnapshotIndicator } from './rules.js'

/** The figures frozen into a report: the unit's own figure of each indicator, with its breakdowns. */
export function snapshotIndicators(figures: readonly IndicatorFigures[]): SnapshotIndicator[] {
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

/** A frozen figure as the caller may see it (a district's total protected together with its wards' figures). */
export function publishIndicator(
  indicator: SnapshotIndicator,
  unitCode: string,
  withhold: boolean,
): PublishedFigure | null {
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

function publishSnapshot(snapshot: ReportSnapshot, withhold: boolean) {
  return {
    unitCode: snapshot.unitCode,
    unitName: snapshot.unitName,
    windowFrom: snapshot.windowFrom,
    windowTo: snapshot.windowTo,
    asOf: snapshot.asOf,
    computedAt: snapshot.computedAt,
    smallCellsWithheld: withhold,
    indicators: snapshot.indicators.map((indicator) => ({
      code: indicator.code,
      version: indicator.version,
      nameVi: indicator.nameVi,
      nameEn: indicator.nameEn,
      kind: indicator.kind,
      source: indicator.source,
      available: indicator.available,
      target: indicator.target,
      figure: publishIndicator(indicator, snapshot.unitCode, withhold),
    })),
    ...(snapshot.consolidation ? { consolidation: snapshot.consolidation } : {}),
  }
}

const iso = (instant: Date | null) => (instant === null ? null : instant.toISOString())

export function toReportSummary(row: ReportRow) {
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
    reviewComments: row.reviewComments,
    submissionCount: row.submissionCount,
    allowedActions: allowedActions(row.state, row.level),
    version: row.version,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  }
}

export function toReport(row: ReportRow, submissions: readonly SubmissionRow[], withhold: boolean) {
  return {
    ...toReportSummary(row),
    sections: row.sections,
    snapshot: publishSnapshot(snapshotOf(row), withhold),
    submissions: submissions.map((submission) => ({
      number: submission.number,
      submittedAt: submission.submittedAt.toISOString(),
      outcome: submission.outcome,
      reviewComments: submission.reviewComments,
    })),
  }
}

/** The province a unit lies in, walking up its parents. */
export function provinceOf(rows: readonly UnitRow[], code: string): string {
  const byCode = new Map(rows.map((row) => [row.code, row]))
  let current = byCode.get(code)
  for (let depth = 0; current && depth < 6; depth++) {
    if (current.level === 'province') return current.code
    current = current.parentCode ? byCode.get(current.parentCode) : undefined
  }
  return ''
}
