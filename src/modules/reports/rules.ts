/**
 * Periodic reports (plan 140/KH-UBND section V): what may happen to a report in each state, the
 * narrative sections a report starts with, the district's consolidation of its wards' figures, and the units a
 * report is about.
 * Pure: no I/O, no clock.
 */
import type { PermissionByCase } from '../../platform/permissions.js'
import type { UnitRow } from '../indicators/repository.js'
import {
  figureMet,
  figureValue,
  orderCells,
  submittedTimeliness,
  sumBreakdowns,
  type IndicatorKind,
  type PeriodKind,
  type ReportingPeriod,
  type Target,
} from '../indicators/rules.js'

export type ReportState = 'draft' | 'submitted' | 'approved' | 'returned'
/** A ward's own report, or the consolidation of the unit above its wards: a district, the city, a named group of wards. */
export type ReportLevel = (typeof reportLevels)[number]
export const reportLevels = ['ward', 'district', 'province', 'ward_group'] as const

/** A ward's report is written by the ward; the district's consolidation by the district office. */
export const reportWriterPermissions: PermissionByCase<ReportLevel> = {
  decidedBy: 'the report’s unit level',
  byCase: {
    ward: 'reports:write',
    district: 'reports:review',
    province: 'reports:review',
    ward_group: 'reports:review',
  },
}
export type ReportAction = 'edit' | 'submit' | 'approve' | 'return'

/**
 * A ward edits and submits; the district approves or returns, and a returned report is edited and
 * submitted again. The district's own consolidated report is final once submitted: no one above the
 * district reviews it in this service.
 */
export function allowedActions(state: ReportState, level: ReportLevel): ReportAction[] {
  switch (state) {
    case 'draft':
    case 'returned':
      return ['edit', 'submit']
    case 'submitted':
      return level === 'ward' ? ['approve', 'return'] : []
    case 'approved':
      return []
  }
}

export const stateAfter: Record<Exclude<ReportAction, 'edit'>, ReportState> = {
  submit: 'submitted',
  approve: 'approved',
  return: 'returned',
}

export interface Section {
  key: string
  title: string
  text: string
}

/** The headings officers write under, in the order of the plan's report outline. */
export function defaultSections(kind: PeriodKind): Section[] {
  if (kind === 'ward_plan') {
    return [
      { key: 'situation', title: 'Tình hình trẻ em trên địa bàn', text: '' },
      { key: 'targets', title: 'Mục tiêu, chỉ tiêu', text: '' },
      { key: 'tasks', title: 'Nhiệm vụ và giải pháp', text: '' },
      { key: 'organisation', title: 'Tổ chức thực hiện', text: '' },
    ]
  }
  return [
    { key: 'situation', title: 'Tình hình trẻ em và công tác bảo vệ, chăm sóc trẻ em', text: '' },
    { key: 'results', title: 'Kết quả thực hiện các chỉ tiêu', text: '' },
    { key: 'difficulties', title: 'Khó khăn, vướng mắc', text: '' },
    { key: 'proposals', title: 'Đề xuất, kiến nghị', text: '' },
  ]
}

export function sectionProblems(sections: readonly Section[]): { pointer: string; message: string; code: string }[] {
  const seen = new Set<string>()
  const problems: { pointer: string; message: string; code: string }[] = []
  sections.forEach((section, index) => {
    if (seen.has(section.key))
      problems.push({ pointer: `/sections/${index}/key`, message: 'appears twice', code: 'duplicate_section' })
    seen.add(section.key)
  })
  return problems
}

export const periodTitles: Record<PeriodKind, string> = {
  ward_plan: 'Kế hoạch thực hiện công tác trẻ em năm',
  six_month: 'Báo cáo kết quả công tác trẻ em 6 tháng đầu năm',
  nine_month: 'Báo cáo kết quả công tác trẻ em 9 tháng năm',
  annual: 'Báo cáo kết quả công tác trẻ em năm',
}

// ---------------------------------------------------------------------------------------------
// Frozen figures and the district's consolidation

interface SnapshotCell {
  key: Record<string, string>
  numerator: number
  denominator: number
  value: number | null
}

export interface SnapshotIndicator {
  code: string
  version: number
  nameVi: string
  nameEn: string
  kind: IndicatorKind
  source: 'registry' | 'incidents' | 'assessments' | 'reports'
  hasDenominator: boolean
  available: boolean
  target: Target | null
  numerator: number
  denominator: number
  value: number | null
  met: boolean | null
  breakdowns: { dimensions: string[]; cells: SnapshotCell[] }[]
  /** In a district's report: each summed ward's figure, so that a withheld ward cannot be recovered from the total. */
  parts?: { unitCode: string; numerator: number; denominator: number }[]
}

/**
 * The district's figures as the sums of its approved ward reports: numerators, denominators and every
 * breakdown cell added up, values and target verdicts recomputed at district level. An indicator
 * counts the wards whose snapshot had it available.
 */
export function consolidate(
  wardSnapshots: readonly { unitCode: string; indicators: readonly SnapshotIndicator[] }[],
  targets: ReadonlyMap<string, Target>,
): SnapshotIndicator[] {
  const order: string[] = []
  const byCode = new Map<string, (SnapshotIndicator & { unitCode: string })[]>()
  for (const snapshot of wardSnapshots) {
    for (const indicator of snapshot.indicators) {
      if (!byCode.has(indicator.code)) {
        order.push(indicator.code)
        byCode.set(indicator.code, [])
      }
      byCode.get(indicator.code)!.push({ ...indicator, unitCode: snapshot.unitCode })
    }
  }
  return order.map((code) => {
    const all = byCode.get(code)!
    const parts = all.filter((indicator) => indicator.available)
    const { unitCode: _unit, ...first } = parts[0] ?? all[0]!
    const numerator = parts.reduce((sum, part) => sum + part.numerator, 0)
    const denominator = parts.reduce((sum, part) => sum + part.denominator, 0)
    const value = parts.length === 0 ? null : figureValue(first.kind, numerator, denominator)
    const target = targets.get(code) ?? null
    const dimensionSets = new Map<string, string[]>()
    for (const part of parts)
      for (const breakdown of part.breakdowns) dimensionSets.set(breakdown.dimensions.join(','), breakdown.dimensions)
    return {
      code,
      version: first.version,
      nameVi: first.nameVi,
      nameEn: first.nameEn,
      kind: first.kind,
      source: first.source,
      hasDenominator: first.hasDenominator,
      available: parts.length > 0,
      target,
      numerator,
      denominator,
      value,
      met: parts.length === 0 ? null : figureMet(target, { value, numerator, denominator }, 'district'),
      breakdowns: [...dimensionSets.values()].map((dimensions) => {
        const cells = parts.flatMap((part) =>
          part.breakdowns.filter((b) => b.dimensions.join(',') === dimensions.join(',')).flatMap((b) => b.cells),
        )
        return {
          dimensions,
          cells: orderCells(
            sumBreakdowns(cells, dimensions).map((cell) => ({
              ...cell,
              value: figureValue(first.kind, cell.numerator, cell.denominator),
            })),
            dimensions,
          ),
        }
      }),
      parts: parts.map((part) => ({
        unitCode: part.unitCode,
        numerator: part.numerator,
        denominator: part.denominator,
      })),
    }
  })
}

/**
 * The first submission decides a report's timeliness: on time up to 23:59:59 local time on the due
 * date. A report returned for changes and submitted again keeps the instant and the verdict of its
 * first submission.
 */
export function firstSubmission(
  report: { firstSubmittedAt: Date | null; timeliness: 'on_time' | 'late' | null },
  period: Pick<ReportingPeriod, 'dueDate'>,
  now: Date,
): { firstSubmittedAt: Date; timeliness: 'on_time' | 'late' } {
  return {
    firstSubmittedAt: report.firstSubmittedAt ?? now,
    timeliness: report.timeliness ?? submittedTimeliness(period, now),
  }
}

// ---------------------------------------------------------------------------------------------
// Units

/** A unit and every unit below it, whatever their validity: reports keep the unit of their time. */
export function unitsAtOrBelow(rows: readonly UnitRow[], code: string): string[] {
  const found = [code, ...(rows.find((row) => row.code === code)?.members ?? [])]
  for (let index = 0; index < found.length; index++) {
    for (const row of rows) if (row.parentCode === found[index]) found.push(row.code)
  }
  return found
}

/**
 * The units whose records a unit's report is about: it and every unit below it, and those it succeeded in the
 * 2025 reorganisation or that succeeded it, with theirs (a new ward's children are still registered under the
 * wards it replaced, and an old ward's were re-homed to the new one).
 */
export function unitsOfRecords(rows: readonly UnitRow[], code: string): string[] {
  const found = new Set<string>()
  const pending = [code]
  while (pending.length > 0) {
    const next = pending.pop()!
    for (const unit of unitsAtOrBelow(rows, next)) {
      if (found.has(unit)) continue
      found.add(unit)
      pending.push(...(rows.find((row) => row.code === unit)?.predecessors ?? []))
      pending.push(...rows.filter((row) => row.predecessors.includes(unit)).map((row) => row.code))
    }
  }
  return [...found]
}
