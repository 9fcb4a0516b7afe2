import t from 'tap'
import {
  childConsentAge,
  consentInForce,
  consentProblems,
  consentStanding,
  earliestBirthDate,
  partiesRequired,
  withdrawalProblems,
  type ConsentRecord,
} from '../../../src/modules/children/consent-rules.js'

const guardian = (givenOn: string, withdrawnOn: string | null = null): ConsentRecord => ({
  purpose: 'information_sharing',
  party: 'guardian',
  givenOn,
  withdrawnOn,
})
const child = (givenOn: string, withdrawnOn: string | null = null): ConsentRecord => ({
  purpose: 'information_sharing',
  party: 'child',
  givenOn,
  withdrawnOn,
})

t.test('a consent is in force from the day given until the day withdrawn', async (t) => {
  const cases: [string, ConsentRecord, string, boolean][] = [
    ['before it was given', guardian('2024-03-01'), '2024-02-29', false],
    ['the day it was given', guardian('2024-03-01'), '2024-03-01', true],
    ['long after, never withdrawn', guardian('2024-03-01'), '2026-12-05', true],
    ['the day before the withdrawal', guardian('2024-03-01', '2024-06-01'), '2024-05-31', true],
    ['the day of the withdrawal', guardian('2024-03-01', '2024-06-01'), '2024-06-01', false],
    ['withdrawn the day it was given', guardian('2024-03-01', '2024-03-01'), '2024-03-01', false],
  ]
  for (const [name, record, on, expected] of cases) t.equal(consentInForce(record, on), expected, name)
})

t.test("the child's own consent is needed from 7 (Decree 13/2023, Art. 20)", async (t) => {
  t.equal(childConsentAge, 7)
  const cases: [string, string | null, string, string[]][] = [
    ['a baby', '2024-01-01', '2024-06-01', ['guardian']],
    ['the day before the 7th birthday', '2017-06-15', '2024-06-14', ['guardian']],
    ['the 7th birthday', '2017-06-15', '2024-06-15', ['guardian', 'child']],
    ['a 15-year-old', '2009-01-01', '2024-06-15', ['guardian', 'child']],
    ['born on 29 February, the day before turning 7', '2016-02-29', '2023-02-28', ['guardian']],
    ['no birth date at all: the stricter reading', null, '2024-06-15', ['guardian', 'child']],
  ]
  for (const [name, birth, on, expected] of cases) t.same(partiesRequired(birth, on), expected, name)
})

t.test('the earliest a child can have been born', async (t) => {
  const cases: [string, Parameters<typeof earliestBirthDate>[0], string | null][] = [
    ['an exact date', { dateOfBirth: '2017-06-15', birthYear: 2017, birthDatePrecision: 'exact' }, '2017-06-15'],
    [
      'a month (stored as the 15th)',
      { dateOfBirth: '2017-06-15', birthYear: 2017, birthDatePrecision: 'month' },
      '2017-06-01',
    ],
    ['a year', { dateOfBirth: null, birthYear: 2017, birthDatePrecision: 'year' }, '2017-01-01'],
    [
      'a date the precision calls a year',
      { dateOfBirth: '2017-06-15', birthYear: null, birthDatePrecision: 'year' },
      '2017-01-01',
    ],
    ['a month without its date', { dateOfBirth: null, birthYear: 2017, birthDatePrecision: 'month' }, '2017-01-01'],
    ['nothing', { dateOfBirth: null, birthYear: null, birthDatePrecision: 'year' }, null],
  ]
  for (const [name, child, expected] of cases) t.equal(earliestBirthDate(child), expected, name)
})

t.test('where a purpose stands', async (t) => {
  const under7 = '2020-01-01'
  const over7 = '2012-01-01'
  const on = '2024-06-15'
  const cases: [string, ConsentRecord[], string, string, string[]][] = [
    ['nothing recorded', [], under7, 'missing', ['guardian']],
    ['the guardian consented, child under 7', [guardian('2024-01-01')], under7, 'given', []],
    ['the guardian alone, child over 7', [guardian('2024-01-01')], over7, 'missing', ['child']],
    ['both, child over 7', [guardian('2024-01-01'), child('2024-01-01')], over7, 'given', []],
    ['the child alone', [child('2024-01-01')], over7, 'missing', ['guardian']],
    ['the guardian withdrew', [guardian('2024-01-01', '2024-05-01')], under7, 'withdrawn', ['guardian']],
    ['a withdrawal still to come', [guardian('2024-01-01', '2024-07-01')], under7, 'given', []],
    [
      'withdrew, then consented again',
      [guardian('2023-01-01', '2023-06-01'), guardian('2024-01-01')],
      under7,
      'given',
      [],
    ],
    [
      'the child withdrew while the guardian stands',
      [guardian('2024-01-01'), child('2024-01-01', '2024-03-01')],
      over7,
      'withdrawn',
      ['child'],
    ],
    ['a consent given later than the day', [guardian('2024-07-01')], under7, 'missing', ['guardian']],
    [
      'a consent for another purpose',
      [{ ...guardian('2024-01-01'), purpose: 'sensitive_data' }],
      under7,
      'missing',
      ['guardian'],
    ],
  ]
  for (const [name, records, birth, status, missing] of cases) {
    t.same(
      consentStanding(records, 'information_sharing', birth, on),
      { purpose: 'information_sharing', status, missing },
      name,
    )
  }
})

t.test('what cannot be recorded', async (t) => {
  const today = '2024-06-15'
  const birth = '2015-04-04'
  const cases: [string, Parameters<typeof consentProblems>[0], string | null, string[]][] = [
    ['a guardian, in order', { party: 'guardian', relationship: 'mother', givenOn: '2024-01-01' }, birth, []],
    ['a child of 9, in order', { party: 'child', relationship: null, givenOn: '2024-01-01' }, birth, []],
    [
      'a day to come',
      { party: 'guardian', relationship: 'father', givenOn: '2024-06-16' },
      birth,
      ['/givenOn:date_in_future'],
    ],
    [
      'before the birth',
      { party: 'guardian', relationship: 'father', givenOn: '2015-04-03' },
      birth,
      ['/givenOn:before_birth'],
    ],
    [
      'a guardian who does not say who they are to the child',
      { party: 'guardian', relationship: null, givenOn: '2024-01-01' },
      birth,
      ['/relationship:relationship_required'],
    ],
    [
      'a child with a relationship',
      { party: 'child', relationship: 'mother', givenOn: '2024-01-01' },
      birth,
      ['/relationship:not_applicable'],
    ],
    [
      'a child of 6',
      { party: 'child', relationship: null, givenOn: '2022-04-03' },
      birth,
      ['/party:child_too_young_to_consent'],
    ],
    [
      'a child of unknown birth date may consent',
      { party: 'child', relationship: null, givenOn: '2024-01-01' },
      null,
      [],
    ],
  ]
  for (const [name, record, birthDate, expected] of cases) {
    t.same(
      consentProblems(record, birthDate, today).map((p) => `${p.pointer}:${p.code}`),
      expected,
      name,
    )
  }
  const withdrawals: [string, string, string[]][] = [
    ['today', '2024-06-15', []],
    ['the day it was given', '2024-01-01', []],
    ['a withdrawal to come', '2024-07-01', ['/withdrawnOn:date_in_future']],
    ['withdrawn before given', '2023-12-31', ['/withdrawnOn:before_consent']],
  ]
  for (const [name, withdrawnOn, expected] of withdrawals) {
    t.same(
      withdrawalProblems('2024-01-01', withdrawnOn, today).map((p) => `${p.pointer}:${p.code}`),
      expected,
      name,
    )
  }
})
