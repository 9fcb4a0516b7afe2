/**
 * Which map a table of figures is counted on, and where each record counts on it. The 2025
 * reorganisation left two maps of wards: a record is filed at one ward of one of them (an old ward until
 * it is re-homed, a new one after), and a table lists the wards of one map. Pure: the units with their
 * validity and lineage come in.
 *
 * - By default a period is counted on the map of its window (the wards valid at some time in it). A
 *   record re-homed since counts at the ward it left when that ward is on the map, so re-homing leaves the
 *   figures of periods before the reform as they were; a record still at a ward abolished before the
 *   window counts in a row of its own ("not yet re-homed"), so the rows add up to the unit's total.
 * - With a map date (`map=`), the period is reprojected onto the wards valid on that date: a record at a
 *   ward abolished before it counts where its residential group went (or the ward's only successor); a
 *   record at a ward created after it counts at the ward it was re-homed from, else where its group came
 *   from (or the ward's only predecessor). What the mapping cannot place stays in a row of its own ward.
 */
import type { UnitRow } from './repository.js'

/** A row of the table that is not a ward of its map: records no mapping placed on it. */
export type OffMap = 'abolished' | 'created_later'

interface ListedWard {
  row: UnitRow
  offMap?: OffMap
}

/** Where the records of a table count: read from `sources`, each at its ward when that ward is `kept`, else looked up. */
export interface Projection {
  /** The wards whose records are read. */
  sources: string[]
  /** The wards whose records all count where they are filed: the map's, and (by default) the abolished ones with a row of their own. */
  kept: string[]
  /** The ward a record counts at, by its residential group: for records of a ward neither kept nor moved back. */
  byGroup: Record<string, string>
  /** The ward a record counts at, by its ward, when its group does not say. */
  byWard: Record<string, string>
  /** The wards of the map: a record re-homed from one of them counts there. */
  movedBackTo: string[]
  /** The wards created after the map: only their records may have been re-homed from it. */
  createdAfter: string[]
}

export interface TableMap {
  /** The wards listed, in code order: the map's, then any with a row of their own. */
  wards: ListedWard[]
  projection: Projection
  /** True when a map date was asked for: figures kept per ward (reports, assessments) cannot follow. */
  reprojected: boolean
}

const validWithin = (row: UnitRow, from: string, to: string) =>
  row.validFrom <= to && (row.validTo === null || row.validTo >= from)

/** The wards below `unit` (the unit itself, or a group's wards) valid at some time between `from` and `to`. */
function wardsBelow(rows: readonly UnitRow[], unit: UnitRow, from: string, to: string): UnitRow[] {
  const below = new Map<string, UnitRow[]>()
  for (const row of rows) if (row.parentCode) below.set(row.parentCode, [...(below.get(row.parentCode) ?? []), row])
  const wards: UnitRow[] = []
  const visit = (node: UnitRow) => {
    if (node.level === 'ward') {
      if (validWithin(node, from, to)) wards.push(node)
      return
    }
    for (const child of below.get(node.code) ?? []) visit(child)
  }
  if (unit.members) {
    const byCode = new Map(rows.map((row) => [row.code, row]))
    for (const code of unit.members) {
      const member = byCode.get(code)
      if (member) visit(member)
    }
  } else visit(unit)
  return wards
}

/** Every ward the unit has held at any time (a group: its wards): whom a table of it could ever be about. */
export function everyWardOf(rows: readonly UnitRow[], unit: UnitRow): string[] {
  return unit.level === 'ward' ? [unit.code] : wardsBelow(rows, unit, '0001-01-01', '9999-12-31').map((row) => row.code)
}

function successorsByCode(rows: readonly UnitRow[]): Map<string, string[]> {
  const successors = new Map<string, string[]>()
  for (const row of rows) {
    for (const predecessor of row.predecessors)
      successors.set(predecessor, [...(successors.get(predecessor) ?? []), row.code])
  }
  return successors
}

/** The ward a unit stands for: a ward itself, a residential group its ward. */
function wardOf(byCode: ReadonlyMap<string, UnitRow>, code: string): string | undefined {
  const unit = byCode.get(code)
  if (unit?.level === 'ward') return unit.code
  if (unit?.level === 'residential_group' && unit.parentCode) return unit.parentCode
  return undefined
}

/** The only ward of `codes` that lies on the map, when they all lead to one. */
function onlyWardOnMap(
  byCode: ReadonlyMap<string, UnitRow>,
  codes: readonly string[],
  onMap: ReadonlySet<string>,
): string | undefined {
  const wards = new Set(codes.map((code) => wardOf(byCode, code)))
  if (wards.size !== 1) return undefined
  const [ward] = [...wards]
  return ward !== undefined && onMap.has(ward) ? ward : undefined
}

/**
 * The map of a table for `unit` over `window`: the map of the window by default, or the wards valid on
 * `mapDate`. Null when the unit has no ward on that map.
 */
export function tableMap(
  rows: readonly UnitRow[],
  unit: UnitRow,
  window: { from: string; to: string },
  mapDate?: string,
): TableMap | null {
  const byCode = new Map(rows.map((row) => [row.code, row]))
  const successors = successorsByCode(rows)
  const [from, to] = mapDate === undefined ? [window.from, window.to] : [mapDate, mapDate]
  const onMapRows = wardsBelow(rows, unit, from, to)
  if (onMapRows.length === 0) return null
  const onMap = new Set(onMapRows.map((row) => row.code))
  // A record is placed on the whole map (a group of wards, or a ward, holds part of it): what lands on a
  // ward outside the unit is not the unit's.
  const wholeMap = new Set(
    rows.filter((row) => row.level === 'ward' && validWithin(row, from, to)).map((row) => row.code),
  )
  const listed: ListedWard[] = onMapRows.map((row) => ({ row }))
  const sources = new Set(onMap)
  const kept = new Set(onMap)
  const byGroup: Record<string, string> = {}
  const byWard: Record<string, string> = {}
  const createdAfter = new Set<string>()
  const groupsOf = (ward: string) => rows.filter((row) => row.level === 'residential_group' && row.parentCode === ward)
  const wardsAmong = (codes: readonly string[]) => codes.filter((code) => byCode.get(code)?.level === 'ward')
  // A row of its own is for a table of several wards, and only for a ward whose relatives on the map all
  // lie in the unit: records no mapping places belong to each of them, and a unit holding only some
  // would count what is also another unit's.
  const ownRowAllowed = (relatives: readonly string[]) =>
    unit.level !== 'ward' && relatives.filter((code) => wholeMap.has(code)).every((code) => onMap.has(code))

  for (const ward of onMapRows) {
    // Wards abolished before the map: their records not yet re-homed.
    for (const code of wardsAmong(ward.predecessors)) {
      const old = byCode.get(code)!
      if (sources.has(code) || old.validTo === null || old.validTo >= from) continue
      const ownRow = ownRowAllowed(wardsAmong(successors.get(code) ?? []))
      if (mapDate === undefined) {
        if (!ownRow) continue
        sources.add(code)
        kept.add(code)
        listed.push({ row: old, offMap: 'abolished' })
        continue
      }
      sources.add(code)
      for (const group of groupsOf(code)) {
        const target = onlyWardOnMap(byCode, successors.get(group.code) ?? [], wholeMap)
        if (target) byGroup[group.code] = target
      }
      const target = onlyWardOnMap(byCode, wardsAmong(successors.get(code) ?? []), wholeMap)
      if (target) byWard[code] = target
      else if (ownRow) listed.push({ row: old, offMap: 'abolished' })
    }
    // Wards created after the map: the records re-homed there, and (reprojected) those filed there since.
    for (const code of wardsAmong(successors.get(ward.code) ?? [])) {
      const later = byCode.get(code)!
      if (sources.has(code) || later.validFrom <= to) continue
      sources.add(code)
      createdAfter.add(code)
      if (mapDate === undefined) continue
      for (const group of groupsOf(code)) {
        const target = onlyWardOnMap(byCode, group.predecessors, wholeMap)
        if (target) byGroup[group.code] = target
      }
      const target = onlyWardOnMap(byCode, wardsAmong(later.predecessors), wholeMap)
      if (target) byWard[code] = target
      else if (ownRowAllowed(wardsAmong(later.predecessors))) listed.push({ row: later, offMap: 'created_later' })
    }
  }
  const projection: Projection = {
    sources: [...sources].sort(),
    kept: [...kept].sort(),
    byGroup,
    byWard,
    movedBackTo: [...wholeMap].sort(),
    createdAfter: [...createdAfter].sort(),
  }
  return {
    wards: listed.sort((a, b) => a.row.code.localeCompare(b.row.code)),
    projection,
    reprojected: mapDate !== undefined,
  }
}
