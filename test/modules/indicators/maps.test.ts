import t from 'tap'
import { tableMap, type TableMap } from '../../../src/modules/indicators/maps.js'
import type { UnitRow } from '../../../src/modules/indicators/repository.js'

// A small world of two maps: district D with old wards A (split between X and Y by its groups), B (went
// whole to Y) and C (split, no groups mapped); from 2025-07-01 new wards X and Y directly under city P.
const unit = (
  code: string,
  level: string,
  parentCode: string | null,
  validFrom: string,
  validTo: string | null,
  predecessors: string[] = [],
): UnitRow => ({ code, nameVi: code, level, parentCode, validFrom, validTo, predecessors })

const rows: UnitRow[] = [
  unit('P', 'province', null, '2008-08-01', null),
  unit('D', 'district', 'P', '2008-08-01', '2025-06-30'),
  unit('A', 'ward', 'D', '2008-08-01', '2025-06-30'),
  unit('A-1', 'residential_group', 'A', '2008-08-01', '2025-06-30'),
  unit('A-2', 'residential_group', 'A', '2008-08-01', '2025-06-30'),
  unit('B', 'ward', 'D', '2008-08-01', '2025-06-30'),
  unit('C', 'ward', 'D', '2008-08-01', '2025-06-30'),
  unit('X', 'ward', 'P', '2025-07-01', null, ['A', 'C']),
  unit('X-1', 'residential_group', 'X', '2025-07-01', null, ['A-1']),
  unit('Y', 'ward', 'P', '2025-07-01', null, ['A', 'B', 'C']),
  unit('Y-1', 'residential_group', 'Y', '2025-07-01', null, ['A-2']),
  { ...unit('G-X', 'ward_group', null, '0001-01-01', null), members: ['X'] },
  { ...unit('G-XY', 'ward_group', null, '0001-01-01', null), members: ['X', 'Y'] },
]
const byCode = new Map(rows.map((row) => [row.code, row]))
const year = (y: number) => ({ from: `${y}-01-01`, to: `${y}-12-31` })

const summary = (map: TableMap | null) =>
  map && {
    listed: map.wards.map((ward) => (ward.offMap ? `${ward.row.code} (${ward.offMap})` : ward.row.code)),
    ...map.projection,
    reprojected: map.reprojected,
  }

const cases: {
  name: string
  unit: string
  window: { from: string; to: string }
  mapDate?: string
  expected: ReturnType<typeof summary>
}[] = [
  {
    name: 'a period before the reform, on its map: the old wards; records re-homed since come back',
    unit: 'P',
    window: year(2024),
    expected: {
      listed: ['A', 'B', 'C'],
      sources: ['A', 'B', 'C', 'X', 'Y'],
      kept: ['A', 'B', 'C'],
      byGroup: {},
      byWard: {},
      movedBackTo: ['A', 'B', 'C'],
      createdAfter: ['X', 'Y'],
      reprojected: false,
    },
  },
  {
    name: 'a period after the reform, on its map: the new wards and a row for each abolished one',
    unit: 'P',
    window: year(2026),
    expected: {
      listed: ['A (abolished)', 'B (abolished)', 'C (abolished)', 'X', 'Y'],
      sources: ['A', 'B', 'C', 'X', 'Y'],
      kept: ['A', 'B', 'C', 'X', 'Y'],
      byGroup: {},
      byWard: {},
      movedBackTo: ['X', 'Y'],
      createdAfter: [],
      reprojected: false,
    },
  },
  {
    name: 'the year of the reform holds both maps: nothing is projected',
    unit: 'P',
    window: year(2025),
    expected: {
      listed: ['A', 'B', 'C', 'X', 'Y'],
      sources: ['A', 'B', 'C', 'X', 'Y'],
      kept: ['A', 'B', 'C', 'X', 'Y'],
      byGroup: {},
      byWard: {},
      movedBackTo: ['A', 'B', 'C', 'X', 'Y'],
      createdAfter: [],
      reprojected: false,
    },
  },
  {
    name: '2024 reprojected onto today: groups follow their mapping, a whole ward its successor, split wards keep a row',
    unit: 'P',
    window: year(2024),
    mapDate: '2026-12-03',
    expected: {
      listed: ['A (abolished)', 'C (abolished)', 'X', 'Y'],
      sources: ['A', 'B', 'C', 'X', 'Y'],
      kept: ['X', 'Y'],
      byGroup: { 'A-1': 'X', 'A-2': 'Y' },
      byWard: { B: 'Y' },
      movedBackTo: ['X', 'Y'],
      createdAfter: [],
      reprojected: true,
    },
  },
  {
    name: '2026 reprojected onto the old map: re-homed records go back, groups to where they came from',
    unit: 'P',
    window: year(2026),
    mapDate: '2024-12-31',
    expected: {
      listed: ['A', 'B', 'C', 'X (created_later)', 'Y (created_later)'],
      sources: ['A', 'B', 'C', 'X', 'Y'],
      kept: ['A', 'B', 'C'],
      byGroup: { 'X-1': 'A', 'Y-1': 'A' },
      byWard: {},
      movedBackTo: ['A', 'B', 'C'],
      createdAfter: ['X', 'Y'],
      reprojected: true,
    },
  },
  {
    name: 'a new ward compared with 2024: its predecessors are read, no row of their own',
    unit: 'X',
    window: year(2024),
    mapDate: '2026-12-03',
    expected: {
      listed: ['X'],
      sources: ['A', 'C', 'X'],
      kept: ['X'],
      byGroup: { 'A-1': 'X', 'A-2': 'Y' },
      byWard: {},
      movedBackTo: ['X', 'Y'],
      createdAfter: [],
      reprojected: true,
    },
  },
  {
    name: 'a new ward on its own map counts what is filed at it, not its predecessors’ shared records',
    unit: 'X',
    window: year(2026),
    expected: {
      listed: ['X'],
      sources: ['X'],
      kept: ['X'],
      byGroup: {},
      byWard: {},
      movedBackTo: ['X', 'Y'],
      createdAfter: [],
      reprojected: false,
    },
  },
  {
    name: 'a group holding one successor of a split ward: no row for records that are also another ward’s',
    unit: 'G-X',
    window: year(2026),
    expected: {
      listed: ['X'],
      sources: ['X'],
      kept: ['X'],
      byGroup: {},
      byWard: {},
      movedBackTo: ['X', 'Y'],
      createdAfter: [],
      reprojected: false,
    },
  },
  {
    name: 'reprojected, it counts what the mapping places at its ward, nothing placed elsewhere',
    unit: 'G-X',
    window: year(2024),
    mapDate: '2026-12-03',
    expected: {
      listed: ['X'],
      sources: ['A', 'C', 'X'],
      kept: ['X'],
      byGroup: { 'A-1': 'X', 'A-2': 'Y' },
      byWard: {},
      movedBackTo: ['X', 'Y'],
      createdAfter: [],
      reprojected: true,
    },
  },
  {
    name: 'a group holding every successor has the rows of their predecessors',
    unit: 'G-XY',
    window: year(2026),
    expected: {
      listed: ['A (abolished)', 'B (abolished)', 'C (abolished)', 'X', 'Y'],
      sources: ['A', 'B', 'C', 'X', 'Y'],
      kept: ['A', 'B', 'C', 'X', 'Y'],
      byGroup: {},
      byWard: {},
      movedBackTo: ['X', 'Y'],
      createdAfter: [],
      reprojected: false,
    },
  },
  {
    name: 'a new ward has no place on the old map',
    unit: 'X',
    window: year(2026),
    mapDate: '2024-12-31',
    expected: null,
  },
  { name: 'nor in a year before it existed', unit: 'X', window: year(2024), expected: null },
]

for (const { name, unit: code, window, mapDate, expected } of cases) {
  t.test(name, async (t) => {
    t.same(summary(tableMap(rows, byCode.get(code)!, window, mapDate)), expected)
  })
}
