/**
 * Indicator figures per unit: the measures' cells folded into ward figures and the unit's total, judged
 * against the plan's targets. Publishing them to the caller is publication.ts; the routes' work is service.ts.
 */
import { sql } from 'drizzle-orm'
import type { Tx } from '../../db/client.js'
import type { Principal } from '../../platform/auth.js'
import { HttpProblem } from '../../platform/problem.js'
import { isUnitInScope, type Scope } from '../../platform/scope.js'
import { loadWorkingCalendar } from '../calendar/repository.js'
import { addDays, startOfLocalDay } from '../calendar/rules.js'
import { MeasureSource, measures, type Dimension } from './measures.js'
import { listDefinitions, listTargets, periodsOfYear, type IndicatorDefinition, type UnitRow } from './repository.js'
import {
  figureMet,
  figureValue,
  orderCells,
  sumBreakdowns,
  type BreakdownCell,
  type IndicatorKind,
  type Target,
} from './rules.js'

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
  /** False when the service has no measure for the definition (e.g. no registry review is recorded yet). */
  available: boolean
  /** The wards' figures (when the unit is above a ward), then the unit's own. */
  figures: Figure[]
}

interface UnitRef {
  code: string
  nameVi: string
  level: string
  /** A ward abolished before the window, counted for what is still filed there (not yet re-homed). */
  abolished?: boolean
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
    setsFor: (definition: IndicatorDefinition) => Dimension[][]
  },
): Promise<IndicatorFigures[]> {
  const { wards } = source.context
  const results: IndicatorFigures[] = []
  for (const definition of options.definitions) {
    const target = options.targets.get(definition.code) ?? null
    const measure = measures[definition.measure]
    if (!measure) {
      results.push({ definition, target, available: false, figures: [] })
      continue
    }
    const sets = options.setsFor(definition)
    const cellsFor = await measure(source, sets)
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
        figures.push(figure(ward, 'ward', (set) => cellsFor(set).filter((c) => c.key.ward === ward)))
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
  /** Wards whose figures make up the unit's: the unit itself, or every ward below it valid at some time in the window. */
  wards: UnitRef[]
}

/**
 * Resolves the `unit` of a request: by default the caller's only unit. 400 (422 in a body) for an unknown
 * unit or a residential group (figures are kept per ward), 403 when the caller's jurisdiction does not cover
 * every ward of it: a partial district total would read as the district's.
 */
export function resolveUnit(
  rows: readonly UnitRow[],
  principal: Principal,
  requested: string | undefined,
  window: { from: string; to: string },
  location: 'querystring' | 'body' = 'querystring',
  pointer = '/unit',
): UnitWithWards {
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
  const below = new Map<string, UnitRow[]>()
  for (const row of rows) if (row.parentCode) below.set(row.parentCode, [...(below.get(row.parentCode) ?? []), row])
  const wards: UnitRow[] = []
  const visit = (node: UnitRow) => {
    if (node.level === 'ward') {
      if (node.validFrom <= window.to && (node.validTo === null || node.validTo >= window.from)) wards.push(node)
      return
    }
    for (const child of below.get(node.code) ?? []) visit(child)
  }
  visit(unit)
  // After the 2025 reorganisation a period is counted on the new map; what is still filed at an abolished
  // ward that one of the new wards succeeded gets a row of its own, so that the wards add up to the total.
  const counted = new Set(wards.map((ward) => ward.code))
  const pending: UnitRow[] = []
  if (unit.level !== 'ward') {
    for (const ward of [...wards]) {
      for (const code of ward.predecessors) {
        const predecessor = byCode.get(code)
        if (predecessor?.level !== 'ward' || !predecessor.validTo || counted.has(code)) continue
        counted.add(code)
        pending.push(predecessor)
        wards.push(predecessor)
      }
    }
  }
  const outside = wards.filter((ward) => !isUnitInScope(principal.scope, ward.code, null))
  if (unit.level === 'ward' ? !isUnitInScope(principal.scope, unit.code, null) : outside.length > 0) {
    throw new HttpProblem(403, 'unit_out_of_scope', `Your jurisdiction does not cover all of unit ${code}.`, {
      extensions: { unitCode: code },
    })
  }
  const ref = (row: UnitRow): UnitRef => ({
    code: row.code,
    nameVi: row.nameVi,
    level: row.level,
    ...(pending.includes(row) ? { abolished: true } : {}),
  })
  const superior = unit.parentCode ? byCode.get(unit.parentCode) : undefined
  return {
    unit: ref(unit),
    superior: superior ? ref(superior) : null,
    wards: wards.sort((a, b) => a.code.localeCompare(b.code)).map(ref),
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
  const targets = new Map(
    (await listTargets(tx, options.year)).map((row) => [
      row.indicatorCode,
      { comparator: row.comparator, value: row.value, unit: row.unit },
    ]),
  )
  const periods = await periodsOfYear(tx, options.year)
  const calendar = await loadWorkingCalendar(tx)
  const source = new MeasureSource({
    tx,
    scope: options.scope,
    wards: options.target.wards.map((ward) => ward.code),
    windowFrom: options.windowFrom,
    asOf: options.asOf,
    cutoff: cutoffOf(options.asOf, options.now),
    calendar,
    periods,
    breakdowns: new Map(definitions.map((definition) => [definition.measure, options.setsFor(definition)])),
  })
  return computeIndicators(source, { definitions, targets, unit: options.target.unit, setsFor: options.setsFor })
}

export function isAvailable(definition: Pick<IndicatorDefinition, 'measure'>): boolean {
  return Object.hasOwn(measures, definition.measure)
}
