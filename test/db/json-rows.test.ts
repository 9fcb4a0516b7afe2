import t from 'tap'
import { rowFromJson } from '../../src/db/json-rows.js'
import { careRecords, children } from '../../src/modules/children/tables.js'

t.test('a row rendered as JSON reads back as a SELECT would have read it', async (t) => {
  const care = rowFromJson(careRecords, {
    id: 'c0000000-0000-4000-8000-000000000001',
    child_id: 'c0000000-0000-4000-8000-000000000002',
    province_code: '01',
    ward_code: '00301',
    residential_group_code: null,
    kind: 'allowance',
    provider: 'UBND phường',
    start_date: '2024-01-01',
    end_date: null,
    amount_vnd: 540000,
    note: null,
    version: 2,
    created_at: '2024-06-01T09:30:00.123456+07:00',
    created_by: 'u1',
    updated_at: '2024-06-02T00:00:00+00:00',
  })
  t.same(care, {
    id: 'c0000000-0000-4000-8000-000000000001',
    childId: 'c0000000-0000-4000-8000-000000000002',
    provinceCode: '01',
    wardCode: '00301',
    residentialGroupCode: null,
    kind: 'allowance',
    provider: 'UBND phường',
    startDate: '2024-01-01',
    endDate: null,
    amountVnd: 540000,
    note: null,
    version: 2,
    createdAt: new Date('2024-06-01T02:30:00.123Z'),
    createdBy: 'u1',
    updatedAt: new Date('2024-06-02T00:00:00Z'),
  })
  t.ok(care.createdAt instanceof Date, 'timestamps become Dates')

  const child = rowFromJson(children, {
    id: 'x',
    caregivers: [{ name: 'Bà Hoa', relationship: 'grandparent' }],
    full_name: 'Lê Thị Mai',
  })
  t.same(child.caregivers, [{ name: 'Bà Hoa', relationship: 'grandparent' }], 'JSON members pass through')
  t.equal(child.fullName, 'Lê Thị Mai')
  t.equal(child.deletedAt, null, 'absent members read as null')
})
