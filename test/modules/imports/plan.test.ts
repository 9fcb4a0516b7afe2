import t from 'tap'
import type { ChildRow } from '../../../src/modules/children/repository.js'
import type { HouseholdRow } from '../../../src/modules/households/repository.js'
import {
  planChildRow,
  planHouseholdRow,
  readChildRow,
  readHouseholdRow,
  type ChildLookup,
  type Cells,
  type PlanContext,
} from '../../../src/modules/imports/plan.js'
import type { UnitNode } from '../../../src/platform/scope.js'

const tree: UnitNode[] = [
  { code: '01', level: 'province', parentCode: null },
  { code: '008', level: 'district', parentCode: '01' },
  { code: '00301', level: 'ward', parentCode: '008' },
  { code: '00304', level: 'ward', parentCode: '008' },
  { code: '00301-T1', level: 'residential_group', parentCode: '00301' },
]
const context: PlanContext = {
  asOf: '2024-06-15',
  tree,
  scope: { all: false, wards: ['00301'], groups: [] },
  sensitiveAllowed: true,
  ethnicities: new Set(['01', '02']),
}
const notSensitive: PlanContext = { ...context, sensitiveAllowed: false }
const nothingFound: ChildLookup = {
  existing: null,
  deleted: false,
  personalIdOwner: null,
  householdKnown: false,
  memberships: [],
  possibleDuplicate: null,
}

const row: Cells = {
  externalId: 'A-1',
  fullName: 'Nguyễn Văn An',
  sex: 'Nam',
  dateOfBirth: '02/03/2019',
  wardCode: '00301',
}

function stored(overrides: Partial<ChildRow> = {}): ChildRow {
  return {
    id: '7d2a0f4c-2a7e-4f2a-9a3b-1c2d3e4f5a6b',
    provinceCode: '01',
    wardCode: '00301',
    residentialGroupCode: null,
    streetAddress: null,
    householdId: null,
    relationshipToHead: null,
    fullName: 'Nguyễn Văn An',
    nameFolded: 'nguyen van an',
    nameSyllables: ['nguyen', 'van', 'an'],
    dateOfBirth: '2019-03-02',
    birthYear: 2019,
    effectiveBirthDate: '2019-03-02',
    birthDatePrecision: 'exact',
    sex: 'male',
    ethnicityCode: null,
    personalId: null,
    birthRegistered: null,
    schoolingStatus: null,
    hasDisability: false,
    disabilityNote: null,
    healthNote: null,
    caregivers: [],
    status: 'active',
    statusDate: null,
    movedTo: null,
    mergedInto: null,
    source: '00301',
    externalId: 'A-1',
    version: 3,
    createdAt: new Date('2024-01-01T00:00:00Z'),
    updatedAt: new Date('2024-01-01T00:00:00Z'),
    createdBy: null,
    updatedBy: null,
    deletedAt: null,
    deletedReason: null,
    ...overrides,
  }
}

function plan(cells: Cells, lookup: Partial<ChildLookup> = {}, ctx = context) {
  return planChildRow(readChildRow(cells, ctx), cells, { ...nothingFound, ...lookup }, ctx)
}

const codes = (result: ReturnType<typeof plan>) =>
  result.problems.map((problem) => `${problem.column ?? '-'}:${problem.code}`)

t.test('a new row is created with the registry’s values', async (t) => {
  const result = plan({
    ...row,
    personalId: '1219012345',
    ethnicityCode: '1',
    birthRegistered: 'x',
    groupCodes: 'a dd',
  })
  t.equal(result.outcome, 'created')
  if (result.outcome === 'rejected') return
  t.match(result.record, {
    sex: 'male',
    dateOfBirth: '2019-03-02',
    birthYear: 2019,
    birthDatePrecision: 'exact',
    personalId: '001219012345',
    ethnicityCode: '01',
    birthRegistered: true,
  })
  t.same(result.groupsToStart, ['a', 'đ'])
  t.ok(
    result.changes.some((change) => change.field === 'status' && change.to === 'active'),
    'the create revision lists what POST /v1/children stores',
  )
})

t.test('rejections, each with its column and stable code', async (t) => {
  const cases: [string, Cells, Partial<ChildLookup>, PlanContext, string[]][] = [
    ['formula', { ...row, fullName: '=cmd()' }, {}, context, ['fullName:formula_rejected']],
    ['no key', { ...row, externalId: '' }, {}, context, ['externalId:external_id_required']],
    ['impossible date', { ...row, dateOfBirth: '31/02/2019' }, {}, context, ['dateOfBirth:invalid_date']],
    ['no birth date', { ...row, dateOfBirth: '' }, {}, context, ['dateOfBirth:birth_date_required']],
    ['born in the future', { ...row, dateOfBirth: '01/07/2024' }, {}, context, ['dateOfBirth:date_in_future']],
    ['16 or older', { ...row, dateOfBirth: '14/06/2008' }, {}, context, ['dateOfBirth:not_a_child']],
    ['year against date', { ...row, birthYear: '2018' }, {}, context, ['birthYear:birth_year_mismatch']],
    ['bad sex', { ...row, sex: 'x' }, {}, context, ['sex:invalid_value']],
    ['empty name', { ...row, fullName: '' }, {}, context, ['fullName:required']],
    ['long name', { ...row, fullName: 'A'.repeat(201) }, {}, context, ['fullName:too_long']],
    ['bad personal id', { ...row, personalId: '12AB' }, {}, context, ['personalId:invalid_format']],
    ['shortened id', { ...row, personalId: '1.21901E+11' }, {}, context, ['personalId:invalid_format']],
    ['not a ward', { ...row, wardCode: '008' }, {}, context, ['wardCode:invalid_ward']],
    ['another ward', { ...row, wardCode: '00304' }, {}, context, ['wardCode:unit_out_of_scope']],
    [
      'group of another ward',
      { ...row, residentialGroupCode: 'XX' },
      {},
      context,
      ['residentialGroupCode:invalid_group'],
    ],
    ['unknown ethnicity', { ...row, ethnicityCode: '77' }, {}, context, ['ethnicityCode:unknown_ethnicity']],
    ['unknown group', { ...row, groupCodes: 'a f' }, {}, context, ['groupCodes:unknown_group']],
    [
      'sensitive group without the permission',
      { ...row, groupCodes: 'đ' },
      {},
      notSensitive,
      ['groupCodes:sensitive_field_forbidden'],
    ],
    [
      'health note without the permission',
      { ...row, healthNote: 'HIV' },
      {},
      notSensitive,
      ['healthNote:sensitive_field_forbidden'],
    ],
    [
      'ethnicity and disability without the permission',
      { ...row, ethnicityCode: '01', hasDisability: 'có' },
      {},
      notSensitive,
      ['ethnicityCode:sensitive_field_forbidden', 'hasDisability:sensitive_field_forbidden'],
    ],
    ['bad yes/no', { ...row, hasDisability: 'perhaps' }, {}, context, ['hasDisability:invalid_value']],
    ['bad schooling', { ...row, schoolingStatus: 'college' }, {}, context, ['schoolingStatus:invalid_value']],
    ['bad household id', { ...row, householdId: '42' }, {}, context, ['householdId:invalid_format']],
    [
      'unknown household',
      { ...row, householdId: '7d2a0f4c-2a7e-4f2a-9a3b-000000000000' },
      {},
      context,
      ['householdId:unknown_household'],
    ],
    [
      'id taken',
      { ...row, personalId: '001219012345' },
      { personalIdOwner: 'someone-else' },
      context,
      ['personalId:personal_id_taken'],
    ],
    ['unknown record id', { ...row, id: '7d2a0f4c-2a7e-4f2a-9a3b-000000000001' }, {}, context, ['id:unknown_id']],
    ['deleted record', row, { deleted: true }, context, ['externalId:record_deleted']],
  ]
  for (const [name, cells, lookup, ctx, expected] of cases) {
    const result = plan(cells, lookup, ctx)
    t.equal(result.outcome, 'rejected', name)
    t.same(codes(result), expected, name)
  }
})

t.test('empty sensitive cells are no write: an importer without the permission may leave them', async (t) => {
  const result = plan({ ...row, ethnicityCode: '', healthNote: '', hasDisability: '' }, {}, notSensitive)
  t.equal(result.outcome, 'created')
  t.same(codes(result), [])
  const kept = plan(
    { ...row, ethnicityCode: '', hasDisability: '' },
    { existing: stored({ ethnicityCode: '01', hasDisability: true }) },
    notSensitive,
  )
  t.equal(kept.outcome, 'unchanged', 'nor do they clear what the importer cannot see')
})

t.test('warnings do not block: personal ID mismatches, a likely duplicate', async (t) => {
  const result = plan(
    { ...row, personalId: '001315099999' },
    { possibleDuplicate: 'c0ffee00-0000-4000-8000-000000000000' },
  )
  t.equal(result.outcome, 'created')
  t.same(codes(result).sort(), [
    'fullName:possible_duplicate',
    'personalId:personal_id_birth_year_mismatch',
    'personalId:personal_id_sex_mismatch',
  ])
  t.ok(result.problems.every((problem) => problem.severity === 'warning'))
})

t.test('the same values over a stored record change nothing', async (t) => {
  const cases: [string, Cells, Partial<ChildRow>][] = [
    ['as stored', row, {}],
    ['spacing and Unicode form differ', { ...row, fullName: '  Nguyễn  Văn An'.normalize('NFD') }, {}],
    [
      'a month-precision date, as the export writes it',
      { ...row, dateOfBirth: '2019-03-15' },
      { dateOfBirth: '2019-03-15', birthDatePrecision: 'month' },
    ],
    [
      'a year-precision record: no date, the year',
      { ...row, dateOfBirth: '', birthYear: '2019' },
      { dateOfBirth: null, birthDatePrecision: 'year' },
    ],
    [
      'the export’s read-only columns',
      { ...row, status: 'aged_out', atRisk: 'true', hasValidHealthInsurance: 'false' },
      {},
    ],
  ]
  for (const [name, cells, overrides] of cases) {
    const result = plan(cells, { existing: stored(overrides) })
    t.equal(result.outcome, 'unchanged', name)
    t.same(result.problems, [], name)
  }
})

t.test('a changed row updates, listing old and new values', async (t) => {
  const result = plan({ ...row, streetAddress: 'Số 5 ngõ 12', dateOfBirth: '03/03/2019' }, { existing: stored() })
  t.equal(result.outcome, 'updated')
  if (result.outcome === 'rejected') return
  t.same(
    result.changes.map((change) => [change.field, change.from, change.to]),
    [
      ['dateOfBirth', '2019-03-02', '2019-03-03'],
      ['streetAddress', null, 'Số 5 ngõ 12'],
    ],
  )
  const cleared = plan({ ...row, streetAddress: '' }, { existing: stored({ streetAddress: 'Số 1' }) })
  t.equal(cleared.outcome, 'updated', 'an empty cell clears the value')
  const aged = plan(row, { existing: stored({ dateOfBirth: '2008-01-01', birthYear: 2008 }) })
  t.equal(aged.outcome, 'updated', 'a stored record may be of someone now 16 (only new records must be children)')
})

t.test('rows of an export match by id and may give the record its externalId', async (t) => {
  const child = stored({ externalId: null, source: null })
  const linked = plan({ ...row, id: child.id, externalId: 'X-9' }, { existing: child })
  t.equal(linked.outcome, 'updated')
  if (linked.outcome !== 'rejected') t.equal(linked.linksExternalId, 'X-9')
  const other = plan({ ...row, id: child.id, externalId: 'X-9' }, { existing: stored() })
  t.same(codes(other), ['externalId:external_id_mismatch'])
})

t.test('group memberships follow the row, leaving what the importer may not see', async (t) => {
  const memberships = [
    { id: 'm-a', groupCode: 'a', startDate: '2020-01-01', endDate: null },
    { id: 'm-c', groupCode: 'c', startDate: '2020-01-01', endDate: null },
    { id: 'm-d', groupCode: 'd', startDate: '2020-01-01', endDate: null },
    { id: 'm-dd', groupCode: 'đ', startDate: '2020-01-01', endDate: null },
    { id: 'm-b', groupCode: 'b', startDate: '2020-01-01', endDate: '2024-06-15' },
  ]
  const result = plan({ ...row, groupCodes: 'a b k' }, { existing: stored(), memberships }, notSensitive)
  if (result.outcome === 'rejected') return t.fail(codes(result).join())
  t.equal(result.outcome, 'updated')
  t.same(result.groupsToStart, ['k'], 'b ends today, so it is still there; only k is new')
  t.same(
    result.groupsToEnd.map((m) => m.id),
    ['m-c'],
    'c is ended; the sensitive d (disability) and đ (HIV) stay for an importer who cannot see them',
  )
  const again = plan(
    { ...row, groupCodes: 'a' },
    { existing: stored(), memberships: [memberships[0]!, memberships[4]!] },
    notSensitive,
  )
  t.equal(again.outcome, 'unchanged', 'a membership ended today is not ended again')
})

t.test('households: the household book’s rules', async (t) => {
  const household: Cells = {
    externalId: 'H-1',
    headName: 'Trần  Văn Bình',
    wardCode: '301',
    povertyStatus: 'Hộ cận nghèo',
    povertyFrom: '01/01/2024',
  }
  const created = planHouseholdRow(readHouseholdRow(household), { existing: null, deleted: false }, context)
  t.equal(created.outcome, 'created')
  if (created.outcome !== 'rejected')
    t.match(created.record, {
      headName: 'Trần Văn Bình',
      wardCode: '00301',
      povertyStatus: 'near_poor',
      povertyFrom: '2024-01-01',
    })
  const bad: [Cells, string[]][] = [
    [{ ...household, povertyStatus: 'rich' }, ['povertyStatus:invalid_value']],
    [{ ...household, povertyTo: '31/12/2023' }, ['povertyTo:invalid_range']],
    [{ ...household, povertyFrom: '2024-13-01' }, ['povertyFrom:invalid_date']],
    [{ ...household, wardCode: '00304' }, ['wardCode:unit_out_of_scope']],
    [{ ...household, headName: '' }, ['headName:required']],
  ]
  for (const [cells, expected] of bad) {
    const result = planHouseholdRow(readHouseholdRow(cells), { existing: null, deleted: false }, context)
    t.same(
      result.problems.map((problem) => `${problem.column}:${problem.code}`),
      expected,
      JSON.stringify(cells),
    )
  }
  const stored: HouseholdRow = {
    id: '5a5a5a5a-2a7e-4f2a-9a3b-1c2d3e4f5a6b',
    provinceCode: '01',
    wardCode: '00301',
    residentialGroupCode: null,
    streetAddress: null,
    headName: 'Trần Văn Bình',
    headNameFolded: 'tran van binh',
    povertyStatus: 'near_poor',
    povertyFrom: '2024-01-01',
    povertyTo: null,
    members: [],
    source: '00301',
    externalId: 'H-1',
    version: 1,
    createdAt: new Date(),
    updatedAt: new Date(),
    createdBy: null,
    updatedBy: null,
    deletedAt: null,
    deletedReason: null,
  }
  t.equal(
    planHouseholdRow(readHouseholdRow(household), { existing: stored, deleted: false }, context).outcome,
    'unchanged',
  )
  const moved = planHouseholdRow(
    readHouseholdRow({ ...household, povertyStatus: 'Không' }),
    { existing: stored, deleted: false },
    context,
  )
  t.equal(moved.outcome, 'updated')
  if (moved.outcome !== 'rejected') t.same(moved.changedFields, ['povertyStatus'])
})
