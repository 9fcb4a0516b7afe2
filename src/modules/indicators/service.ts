/**
 * The indicators as the routes serve them: the catalogue of definitions, a plan year's targets, the
 * reporting periods, and a unit's indicator table (computed live from personal data, so as scoped work:
 * see platform/work.ts). Targets and periods are reference data of no unit: their changes run in a plain
 * transaction, audited as the caller. Each response shape has its one builder here.
 */
import type { FastifyRequest } from 'fastify'
import type { Static } from 'typebox'
import type { Executor, Tx } from '../../db/client.js'
import { audit } from '../../platform/audit.js'
import type { Principal } from '../../platform/auth.js'
import { staleVersion } from '../../platform/concurrency.js'
import { bodyErrors, conflict, HttpProblem, notFound, unprocessable } from '../../platform/problem.js'
import type { Scope } from '../../platform/scope.js'
import type { Work } from '../../platform/work.js'
import { localDateOf } from '../calendar/rules.js'
import { exportRows, placeOf } from './export.js'
import { indicatorFigures, isAvailable, resolveUnit, type UnitWithWards } from './figures.js'
import type { Dimension } from './measures.js'
import {
  breakdownView,
  isPublishedBreakdown,
  publicationMeta,
  publishedCrossQueries,
  publishFigures,
  withholdsSmallCells,
  type PublishedFigure,
} from './publication.js'
import {
  composedTable,
  groupOfTable,
  groupOfWardTables,
  publishedTable,
  type PublishedIndicator,
  type PublishedTable,
} from './published.js'
import {
  listDefinitions,
  listTargets,
  listUnitRows,
  lockResource,
  periodByCode,
  periodHasReports,
  periodsOfYear,
  periodVersion,
  publishOfficialCode,
  replaceTargets,
  savePeriod,
  targetsVersion,
  type IndicatorDefinition,
  type OfficialCode,
  type TargetRow,
  type UnitRow,
} from './repository.js'
import {
  closedDay,
  closingDays,
  parsePeriodCode,
  periodProblems,
  targetProblems,
  type ReportingPeriod,
} from './rules.js'
import type { PutPeriodBody, PutTargetsBody, ValuesExportQuery, ValuesQuery } from './schemas.js'

/** The caller of reference-data work (the route's permission has authenticated it). */
function callerOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new Error('reference-data work needs an authenticated principal')
  return request.principal
}

// ---------------------------------------------------------------------------------------------
// The catalogue

/** An indicator definition as the API shows it (IndicatorDefinition). */
function toIndicator({ sortOrder: _order, ...definition }: IndicatorDefinition) {
  return { ...definition, available: isAvailable(definition) }
}

export async function indicatorCatalogue(db: Executor) {
  const definitions = await listDefinitions(db)
  return { items: definitions.map(toIndicator), nextCursor: null }
}

/**
 * Corrects where an indicator stands in Circular 13/2021 (annex, code, name, report form row): the
 * definition's next version, when `expectedVersion` is still its latest. Audited with the code before
 * and after (codes of a public instrument, no personal data).
 */
export async function correctOfficialCode(
  request: FastifyRequest,
  code: string,
  official: OfficialCode | null,
  expectedVersion: number,
) {
  const { database, clock } = request.server
  const definition = await database.db.transaction(async (tx) => {
    await lockResource(tx, 'indicator_definition', code)
    const current = (await listDefinitions(tx)).find((d) => d.code === code)
    if (!current) throw notFound('Indicator', code)
    const published = await publishOfficialCode(tx, code, expectedVersion, official, clock.now())
    if (!published) throw staleVersion(current.version)
    await audit(tx, request, {
      action: 'indicator_definition.official_code',
      resourceType: 'indicator_definition',
      resourceId: code,
      outcome: 'success',
      details: { version: expectedVersion + 1, before: published.before, after: official },
    })
    return (await listDefinitions(tx)).find((d) => d.code === code)!
  })
  return toIndicator(definition)
}

// ---------------------------------------------------------------------------------------------
// A plan year's targets

/** A plan year's targets as the API shows them (PlanTargets); `version` is their entity tag. */
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

export async function planTargets(db: Executor, year: number) {
  return toPlanTargets(year, await listTargets(db, year))
}

/** Replaces a plan year's targets when `expectedVersion` is still theirs. */
export async function replacePlanTargets(
  request: FastifyRequest,
  year: number,
  targets: Static<typeof PutTargetsBody>['targets'],
  expectedVersion: number,
) {
  const { database, clock } = request.server
  const definitions = await listDefinitions(database.db)
  const problems = targetProblems(targets, new Map(definitions.map((definition) => [definition.code, definition])))
  if (problems.length > 0) throw unprocessable('invalid_targets', 'The targets cannot be saved.', bodyErrors(problems))
  const rows = await database.db.transaction(async (tx) => {
    await lockResource(tx, 'plan_targets', String(year))
    const current = targetsVersion(await listTargets(tx, year))
    if (current !== expectedVersion) throw staleVersion(current)
    await replaceTargets(tx, year, targets, callerOf(request).id, clock.now())
    await audit(tx, request, {
      action: 'plan_targets.replace',
      resourceType: 'plan_targets',
      resourceId: String(year),
      outcome: 'success',
      details: { indicators: targets.map((target) => target.indicatorCode) },
    })
    return listTargets(tx, year)
  })
  return toPlanTargets(year, rows)
}

// ---------------------------------------------------------------------------------------------
// Reporting periods

/** A reporting period as the API shows it (ReportingPeriod); `version` is its entity tag. */
function toReportingPeriod(period: ReportingPeriod & { stored: boolean }) {
  return { ...period, version: periodVersion(period) }
}

export async function reportingPeriods(db: Executor, year: number) {
  const periods = await periodsOfYear(db, year)
  return { items: periods.map(toReportingPeriod), nextCursor: null }
}

/** Sets a period's due date and window when `expectedVersion` is still its version. */
export async function changeReportingPeriod(
  request: FastifyRequest,
  code: string,
  body: Static<typeof PutPeriodBody>,
  expectedVersion: number,
) {
  const { year, kind } = parsePeriodCode(code)!
  const problems = periodProblems(year, body)
  if (problems.length > 0) throw unprocessable('invalid_period', 'The period cannot be saved.', bodyErrors(problems))
  const next = { code, kind, year, ...body }
  await request.server.database.db.transaction(async (tx) => {
    await lockResource(tx, 'reporting_period', code)
    const current = await periodByCode(tx, code)
    if (periodVersion(current) !== expectedVersion) throw staleVersion(periodVersion(current))
    const windowChanged = current.windowFrom !== next.windowFrom || current.windowTo !== next.windowTo
    if (windowChanged && (await periodHasReports(tx, code))) {
      throw conflict(
        'period_has_reports',
        'Reports already froze their figures over this window; only the due date can change.',
      )
    }
    await savePeriod(tx, next)
    await audit(tx, request, {
      action: 'reporting_period.update',
      resourceType: 'reporting_period',
      resourceId: code,
      outcome: 'success',
      details: { before: current, after: next },
    })
  })
  return toReportingPeriod({ ...next, stored: true })
}

// ---------------------------------------------------------------------------------------------
// A unit's indicator table

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

/**
 * The window of a table whose small counts are withheld: 1 January to a closing day that has passed
 * (closedDay), so that no two such tables differ by less than a reporting period.
 */
async function closedWindow(
  tx: Executor,
  year: number,
  requestedAsOf: string | undefined,
  today: string,
): Promise<{ windowFrom: string; asOf: string }> {
  const { windowFrom } = valuesWindow(year, requestedAsOf, today)
  const closing = closingDays(year, await periodsOfYear(tx, year))
  const day = closedDay(requestedAsOf, closing, today)
  if (typeof day === 'string') return { windowFrom, asOf: day }
  const why = {
    not_a_closing_day: 'is not the last day of a reporting period',
    not_closed: 'is the last day of a period that has not closed yet',
    none_closed: `cannot be chosen yet: no reporting period of ${year} has closed`,
  }[day.reason]
  const message = `${why}: small counts are withheld from this caller, who reads figures as of a closed period's last day (${day.closed.join(', ') || `the first is ${closing[0]}`})`
  throw new HttpProblem(400, 'invalid_window', `No figures can be published: asOf ${message}.`, {
    errors: [{ location: 'querystring', pointer: '/asOf', message, code: 'period_not_closed' }],
    extensions: { closedDays: day.closed },
  })
}

function requestedDimensions(breakdown: string | undefined): Dimension[] {
  return breakdown === undefined ? [] : [...new Set(breakdown.split(',') as Dimension[])]
}

export interface ValuesTable {
  year: number
  windowFrom: string
  asOf: string
  /** The date whose map the period is reprojected onto; null on the map of its window. */
  mapDate: string | null
  target: UnitWithWards
  /** The unit's figures as the caller may see them, with the breakdown asked for. */
  indicators: PublishedIndicator[]
  /** Whether small cells are withheld from the caller (withholdsSmallCells). */
  withhold: boolean
  /** For such a caller, when the period's table was first published (it is read back unchanged since). */
  publishedAt: Date | null
}

/**
 * A plan year's table for the request's unit, computed in the work's transaction and audited as
 * `action`, a read of figures drawn from personal data. A caller from whom small counts are withheld reads
 * the closed period's table as it was first published (published.ts).
 */
export async function valuesTable(
  work: Work,
  query: Static<typeof ValuesQuery>,
  action: 'indicator.values.read' | 'indicator.values.export',
): Promise<ValuesTable> {
  const today = localDateOf(work.now)
  const withhold = withholdsSmallCells(work.principal)
  const wanted = requestedDimensions(query.breakdown)
  if (withhold && !isPublishedBreakdown(wanted)) {
    const message = `is not published to this caller, who may ask for one breakdown or ${publishedCrossQueries.join(' or ')}`
    throw new HttpProblem(400, 'breakdown_not_published', `No figures can be published: breakdown ${message}.`, {
      errors: [{ location: 'querystring', pointer: '/breakdown', message }],
      extensions: { publishedCrosses: publishedCrossQueries },
    })
  }
  const { windowFrom, asOf } = withhold
    ? await closedWindow(work.tx, query.year, query.asOf, today)
    : valuesWindow(query.year, query.asOf, today)
  const rows = await listUnitRows(work.tx)
  const window = { from: windowFrom, to: asOf }
  if (withhold && query.map !== undefined) {
    // The same records laid out on two maps, each protected on its own, would give away a withheld ward: an old
    // ward that went whole into a new one is the new ward less the other old wards it took.
    const message = `reprojects the period onto the wards of ${query.map}: small counts are withheld from this caller, who reads a period on the map of its window`
    throw new HttpProblem(400, 'map_not_published', `No figures can be published: map ${message}.`, {
      errors: [{ location: 'querystring', pointer: '/map', message }],
    })
  }
  const target = resolveUnit(rows, work.principal, query.unit, window, { mapDate: query.map })
  let protectedWithin: string | null = null
  const setOf = (definition: IndicatorDefinition) =>
    wanted.filter((dimension) => definition.breakdowns.includes(dimension))
  let indicators: PublishedIndicator[]
  let published: { at: Date; first: boolean } | null = null
  if (withhold) {
    const key = { scope: work.scope, year: query.year, asOf, now: work.now }
    const found = await tableAsPublished(work.tx, key, rows, work.principal, target, query.map)
    const sealed = found.table
    protectedWithin = found.protectedWithin
    published = { at: sealed.publishedAt, first: sealed.firstPublished }
    // Within the ward's parent (enclosingTable), the ward's own row is its figure.
    const shown = (figure: PublishedFigure) => target.unit.level !== 'ward' || figure.unitCode === target.unit.code
    indicators = sealed.indicators.map((indicator) => ({
      ...indicator,
      figures: indicator.figures
        .filter(shown)
        .map((figure) => breakdownView(indicator.definition.kind, figure, setOf(indicator.definition))),
    }))
  } else {
    const computed = await indicatorFigures(work.tx, {
      scope: work.scope,
      year: query.year,
      target,
      windowFrom,
      asOf,
      now: work.now,
      setsFor: (definition) => {
        const set = setOf(definition)
        return set.length > 0 ? [set] : []
      },
    })
    indicators = computed.map((indicator) => ({
      definition: indicator.definition,
      target: indicator.target,
      available: indicator.available,
      figures: publishFigures(publicationMeta(indicator.definition), indicator.figures, false),
    }))
  }
  await work.audit({
    action,
    resourceType: 'indicator_values',
    unitCode: target.unit.code,
    outcome: 'success',
    details: {
      year: query.year,
      asOf,
      breakdown: wanted,
      withheld: withhold,
      ...(protectedWithin ? { protectedWithin } : {}),
      ...(query.map ? { map: query.map } : {}),
      ...(published ? { publishedAt: published.at.toISOString(), firstPublished: published.first } : {}),
    },
  })
  return {
    year: query.year,
    windowFrom,
    asOf,
    mapDate: query.map ?? null,
    target,
    indicators,
    withhold,
    publishedAt: published?.at ?? null,
  }
}

/** What choosing the table a unit is read off needs: the units, the caller, the period's window and map. */
interface Reading {
  rows: readonly UnitRow[]
  principal: Principal
  window: { from: string; to: string }
  mapDate: string | undefined
}

/**
 * The table a city system's ward is protected in: its parent's on the same map, when the system may read
 * that too. Small counts are withheld together with the cells they could be recovered from, and which
 * cells those are depends on the whole table: a ward protected on its own could show a cell that the
 * parent's table withholds, and the two responses side by side would give it away. Null for a table
 * above a ward, a system that can read only the ward, or a ward directly under a unit composed of the tables
 * below it (tablesBelow), which reads that ward in a table of its own.
 */
function enclosingTable(reading: Reading, target: UnitWithWards): UnitWithWards | null {
  if (target.unit.level !== 'ward') return null
  const parentCode = reading.rows.find((row) => row.code === target.unit.code)?.parentCode
  const parent = parentCode ? readableTable(reading, parentCode) : null
  if (!parent?.wards.some((ward) => ward.code === target.unit.code)) return null
  // The parent composed of tables below it (tablesBelow) reads its own wards each in a table of its own.
  return tablesBelow(reading, parent) ? null : parent
}

/** The table of unit `code` on the reading's map, or null where the caller may not read it (or it has none). */
function readableTable({ rows, principal, window, mapDate }: Reading, code: string): UnitWithWards | null {
  try {
    return resolveUnit(rows, principal, code, window, { mapDate })
  } catch (error) {
    if (error instanceof HttpProblem) return null
    throw error
  }
}

/**
 * The tables a unit is published from where its wards are exactly those of units below it (the city on the 2024
 * map and in 2025 until its new wards came, each of its wards in its district), or those and wards directly under
 * it (the city for a 2025 closing day from July: its district's old wards on the window's map, beside its seven
 * new wards): those units' tables, and each ward directly under it in a table of its own, where the caller may read
 * them (composedTable). Protected with each other, 21 wards by every breakdown were more than the disclosure control
 * solves in minutes. Null for any other unit, which is published in its own table or, a ward, in its parent's
 * (enclosingTable).
 */
function tablesBelow(reading: Reading, target: UnitWithWards): UnitWithWards[] | null {
  if (target.unit.level === 'ward' || target.wards.length === 0) return null
  const parentOf = new Map(reading.rows.map((row) => [row.code, row.parentCode]))
  const parents = new Set(target.wards.map((ward) => parentOf.get(ward.code) ?? null))
  if (parents.has(null)) return null
  const own = target.wards.filter((ward) => parentOf.get(ward.code) === target.unit.code)
  if (own.length === target.wards.length) return null
  parents.delete(target.unit.code)
  const parts = [
    ...[...parents].map((code) => readableTable(reading, code!)),
    ...own.map((ward) => readableTable(reading, ward.code)),
  ]
  if (parts.some((part) => part === null)) return null
  const wards = new Set(target.wards.map((ward) => ward.code))
  const listed = parts.flatMap((part) => part!.wards.map((ward) => ward.code))
  return listed.length === wards.size && new Set(listed).size === wards.size && listed.every((code) => wards.has(code))
    ? (parts as UnitWithWards[])
    : null
}

/**
 * The table a named group of wards is read off: that of the highest unit above its wards that the caller may
 * read and that lists them all (the city's), or null where there is none. Protected as a table of its own, the
 * group would list the same wards as that table and could withhold other cells of them.
 */
function groupRoot(reading: Reading, target: UnitWithWards): UnitWithWards | null {
  if (target.unit.level !== 'ward_group' || target.wards.length === 0) return null
  const parentOf = new Map(reading.rows.map((row) => [row.code, row.parentCode]))
  const ancestors: string[] = []
  for (let code = parentOf.get(target.wards[0]!.code); code && ancestors.length < 6; code = parentOf.get(code))
    ancestors.push(code)
  const wards = target.wards.map((ward) => ward.code)
  for (const code of ancestors.reverse()) {
    const candidate = readableTable(reading, code)
    const listed = new Set(candidate?.wards.map((ward) => ward.code))
    if (candidate && wards.every((ward) => listed.has(ward))) return candidate
  }
  return null
}

/**
 * The wards of a named group that has no groupRoot, each as the caller may read it alone, or null where any is not,
 * or its table alone does not list it (an abolished ward whose records a group of today counts in the ward that
 * took it whole: alone it lists no ward), or the group has none: the group is then read off the tables its wards
 * are read in (groupOfWardTables).
 */
function wardsApart(reading: Reading, target: UnitWithWards): UnitWithWards[] | null {
  if (target.unit.level !== 'ward_group' || target.wards.length === 0) return null
  const wards = target.wards.map((ward) => readableTable(reading, ward.code))
  const listsItself = (ward: UnitWithWards | null) => ward?.wards.some((listed) => listed.code === ward.unit.code)
  return wards.every(listsItself) ? (wards as UnitWithWards[]) : null
}

/**
 * A closed period's table of `target` as published to a caller from whom small counts are withheld, in the
 * table it is protected in (groupRoot, wardsApart, tablesBelow, enclosingTable, or its own), and the units of the
 * tables it was protected in where those are others.
 */
export async function tableAsPublished(
  tx: Tx,
  key: { scope: Scope; year: number; asOf: string; now: Date },
  rows: readonly UnitRow[],
  principal: Principal,
  target: UnitWithWards,
  mapDate: string | undefined,
): Promise<{ table: PublishedTable; protectedWithin: string | null }> {
  const reading = { rows, principal, window: { from: `${key.year}-01-01`, to: key.asOf }, mapDate }
  const root = groupRoot(reading, target)
  if (root) {
    const { table, protectedWithin } = await tableAsPublished(tx, key, rows, principal, root, mapDate)
    return { table: groupOfTable(table, target), protectedWithin: protectedWithin ?? root.unit.code }
  }
  const apart = wardsApart(reading, target)
  if (apart) {
    const tables = new Map<string, PublishedTable>()
    const read: { wardCode: string; table: PublishedTable }[] = []
    for (const ward of apart) {
      const within = enclosingTable(reading, ward) ?? ward
      let table = tables.get(within.unit.code)
      if (!table) tables.set(within.unit.code, (table = await publishedTable(tx, { ...key, table: within })))
      read.push({ wardCode: ward.unit.code, table })
    }
    return { table: groupOfWardTables(read, target), protectedWithin: [...tables.keys()].join(',') }
  }
  const parts = tablesBelow(reading, target)
  if (parts) {
    const table = await composedTable(tx, key, target, parts)
    return { table, protectedWithin: parts.map((part) => part.unit.code).join(',') }
  }
  const within = enclosingTable(reading, target)
  return {
    table: await publishedTable(tx, { ...key, table: within ?? target }),
    protectedWithin: within?.unit.code ?? null,
  }
}

/** The indicator table as the API shows it (IndicatorTable), small cells withheld when the caller may not see them. */
export function publishTable(table: ValuesTable) {
  return {
    year: table.year,
    asOf: table.asOf,
    windowFrom: table.windowFrom,
    map: table.mapDate,
    unit: table.target.unit,
    wards: table.target.wards.map((ward) => ({
      code: ward.code,
      nameVi: ward.nameVi,
      ...(ward.offMap ? { offMap: ward.offMap } : {}),
      ...(ward.offMap === 'abolished' ? { abolished: true } : {}),
    })),
    smallCellsWithheld: table.withhold,
    publishedAt: table.publishedAt?.toISOString() ?? null,
    indicators: table.indicators.map((indicator) => ({
      code: indicator.definition.code,
      version: indicator.definition.version,
      nameVi: indicator.definition.nameVi,
      nameEn: indicator.definition.nameEn,
      kind: indicator.definition.kind,
      source: indicator.definition.source,
      available: indicator.available,
      target: indicator.target,
      values: indicator.figures,
    })),
  }
}

/** The indicator table as a document to export (XLSX, CSV or JSON), audited as an export. */
export async function valuesExport(work: Work, query: Static<typeof ValuesExportQuery>) {
  const table = await valuesTable(work, query, 'indicator.values.export')
  const { target } = table
  const names = new Map([...target.wards, target.unit].map((unit) => [unit.code, unit.nameVi]))
  const indicators = publishTable(table).indicators.filter((indicator) => indicator.available)
  return {
    fileName: `indicators-${target.unit.code}-${table.asOf.replace(/-/g, '')}`,
    title: `Số liệu chỉ tiêu bảo vệ, chăm sóc trẻ em năm ${table.year}`,
    unit: target.unit,
    superior: target.superior?.nameVi ?? target.unit.nameVi,
    place: placeOf(target),
    period: `Kế hoạch năm ${table.year} - ${target.unit.nameVi}`,
    windowFrom: table.windowFrom,
    asOf: table.asOf,
    generatedAt: work.now,
    sections: [],
    rows: exportRows(indicators, names),
  }
}
