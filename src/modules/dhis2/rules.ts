/**
 * Posting the plan's indicators to a DHIS2 instance: DHIS2 identifiers, DHIS2 periods and the window each
 * covers, which indicators add up over time, the administrator's mapping checked, and the data values of a
 * period resolved through it. Pure: figures come in already published (small cells withheld or not).
 */
import type { Dimension } from '../indicators/measures.js'
import { cellCodes, type IndicatorKind } from '../indicators/rules.js'

// ---------------------------------------------------------------------------------------------
// Identifiers

/** A DHIS2 UID: 11 characters, a letter first, then letters and digits (DHIS2's CodeGenerator). */
export const dhis2UidPattern = '^[A-Za-z][A-Za-z0-9]{10}$'
const uidExpression = new RegExp(dhis2UidPattern)

export function isDhis2Uid(value: string): boolean {
  return uidExpression.test(value)
}

// ---------------------------------------------------------------------------------------------
// Periods

export const dhis2PeriodTypes = ['Monthly', 'Quarterly', 'SixMonthly', 'Yearly'] as const
export type Dhis2PeriodType = (typeof dhis2PeriodTypes)[number]

/** The DHIS2 fixed periods this service posts: 202604 (month), 2026Q2, 2026S1, 2026. */
export const dhis2PeriodPattern = '^[0-9]{4}(0[1-9]|1[0-2]|Q[1-4]|S[12])?$'

export interface Dhis2Period {
  code: string
  type: Dhis2PeriodType
  year: number
  /** First and last local dates the period's values count, both included. */
  windowFrom: string
  windowTo: string
}

const lastDayOfMonth = (year: number, month: number) => new Date(Date.UTC(year, month, 0)).toISOString().slice(0, 10)
const firstDayOfMonth = (year: number, month: number) => `${year}-${String(month).padStart(2, '0')}-01`

/** A DHIS2 period code read as its type and window; null for anything else. */
export function parseDhis2Period(code: string): Dhis2Period | null {
  const match = /^(\d{4})(?:(0[1-9]|1[0-2])|Q([1-4])|S([12]))?$/.exec(code)
  if (!match) return null
  const year = Number(match[1])
  if (year < 1000) return null
  const months = (type: Dhis2PeriodType, first: number, last: number): Dhis2Period => ({
    code,
    type,
    year,
    windowFrom: firstDayOfMonth(year, first),
    windowTo: lastDayOfMonth(year, last),
  })
  if (match[2]) return months('Monthly', Number(match[2]), Number(match[2]))
  if (match[3]) return months('Quarterly', Number(match[3]) * 3 - 2, Number(match[3]) * 3)
  if (match[4]) return months('SixMonthly', Number(match[4]) * 6 - 5, Number(match[4]) * 6)
  return months('Yearly', 1, 12)
}

/** Every period of a type in a year, in order. */
export function dhis2PeriodsOfYear(year: number, type: Dhis2PeriodType): Dhis2Period[] {
  const count = { Monthly: 12, Quarterly: 4, SixMonthly: 2, Yearly: 1 }[type]
  const codes = Array.from({ length: count }, (_, index) => {
    if (type === 'Monthly') return `${year}${String(index + 1).padStart(2, '0')}`
    if (type === 'Quarterly') return `${year}Q${index + 1}`
    if (type === 'SixMonthly') return `${year}S${index + 1}`
    return `${year}`
  })
  return codes.map((code) => parseDhis2Period(code)!)
}

/**
 * Whether a period may be published to a caller from whom small counts are withheld: its window must be one
 * of the year-to-date tables that caller can already read, from 1 January to a closing day
 * (indicators/rules.ts closingDays). Any other window is the difference of two such tables or differs from
 * one by a few days' records, and a figure withheld in one table would be recovered by subtraction
 * (2026Q2 = the table to 30 June − the table to 31 March), which no protection of each table on its own hides.
 */
export function publishableWhenWithheld(
  period: Pick<Dhis2Period, 'year' | 'windowFrom' | 'windowTo'>,
  closing: readonly string[],
): boolean {
  return period.windowFrom === `${period.year}-01-01` && closing.includes(period.windowTo)
}

// ---------------------------------------------------------------------------------------------
// How an indicator behaves over time

/**
 * - flow: counts what happened in the window (incidents); a longer period is the sum of its quarters.
 * - stock: counts what stands at the window's end (children on the registry); a longer period's value is its
 *   last quarter's (DHIS2 aggregation type LAST).
 * - annual_only: neither: distinct children over the window (a child abused in two quarters is one child in
 *   the year), or cases judged at the window's end (one still within its deadline when a quarter ends is
 *   judged in no quarter). Posted for yearly periods only.
 */
export type TimeBehaviour = 'flow' | 'stock' | 'annual_only'

const measureBehaviour: Readonly<Record<string, TimeBehaviour>> = {
  'registry.children_count': 'stock',
  'registry.under6_children_count': 'stock',
  'registry.under6_bhyt_share': 'stock',
  'registry.special_circumstance_children_count': 'stock',
  'registry.special_circumstance_cared_share': 'annual_only',
  'incidents.abused_children_count': 'annual_only',
  'incidents.injury_cases_count': 'flow',
  'incidents.injury_deaths_count': 'flow',
  'incidents.child_labour_cases_count': 'flow',
  'incidents.child_labour_supported_timely_share': 'annual_only',
  'incidents.written_report_on_time_share': 'annual_only',
  // Judged in the window their deadline falls in, so each case or referral counts in exactly one quarter.
  'incidents.support_plan_on_time_share': 'flow',
  'incidents.referrals_answered_on_time_share': 'flow',
  'incidents.closed_cases_count': 'flow',
  'reports.wards_with_plan_count': 'stock',
  'reports.periodic_on_time_share': 'flow',
  'assessments.wards_recognised_count': 'stock',
}

/** How a measure's figures behave over time; a measure not known here is posted for whole years only. */
export function timeBehaviour(measure: string): TimeBehaviour {
  return measureBehaviour[measure] ?? 'annual_only'
}

export function postsIn(behaviour: TimeBehaviour, type: Dhis2PeriodType): boolean {
  return behaviour !== 'annual_only' || type === 'Yearly'
}

// ---------------------------------------------------------------------------------------------
// The mapping

export interface DataElementMapping {
  indicatorCode: string
  /** Receives the numerator (for a count, the count itself). */
  dataElement: string
  /** Receives the denominator; required for a percentage, whose rate DHIS2 computes as an indicator. */
  denominatorDataElement: string | null
  /** The breakdowns the data element's category combination crosses; empty: the default combination. */
  breakdown: Dimension[]
}

export interface CategoryOptionComboMapping {
  key: Partial<Record<Dimension, string>>
  categoryOptionCombo: string
}

/** A DHIS2 data set has one period type: values of each type are posted for the data set of that type. */
export type DataSetsByPeriodType = Readonly<Record<Dhis2PeriodType, string | null>>

export interface Dhis2Mapping {
  dataSets: DataSetsByPeriodType
  attributeOptionCombo: string | null
  /** The default category option combo: a data element without breakdown posts its total with it. */
  defaultCategoryOptionCombo: string | null
  dataElements: DataElementMapping[]
  categoryOptionCombos: CategoryOptionComboMapping[]
  orgUnits: { unitCode: string; orgUnit: string }[]
}

export interface MappingProblem {
  pointer: string
  message: string
  code: string
}

/** A breakdown cell's key as one string, whatever the order of its members: "ageGroup=0-2&sex=male". */
export function keyId(key: Readonly<Record<string, string | undefined>>): string {
  return Object.keys(key)
    .sort()
    .map((dimension) => `${dimension}=${key[dimension]}`)
    .join('&')
}

/** Every key of a breakdown: each dimension's codes ("unknown" included where a record may have it), crossed. */
export function gridKeys(dimensions: readonly Dimension[]): Record<string, string>[] {
  let keys: Record<string, string>[] = [{}]
  for (const dimension of dimensions)
    keys = keys.flatMap((key) => cellCodes(dimension).map((value) => ({ ...key, [dimension]: value })))
  return keys
}

interface IndicatorFacts {
  code: string
  kind: IndicatorKind
  hasDenominator: boolean
  breakdowns: readonly string[]
}

/** What is wrong with a mapping, each at its JSON pointer; an empty list when nothing is. */
export function mappingProblems(
  mapping: Dhis2Mapping,
  indicators: readonly IndicatorFacts[],
  unitCodes: ReadonlySet<string>,
): MappingProblem[] {
  const problems: MappingProblem[] = []
  const byCode = new Map(indicators.map((indicator) => [indicator.code, indicator]))
  const seenIndicators = new Set<string>()
  // One data element per figure: two figures posted to one element would overwrite each other in DHIS2.
  const dataElementUse = new Map<string, string>()
  const useDataElement = (uid: string, pointer: string) => {
    const first = dataElementUse.get(uid)
    if (first !== undefined)
      problems.push({ pointer, message: `is already used at ${first}`, code: 'duplicate_data_element' })
    else dataElementUse.set(uid, pointer)
  }
  const dataSetUse = new Map<string, string>()
  for (const type of dhis2PeriodTypes) {
    const uid = mapping.dataSets[type]
    if (uid === null) continue
    const first = dataSetUse.get(uid)
    if (first !== undefined)
      problems.push({
        pointer: `/dataSets/${type}`,
        message: `is already used at ${first}: a data set has one period type`,
        code: 'duplicate_data_set',
      })
    else dataSetUse.set(uid, `/dataSets/${type}`)
  }
  mapping.dataElements.forEach((entry, index) => {
    const at = `/dataElements/${index}`
    const indicator = byCode.get(entry.indicatorCode)
    if (seenIndicators.has(entry.indicatorCode))
      problems.push({ pointer: `${at}/indicatorCode`, message: 'appears twice', code: 'duplicate_indicator' })
    seenIndicators.add(entry.indicatorCode)
    useDataElement(entry.dataElement, `${at}/dataElement`)
    if (entry.denominatorDataElement !== null)
      useDataElement(entry.denominatorDataElement, `${at}/denominatorDataElement`)
    if (!indicator) {
      problems.push({ pointer: `${at}/indicatorCode`, message: 'is not an indicator', code: 'unknown_indicator' })
      return
    }
    if (entry.denominatorDataElement !== null && !indicator.hasDenominator)
      problems.push({
        pointer: `${at}/denominatorDataElement`,
        message: `must be null: ${indicator.code} has no denominator`,
        code: 'no_denominator',
      })
    entry.breakdown.forEach((dimension, position) => {
      if (!indicator.breakdowns.includes(dimension))
        problems.push({
          pointer: `${at}/breakdown/${position}`,
          message: `is not a breakdown of ${indicator.code} (${indicator.breakdowns.join(', ') || 'none'})`,
          code: 'breakdown_not_offered',
        })
    })
  })
  const seenKeys = new Set<string>()
  // Two cells posted under one combination would overwrite each other in DHIS2.
  const comboUse = new Map<string, string>()
  mapping.categoryOptionCombos.forEach((entry, index) => {
    const at = `/categoryOptionCombos/${index}`
    const id = keyId(entry.key)
    if (seenKeys.has(id)) problems.push({ pointer: `${at}/key`, message: 'appears twice', code: 'duplicate_key' })
    seenKeys.add(id)
    const first = comboUse.get(entry.categoryOptionCombo)
    if (first !== undefined)
      problems.push({
        pointer: `${at}/categoryOptionCombo`,
        message: `is already used at ${first}`,
        code: 'duplicate_category_option_combo',
      })
    else comboUse.set(entry.categoryOptionCombo, `${at}/categoryOptionCombo`)
    for (const [dimension, value] of Object.entries(entry.key) as [Dimension, string][]) {
      if (!cellCodes(dimension).includes(value))
        problems.push({
          pointer: `${at}/key/${dimension}`,
          message: `is not a value of ${dimension} (${cellCodes(dimension).join(', ')})`,
          code: 'unknown_breakdown_value',
        })
    }
  })
  const seenUnits = new Set<string>()
  const orgUnitUse = new Map<string, string>()
  mapping.orgUnits.forEach((entry, index) => {
    const at = `/orgUnits/${index}`
    if (!unitCodes.has(entry.unitCode))
      problems.push({ pointer: `${at}/unitCode`, message: 'is not a ward or a unit above one', code: 'unknown_unit' })
    if (seenUnits.has(entry.unitCode))
      problems.push({ pointer: `${at}/unitCode`, message: 'appears twice', code: 'duplicate_unit' })
    seenUnits.add(entry.unitCode)
    const first = orgUnitUse.get(entry.orgUnit)
    if (first !== undefined)
      problems.push({ pointer: `${at}/orgUnit`, message: `is already used at ${first}`, code: 'duplicate_org_unit' })
    else orgUnitUse.set(entry.orgUnit, `${at}/orgUnit`)
  })
  return problems
}

// ---------------------------------------------------------------------------------------------
// Data values

interface Suppressed {
  suppressed: true
}
type Count = number | Suppressed | null

interface CellToPost {
  key: Record<string, string>
  numerator: Count
  denominator: Count
}

/** One unit's published figure: its own counts and the cells of the mapping's breakdown (when computed). */
interface FigureToPost {
  unitCode: string
  numerator: Count
  denominator: Count
  cells: CellToPost[] | null
}

export interface IndicatorToPost {
  code: string
  kind: IndicatorKind
  measure: string
  available: boolean
  /** The mapping's breakdown is a cross not published to the caller (indicators/publication.ts): nothing is posted. */
  breakdownNotPublished?: boolean
  figures: FigureToPost[]
}

interface DataValue {
  dataElement: string
  period: string
  orgUnit: string
  categoryOptionCombo: string
  attributeOptionCombo: string
  value: string
}

export const gapReasons = [
  'no_data_set',
  'no_attribute_option_combo',
  'indicator_not_mapped',
  'no_denominator_data_element',
  'no_default_category_option_combo',
  'category_option_combo_missing',
  'org_unit_not_mapped',
] as const
type GapReason = (typeof gapReasons)[number]

/** Values that cannot be posted, for one reason and one thing missing; `values` counts them. */
export interface Gap {
  reason: GapReason
  indicatorCode?: string
  unitCode?: string
  key?: Record<string, string>
  values: number
}

export interface Skipped {
  indicatorCode: string
  reason: 'not_available' | 'annual_only' | 'breakdown_not_published'
}

export interface PeriodValues {
  dataValues: DataValue[]
  gaps: Gap[]
  /** Values left out because disclosure control withheld them: DHIS2 then holds no value, as for missing data. */
  withheld: number
  skipped: Skipped[]
}

const isWithheld = (count: Count): count is Suppressed => typeof count === 'object' && count !== null

/** The breakdown's cells over its full grid: those published, and 0 for every key with nothing counted. */
function fullCells(cells: readonly CellToPost[], dimensions: readonly Dimension[]): CellToPost[] {
  const present = new Map(cells.map((cell) => [keyId(cell.key), cell]))
  const keys = gridKeys(dimensions)
  const grid = new Set(keys.map(keyId))
  return [
    ...keys.map((key) => present.get(keyId(key)) ?? { key, numerator: 0, denominator: 0 }),
    ...cells.filter((cell) => !grid.has(keyId(cell.key))),
  ]
}

/**
 * The data values of one period: for each indicator posted in the period's type, each unit's figure split
 * by the mapping's breakdown (or its total on the default combination), numerator and denominator each to
 * its data element. What the mapping cannot place is counted in `gaps` (one entry per thing missing), what
 * disclosure control withheld in `withheld`; neither is posted.
 */
export function periodValues(
  period: Pick<Dhis2Period, 'code' | 'type'>,
  mapping: Dhis2Mapping,
  indicators: readonly IndicatorToPost[],
): PeriodValues {
  const gaps = new Map<string, Gap>()
  const gap = (reason: GapReason, about: Omit<Gap, 'reason' | 'values'>, values = 1) => {
    const id = [reason, about.indicatorCode ?? '', about.unitCode ?? '', about.key ? keyId(about.key) : ''].join('|')
    const existing = gaps.get(id)
    if (existing) existing.values += values
    else gaps.set(id, { reason, ...about, values })
  }
  const orgUnits = new Map(mapping.orgUnits.map((entry) => [entry.unitCode, entry.orgUnit]))
  const combos = new Map(mapping.categoryOptionCombos.map((entry) => [keyId(entry.key), entry.categoryOptionCombo]))
  const elements = new Map(mapping.dataElements.map((entry) => [entry.indicatorCode, entry]))
  const attributeOptionCombo = mapping.attributeOptionCombo ?? ''
  const dataValues: DataValue[] = []
  const skipped: Skipped[] = []
  let withheld = 0
  let placed = 0

  for (const indicator of indicators) {
    if (!indicator.available) {
      skipped.push({ indicatorCode: indicator.code, reason: 'not_available' })
      continue
    }
    if (!postsIn(timeBehaviour(indicator.measure), period.type)) {
      skipped.push({ indicatorCode: indicator.code, reason: 'annual_only' })
      continue
    }
    if (indicator.breakdownNotPublished) {
      skipped.push({ indicatorCode: indicator.code, reason: 'breakdown_not_published' })
      continue
    }
    const entry = elements.get(indicator.code)
    const parts: { count: 'numerator' | 'denominator'; dataElement: string | null }[] = [
      { count: 'numerator', dataElement: entry?.dataElement ?? null },
    ]
    if (indicator.kind === 'percentage' || entry?.denominatorDataElement)
      parts.push({ count: 'denominator', dataElement: entry?.denominatorDataElement ?? null })
    for (const figure of indicator.figures) {
      const breakdown = entry?.breakdown ?? []
      const cells =
        breakdown.length > 0 && figure.cells !== null
          ? fullCells(figure.cells, breakdown)
          : [{ key: {}, numerator: figure.numerator, denominator: figure.denominator }]
      const orgUnit = orgUnits.get(figure.unitCode)
      for (const cell of cells) {
        for (const part of parts) {
          const count = cell[part.count]
          if (count === null) continue
          if (isWithheld(count)) {
            withheld++
            continue
          }
          const combo = breakdown.length === 0 ? mapping.defaultCategoryOptionCombo : combos.get(keyId(cell.key))
          if (!entry) gap('indicator_not_mapped', { indicatorCode: indicator.code })
          else if (part.dataElement === null) gap('no_denominator_data_element', { indicatorCode: indicator.code })
          else if (orgUnit === undefined) gap('org_unit_not_mapped', { unitCode: figure.unitCode })
          else if (combo === null) gap('no_default_category_option_combo', {})
          else if (combo === undefined)
            gap('category_option_combo_missing', { indicatorCode: indicator.code, key: cell.key })
          else {
            placed++
            dataValues.push({
              dataElement: part.dataElement,
              period: period.code,
              orgUnit,
              categoryOptionCombo: combo,
              attributeOptionCombo,
              value: String(count),
            })
          }
        }
      }
    }
  }
  const header: Gap[] = []
  if (mapping.dataSets[period.type] === null) header.push({ reason: 'no_data_set', values: placed })
  if (mapping.attributeOptionCombo === null) header.push({ reason: 'no_attribute_option_combo', values: placed })
  return { dataValues, gaps: [...header, ...gaps.values()], withheld, skipped }
}
