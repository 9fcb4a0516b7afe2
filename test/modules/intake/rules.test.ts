import t from 'tap'
import { maxReceiptAgeDays, receiptProblems, routeAddress } from '../../../src/modules/intake/rules.js'
import type { UnitNode } from '../../../src/platform/scope.js'

t.test('a stated receipt is believed within the last week and not in the future', async (t) => {
  const now = new Date('2025-09-10T09:00:00+07:00')
  const hour = 60 * 60 * 1000
  const cases: [string, number, string[]][] = [
    ['three hours ago', -3 * hour, []],
    ['a minute ahead (clock skew)', 60 * 1000, []],
    ['an hour ahead', hour, ['time_in_future']],
    ['exactly a week ago', -maxReceiptAgeDays * 24 * hour, []],
    ['a week and a minute ago', -maxReceiptAgeDays * 24 * hour - 60 * 1000, ['receipt_too_old']],
  ]
  for (const [name, offset, codes] of cases) {
    t.same(
      receiptProblems(new Date(now.getTime() + offset), now).map((problem) => problem.code),
      codes,
      name,
    )
  }
})

t.test('an address is routed to a ward of today', async (t) => {
  // OLD-A went whole to NEW-A; OLD-S was split between NEW-A and NEW-B, its groups mapped one by one.
  const tree: UnitNode[] = [
    { code: '01', level: 'province', parentCode: null },
    { code: 'OLD-A', level: 'ward', parentCode: '01', validTo: '2025-06-30' },
    { code: 'OLD-S', level: 'ward', parentCode: '01', validTo: '2025-06-30' },
    { code: 'OLD-S-R01', level: 'residential_group', parentCode: 'OLD-S', validTo: '2025-06-30' },
    { code: 'OLD-S-R02', level: 'residential_group', parentCode: 'OLD-S', validTo: '2025-06-30' },
    { code: 'NEW-A', level: 'ward', parentCode: '01', predecessors: ['OLD-A', 'OLD-S'] },
    { code: 'NEW-B', level: 'ward', parentCode: '01', predecessors: ['OLD-S'] },
    { code: 'NEW-A-R01', level: 'residential_group', parentCode: 'NEW-A', predecessors: ['OLD-S-R01'] },
    { code: 'NEW-B-R01', level: 'residential_group', parentCode: 'NEW-B', predecessors: ['OLD-S-R02'] },
  ]
  const today = '2025-09-10'
  const cases: [string, { wardCode?: string; residentialGroupCode?: string }, unknown][] = [
    ['a ward of today', { wardCode: 'NEW-B' }, { wardCode: 'NEW-B', residentialGroupCode: null, routedBy: 'ward' }],
    [
      'a residential group of today',
      { residentialGroupCode: 'NEW-B-R01' },
      { wardCode: 'NEW-B', residentialGroupCode: 'NEW-B-R01', routedBy: 'residential_group' },
    ],
    [
      'a ward that went whole to one successor',
      { wardCode: 'OLD-A' },
      { wardCode: 'NEW-A', residentialGroupCode: null, routedBy: 'successor' },
    ],
    [
      'a group of a split ward, by the mapping',
      { wardCode: 'OLD-S', residentialGroupCode: 'OLD-S-R02' },
      { wardCode: 'NEW-B', residentialGroupCode: 'NEW-B-R01', routedBy: 'successor' },
    ],
    ['a split ward without its group', { wardCode: 'OLD-S' }, 'ward_not_resolved'],
    ['a group and another ward', { wardCode: 'NEW-A', residentialGroupCode: 'NEW-B-R01' }, 'address_mismatch'],
    ['nothing to route by', {}, 'address_required'],
    ['not a ward', { wardCode: '01' }, 'invalid_ward'],
    ['not a group', { residentialGroupCode: 'NEW-A' }, 'invalid_group'],
  ]
  for (const [name, address, expected] of cases) {
    const routed = routeAddress(tree, address, today)
    if (typeof expected === 'string') t.equal('problem' in routed && routed.problem.code, expected, name)
    else t.same('routing' in routed && routed.routing, expected, name)
  }
})
