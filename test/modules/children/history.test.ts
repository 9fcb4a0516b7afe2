import t from 'tap'
import { redactChanges } from '../../../src/modules/children/history.js'
import type { FieldChange } from '../../../src/modules/children/tables.js'

t.test('what a reader without registry:sensitive sees of a revision', async (t) => {
  const cases: [string, FieldChange, boolean][] = [
    ['a name', { field: 'fullName', from: 'A', to: 'B' }, true],
    ['ethnicity', { field: 'ethnicityCode', from: null, to: '01' }, false],
    ['a yes/no about disability', { field: 'hasDisability', from: false, to: true }, false],
    ['a health note', { field: 'healthNote', from: 'x', to: 'y' }, false],
    ['a membership of group a', { field: 'circumstance', from: null, to: { kind: 'group', groupCode: 'a' } }, true],
    [
      'a disability membership recorded before group d was sensitive',
      { field: 'circumstance', from: null, to: { kind: 'group', groupCode: 'd' } },
      false,
    ],
    ['a membership of HIV (đ) ended', { field: 'circumstance', from: { groupCode: 'đ' }, to: null }, false],
    ['a risk without a group', { field: 'circumstance', from: null, to: { kind: 'risk', groupCode: null } }, true],
    ['a care record', { field: 'care', from: null, to: { kind: 'allowance' } }, true],
  ]
  for (const [name, change, shown] of cases) t.same(redactChanges([change]), shown ? [change] : [], name)
})
