/**
 * Indicator figures per unit: the measures' cells folded into ward figures and the unit's total, judged
 * against the plan's targets. Publishing them to the caller is publication.ts; the routes' work is service.ts.
 */
import { sql } from 'drizzle-orm'
import type { Tx } from '../../db/client.js'
import type { Principal } from '../../platform/auth.js'
import { HttpProblem } from '../../platform/problem.js'
import { isUnitInScope, type Scope } from '../../platform/scope.js'
import { addDays, startOfLocalDay } from '../calendar/rules.js'
import { loadDeadlineRules } from '../incidents/repository.js'
import { everyWardOf, tableMap, type OffMap, type Projection } from './maps.js'
import { MeasureSource, measures, type Dimension } from './measures.js'
import {
  listDefinitions,
  targetsByIndicator,
  periodsOfYear,
  type IndicatorDefinition,
  type UnitRow,
} from './repository.js'
import {
  figureMet,
  figureValue,
  orderCells,
  sumBreakdowns,
  type BreakdownCell,
  type IndicatorKind,
  type Target,
} from './rules.js'

/**
 * Measures of facts kept per ward (its reports, its assessment) rather than per record: a ward of one map
 * has no such facts on the other, so a reprojected table shows them as not available.
 */
const wardFacts = new Set([
  'reports.wards_with_plan_count',
  'reports.periodic_on_time_share',
  'assessments.wards_recognised_count',
])

interface Cell {
  key: Record<string, string>
  numerator: number
  denominator: number
  value: number | null
}

interface Breakdown {
  dimensions: Dimension[]
  cells: Cell[]
}

/** One unit's figure for one indicator, before publication. */
export interface Figure {
  unitCode: string
  numerator: number
  denominator: number
  value: number | null
  met: boolean | null
  breakdowns: Breakdown[]
}

export interface IndicatorFigures {
  definition: IndicatorDefinition
  target: Target | null
  /**
   * False when the service has no measure for the definition (e.g. no registry review is recorded yet), or
   * when the table is reprojected and the measure counts facts kept per ward.
   */
  available: boolean
  /** The wards' figures (when the unit is above a ward), then the unit's own. */
  figures: Figure[]
}

interface UnitRef {
  code: string
  nameVi: string
  level: string
  /** A row that is not a ward of the table's map: records filed at it that no mapping placed on the map. */
  offMap?: OffMap
}

function toCells(kind: IndicatorKind, cells: readonly BreakdownCell[], dimensions: readonly Dimension[]): Cell[] {
  return orderCells(
    sumBreakdowns(cells, dimensions)
      .filter((c) => c.numerator !== 0 || c.denominator !== 0)
      .map((c) => ({
        key: c.key,
        numerator: c.numerator,
        denominator: c.denominator,
        value: figureValue(kind, c.numerator, c.denominator),
      })),
    dimensions,
  )
}

/**
 * Every indicator's figures for the wards and the unit. `setsFor` names the breakdowns to compute for
 * each indicator (none, one combination, or each dimension on its own for a report).
 */
async function computeIndicators(
  source: MeasureSource,
  options: {
    definitions: readonly IndicatorDefinition[]
    targets: ReadonlyMap<string, Target>
    unit: UnitRef
    reprojected: boolean
    setsFor: (definition: IndicatorDefinition) => Dimension[][]
  },
): Promise<IndicatorFigures[]> {
  const { wards } = source.context
  // Records read from wards around the map that count at no ward of the table are not the unit's.
  const counted = new Set(options.unit.level === 'ward' ? [options.unit.code] : wards)
  const results: IndicatorFigures[] = []
  for (const definition of options.definitions) {
    const target = options.targets.get(definition.code) ?? null
    const measure = measures[definition.measure]
    if (!measure || (options.reprojected && wardFacts.has(definition.measure))) {
      results.push({ definition, target, available: false, figures: [] })
      continue
    }
    const sets = options.setsFor(definition)
    const measured = await measure(source, sets)
    // Each combination folded once and split by ward, not folded again for every ward: a measure that judges
    // cases one by one hands over a cell per case (16,000 in a district's year).
    const folded = new Map<string, { cells: BreakdownCell[]; byWard: Map<string, BreakdownCell[]> }>()
    const foldedFor = (set: readonly Dimension[]) => {
      const id = set.join()
      let known = folded.get(id)
      if (!known) {
        const cells = measured(set).filter((c) => counted.has(c.key.ward!))
        const byWard = new Map<string, BreakdownCell[]>()
        for (const c of cells) {
          const list = byWard.get(c.key.ward!)
          if (list) list.push(c)
          else byWard.set(c.key.ward!, [c])
        }
        folded.set(id, (known = { cells, byWard }))
      }
      return known
    }
    const cellsFor = (set: readonly Dimension[]) => foldedFor(set).cells
    const figure = (unitCode: string, level: string, cells: (set: readonly Dimension[]) => BreakdownCell[]): Figure => {
      const own = sumBreakdowns(cells([]), [])[0] ?? { numerator: 0, denominator: 0 }
      const value = figureValue(definition.kind, own.numerator, own.denominator)
      return {
        unitCode,
        numerator: own.numerator,
        denominator: own.denominator,
        value,
        met: figureMet(target, { value, numerator: own.numerator, denominator: own.denominator }, level),
        breakdowns: sets.map((set) => ({ dimensions: set, cells: toCells(definition.kind, cells(set), set) })),
      }
    }
    const figures: Figure[] = []
    if (options.unit.level !== 'ward') {
      for (const ward of wards) {
        figures.push(figure(ward, 'ward', (set) => foldedFor(set).byWard.get(ward) ?? []))
      }
    }
    figures.push(figure(options.unit.code, options.unit.level, cellsFor))
    results.push({ definition, target, available: true, figures })
  }
  return results
}

// ---------------------------------------------------------------------------------------------
// The unit asked about, and the whole computation

export interface UnitWithWards {
  unit: UnitRef
  /** The unit's superior (the district of a ward), for the letterhead of an export. */
  superior: UnitRef | null
  /** The wards listed: the unit itself, or every ward of its map below it, then any with a row of their own. */
  wards: UnitRef[]
  /** Which wards' records are read, and where each counts. */
  projection: Projection
  /** Whether the table is reprojected onto a map other than its window's (`map=`). */
  reprojected: boolean
}

/**
 * Resolves the `unit` of a request: by default the caller's only unit. 400 (422 in a body) for an unknown
 * unit or a residential group (figures are kept per ward), or a unit with no ward on the map asked for;
 * 403 when the caller's jurisdiction does not cover every ward listed (a partial district total would
 * read as the district's) or, reprojected, every ward whose records are read.
 */
export function resolveUnit(
  rows: readonly UnitRow[],
  principal: Pick<Principal, 'units' | 'scope'>,
  requested: string | undefined,
  window: { from: string; to: string },
  options: { location?: 'querystring' | 'body'; pointer?: string; mapDate?: string } = {},
): UnitWithWards {
  const { location = 'querystring', pointer = '/unit', mapDate } = options
  const status = location === 'body' ? 422 : 400
  const code = requested ?? (principal.units.length === 1 ? principal.units[0] : undefined)
  if (code === undefined) {
    throw new HttpProblem(status, 'unit_required', 'Name the unit: your account holds several.', {
      errors: [{ location, pointer, message: 'is required' }],
    })
  }
  const byCode = new Map(rows.map((row) => [row.code, row]))
  const unit = byCode.get(code)
  if (!unit || unit.level === 'residential_group') {
    throw new HttpProblem(status, 'unknown_unit', `No ward or unit above a ward has the code ${code}.`, {
      errors: [{ location, pointer, message: 'is not a ward, district or province' }],
    })
  }
  const map = tableMap(rows, unit, window, mapDate)
  if (map === null && mapDate !== undefined) {
    throw new HttpProblem(400, 'unit_not_on_map', `Unit ${code} has no ward on the map of ${mapDate}.`, {
      errors: [{ location: 'querystring', pointer: '/map', message: `has no ward of unit ${code}` }],
    })
  }
  const listed = map?.wards ?? []
  const read = map && mapDate !== undefined ? map.projection.sources : []
  // A unit with no ward in the window is still checked against its wards: its empty table (and a report
  // made of it) is no one else's to hold.
  const whose =
    listed.length > 0 && unit.level !== 'ward' ? listed.map((ward) => ward.row.code) : everyWardOf(rows, unit)
  const covered = [...whose, ...read]
  if (covered.some((ward) => !isUnitInScope(principal.scope, ward, null))) {
    throw new HttpProblem(403, 'unit_out_of_scope', `Your jurisdiction does not cover all of unit ${code}.`, {
      extensions: { unitCode: code },
    })
  }
  const ref = (row: UnitRow, offMap?: OffMap): UnitRef => ({
    code: row.code,
    nameVi: row.nameVi,
    level: row.level,
    ...(offMap ? { offMap } : {}),
  })
  const superior = unit.parentCode ? byCode.get(unit.parentCode) : undefined
  return {
    unit: ref(unit),
    superior: superior ? ref(superior) : null,
    wards: listed.map((ward) => ref(ward.row, ward.offMap)),
    projection: map?.projection ?? {
      sources: [],
      kept: [],
      byGroup: {},
      byWard: {},
      movedBackTo: [],
      createdAfter: [],
    },
    reprojected: map?.reprojected ?? false,
  }
}

/** What is known at the end of `asOf`: everything recorded before the next local midnight, and not after now. */
function cutoffOf(asOf: string, now: Date): Date {
  const endOfDay = startOfLocalDay(addDays(asOf, 1))
  return endOfDay.getTime() < now.getTime() ? endOfDay : now
}

/** Every indicator's figures for a unit over a window, read live from the tables in the caller's transaction. */
export async function indicatorFigures(
  tx: Tx,
  options: {
    scope: Scope
    year: number
    target: UnitWithWards
    windowFrom: string
    asOf: string
    now: Date
    setsFor: (definition: IndicatorDefinition) => Dimension[][]
  },
): Promise<IndicatorFigures[]> {
  if (options.windowFrom > options.asOf) {
    throw new HttpProblem(
      409,
      'window_not_started',
      `The figures' window starts on ${options.windowFrom}, after ${options.asOf}: there is nothing to count yet.`,
      {
        extensions: { windowFrom: options.windowFrom, asOf: options.asOf },
      },
    )
  }
  // Short aggregates: compiling them would cost more than running them (jit), and their sorts and hash
  // tables stay in memory (work_mem). Scanning the registry tallies (~200,000 rows for a district of a
  // million children) is worth two parallel workers — 90 ms against 160 ms alone — where the default
  // setup cost sometimes has the planner think otherwise. The year's incidents find their children
  // through the index (15,000 probes of pages in memory) rather than by reading all 115,000 children of
  // every incident, once the planner no longer prices a page read at four sequential ones.
  await tx.execute(
    sql`select set_config('jit', 'off', true), set_config('work_mem', '64MB', true),
               set_config('parallel_setup_cost', '100', true), set_config('random_page_cost', '1.1', true)`,
  )
  const definitions = await listDefinitions(tx)
  const targets = await targetsByIndicator(tx, options.year)
  const periods = await periodsOfYear(tx, options.year)
  const deadlines = await loadDeadlineRules(tx)
  const source = new MeasureSource({
    tx,
    scope: options.scope,
    wards: options.target.wards.map((ward) => ward.code),
    projection: options.target.projection,
    windowFrom: options.windowFrom,
    asOf: options.asOf,
    cutoff: cutoffOf(options.asOf, options.now),
    deadlines,
    periods,
    breakdowns: new Map(definitions.map((definition) => [definition.measure, options.setsFor(definition)])),
  })
  return computeIndicators(source, {
    definitions,
    targets,
    unit: options.target.unit,
    reprojected: options.target.reprojected,
    setsFor: options.setsFor,
  })
}

export function isAvailable(definition: Pick<IndicatorDefinition, 'measure'>): boolean {
  return Object.hasOwn(measures, definition.measure)
}
