import t from 'tap'
import { coversUnit, resolveScope, type Scope, type UnitNode } from '../../../src/platform/scope.js'
import { mappingProblems, parseMappingCsv } from '../../../src/modules/reform/mapping-rules.js'
import { abolishedWards, claimProblems, previewOf } from '../../../src/modules/reform/rules.js'
import { inactiveUnitProblem, isAbolished, rehomingTarget } from '../../../src/modules/units/tree.js'

// A small map: old ward W1 split into N1 and N2 (its groups W1-G1 → N1-G1, W1-G2 → N2 directly, W1-G3
// unmapped); old ward W2 went whole to N2; N3 is a ward with no predecessor.
const tree: UnitNode[] = [
  { code: 'P', level: 'province', parentCode: null },
  { code: 'D', level: 'district', parentCode: 'P', validTo: '2025-06-30' },
  { code: 'W1', level: 'ward', parentCode: 'D', validTo: '2025-06-30' },
  { code: 'W2', level: 'ward', parentCode: 'D', validTo: '2025-06-30' },
  { code: 'W1-G1', level: 'residential_group', parentCode: 'W1', validTo: '2025-06-30' },
  { code: 'W1-G2', level: 'residential_group', parentCode: 'W1', validTo: '2025-06-30' },
  { code: 'W1-G3', level: 'residential_group', parentCode: 'W1', validTo: '2025-06-30' },
  { code: 'N1', level: 'ward', parentCode: 'P', validTo: null, predecessors: ['W1'] },
  { code: 'N2', level: 'ward', parentCode: 'P', validTo: null, predecessors: ['W1', 'W2', 'W1-G2'] },
  { code: 'N3', level: 'ward', parentCode: 'P', validTo: null },
  { code: 'N1-G1', level: 'residential_group', parentCode: 'N1', validTo: null, predecessors: ['W1-G1'] },
]
const today = '2026-12-03'
const home = (wardCode: string, residentialGroupCode: string | null = null) => ({ wardCode, residentialGroupCode })

t.test('where a record at an abolished ward belongs now', async (t) => {
  const cases: [string, ReturnType<typeof home>, ReturnType<typeof home> | null][] = [
    ['its group went to a group of a new ward', home('W1', 'W1-G1'), home('N1', 'N1-G1')],
    ['its group went to a new ward directly', home('W1', 'W1-G2'), home('N2')],
    ['a split ward and an unmapped group: nowhere yet', home('W1', 'W1-G3'), null],
    ['a split ward and no group: nowhere yet', home('W1'), null],
    ['a ward that went whole to one successor', home('W2'), home('N2')],
    ['a ward that still exists: nothing to do', home('N1'), null],
    ['an unknown ward: nothing to do', home('X'), null],
  ]
  for (const [name, from, expected] of cases) t.same(rehomingTarget(tree, from, today), expected, name)
  t.equal(rehomingTarget(tree, home('W2'), '2025-06-30'), null, 'before the ward ceased there is nothing to re-home')
})

t.test('abolished wards and the inactive-unit rule', async (t) => {
  t.same(abolishedWards(tree, today), ['W1', 'W2'])
  t.same(abolishedWards(tree, '2025-06-01'), [])
  t.ok(isAbolished(tree[2], today))
  t.notOk(isAbolished(tree[2], '2025-06-30'), 'its last day it still exists')
  t.notOk(isAbolished(undefined, today))
  const refused = inactiveUnitProblem(tree, tree[2]!, { today, historyAllowed: false }, '/address/wardCode')
  t.match(refused, { code: 'unit_not_active', message: /after 2025-06-30; its records now belong to N1, N2/ })
  t.equal(inactiveUnitProblem(tree, tree[2]!, { today, historyAllowed: true }, '/x'), null, 'backfill')
  t.equal(inactiveUnitProblem(tree, tree[2]!, { today: '2025-06-30', historyAllowed: false }, '/x'), null)
  t.equal(inactiveUnitProblem(tree, tree[7]!, { today, historyAllowed: false }, '/x'), null, 'a ward in force')
})

t.test('scope by lineage: a successor ward holds what is still filed at its predecessors', async (t) => {
  const cases: [string[], Scope][] = [
    [['N1'], { all: false, wards: ['N1', 'W1'], groups: [] }],
    [['N2'], { all: false, wards: ['N2', 'W1', 'W2'], groups: [] }],
    [['N3'], { all: false, wards: ['N3'], groups: [] }],
    [['W1'], { all: false, wards: ['W1'], groups: [] }],
    [['N1-G1'], { all: false, wards: [], groups: ['N1-G1'] }],
  ]
  for (const [assigned, expected] of cases) t.same(resolveScope(tree, assigned), expected, assigned.join())
})

t.test('claiming an unplaced record', async (t) => {
  const officerN1: Scope = { all: false, wards: ['N1', 'W1'], groups: [] }
  const cases: [string, ReturnType<typeof home>, ReturnType<typeof home>, string | null][] = [
    ['into the officer’s successor ward', home('W1'), home('N1'), null],
    ['into a group of it', home('W1'), home('N1', 'N1-G1'), null],
    ['a group of another ward', home('W1'), home('N1', 'W1-G1'), 'invalid_group'],
    ['a successor the officer does not hold', home('W1'), home('N2'), 'unit_out_of_scope'],
    ['a ward that is no successor', home('W1'), home('N3'), 'not_a_successor'],
    ['a record not at an abolished ward', home('N1'), home('N1'), 'not_unplaced'],
    ['a record the mapping places (in N1, by its group)', home('W1', 'W1-G1'), home('N1'), 'placed_by_mapping'],
  ]
  for (const [name, from, to, code] of cases) {
    const problems = claimProblems(tree, officerN1, from, to, today)
    t.same(
      problems.map((p) => p.code),
      code ? [code] : [],
      name,
    )
  }
})

t.test('the preview adds up: every record is either placed in a successor or unplaced', async (t) => {
  const preview = previewOf(
    tree,
    [
      { recordType: 'child', fromWard: 'W1', fromGroup: 'W1-G1', count: 3 },
      { recordType: 'child', fromWard: 'W1', fromGroup: null, count: 2 },
      { recordType: 'household', fromWard: 'W2', fromGroup: null, count: 4 },
      { recordType: 'incident', fromWard: 'W1', fromGroup: 'W1-G2', count: 1 },
    ],
    today,
  )
  t.same(preview.bySuccessor, [
    { wardCode: 'N1', households: 0, children: 3, incidents: 0 },
    { wardCode: 'N2', households: 4, children: 0, incidents: 1 },
  ])
  t.same(preview.unplaced, [{ wardCode: 'W1', households: 0, children: 2, incidents: 0 }])
  t.same(preview.total, { households: 4, children: 5, incidents: 1 })
})

t.test('the mapping an administrator loads', async (t) => {
  const entry = (residentialGroupCode: string, successorCode: string) => ({
    residentialGroupCode,
    successorCode,
    confirmed: true,
  })
  const cases: [string, ReturnType<typeof entry>[], string[]][] = [
    ['a group to a group of a successor', [entry('W1-G3', 'N1-G1')], []],
    ['a group to a successor ward', [entry('W1-G3', 'N2')], []],
    ['a group named twice', [entry('W1-G3', 'N2'), entry('W1-G3', 'N1')], ['duplicate_group']],
    ['not a group of an abolished ward', [entry('N1-G1', 'N2')], ['not_an_abolished_group']],
    ['a successor that is abolished too', [entry('W1-G3', 'W2')], ['invalid_successor']],
    ['an unknown successor', [entry('W1-G3', 'Z')], ['invalid_successor']],
    ['a ward its ward did not go to', [entry('W1-G3', 'N3')], ['not_a_successor']],
  ]
  for (const [name, entries, codes] of cases) {
    t.same(
      mappingProblems(tree, entries).map((p) => p.code),
      codes,
      name,
    )
  }
})

t.test('the mapping as CSV', async (t) => {
  t.same(parseMappingCsv('\uFEFFresidentialGroupCode,successorCode\r\nW1-G3,N2\r\n\r\n'), {
    entries: [{ residentialGroupCode: 'W1-G3', successorCode: 'N2', confirmed: true, line: 2 }],
    problems: [],
  })
  t.same(parseMappingCsv('residentialGroupCode,successorCode,confirmed\nW1-G3,N2,false\n').entries, [
    { residentialGroupCode: 'W1-G3', successorCode: 'N2', confirmed: false, line: 2 },
  ])
  t.match(mappingProblems(tree, parseMappingCsv('residentialGroupCode,successorCode\n\nW1-G3,N3\n').entries), [
    { pointer: '/line/3', message: /^successorCode is not under a successor of W1/, code: 'not_a_successor' },
  ])
  const cases: [string, string, string][] = [
    ['a wrong header', 'group,successor\nW1-G3,N2', 'invalid_header'],
    ['a missing cell', 'residentialGroupCode,successorCode\nW1-G3', 'invalid_line'],
    ['a quoted or spaced code', 'residentialGroupCode,successorCode\n"W1 G3",N2', 'invalid_line'],
    ['confirmed not a boolean', 'residentialGroupCode,successorCode,confirmed\nW1-G3,N2,yes', 'invalid_line'],
  ]
  for (const [name, text, code] of cases) {
    t.same(
      parseMappingCsv(text).problems.map((p) => p.code),
      [code],
      name,
    )
  }
})

t.test('what an administrator may manage: a unit their jurisdiction covers whole', async (t) => {
  const scopeOf = (...assigned: string[]) => resolveScope(tree, assigned)
  const cases: [string, Scope, string, boolean][] = [
    ['its own ward', scopeOf('N1'), 'N1', true],
    ['a group of its own ward', scopeOf('N1'), 'N1-G1', true],
    ['an abolished ward it shares with another successor', scopeOf('N1'), 'W1', false],
    ['an abolished ward with every successor held', scopeOf('N1', 'N2'), 'W1', true],
    ['an abolished ward it alone succeeded', scopeOf('N2'), 'W2', true],
    ['another ward', scopeOf('N1'), 'N3', false],
    ['the province above it', scopeOf('N1'), 'P', false],
    ['a group only: its group', scopeOf('N1-G1'), 'N1-G1', true],
    ['a group only: not its ward', scopeOf('N1-G1'), 'N1', false],
    ['the province: all of it', scopeOf('P'), 'D', true],
    ['an unknown unit', scopeOf('P'), 'nowhere', false],
    ['the service itself', { all: true, wards: [], groups: [] }, 'nowhere', true],
  ]
  for (const [name, caller, code, expected] of cases) t.equal(coversUnit(tree, caller, code), expected, name)
})
