import t from 'tap'
import type { WorkingCalendar } from '../../../src/modules/calendar/rules.js'
import {
  allowedActions,
  answeredOnTime,
  consentProblems,
  isOverdue,
  nextState,
  responseDue,
  servesWard,
  unitAndAncestors,
  type ReferralAction,
  type ReferralState,
  type Urgency,
} from '../../../src/modules/referrals/rules.js'
import type { UnitNode } from '../../../src/platform/scope.js'

// 30 April and 1 May 2024 are public holidays (a Tuesday and a Wednesday).
const calendar: WorkingCalendar = {
  holidays: new Set(['2024-04-30', '2024-05-01']),
  workingWeekendDays: new Set(),
  coveredYears: new Set([2024]),
}
const skewMs = 2 * 60 * 1000

t.test('the response clock by urgency', async (t) => {
  const cases: [string, Urgency, string, string, boolean][] = [
    ['an emergency: 12 hours', 'emergency', '2024-06-10T09:00:00+07:00', '2024-06-10T21:00:00+07:00', false],
    [
      'urgent: 24 hours, across a weekend too',
      'urgent',
      '2024-06-08T09:00:00+07:00',
      '2024-06-09T09:00:00+07:00',
      false,
    ],
    [
      'routine: 3 working days, to the end of the day',
      'routine',
      '2024-06-10T09:00:00+07:00',
      '2024-06-13T23:59:59+07:00',
      false,
    ],
    [
      'routine sent on a Friday skips the weekend',
      'routine',
      '2024-06-14T16:00:00+07:00',
      '2024-06-19T23:59:59+07:00',
      false,
    ],
    ['routine skips the holidays', 'routine', '2024-04-29T09:00:00+07:00', '2024-05-06T23:59:59+07:00', false],
    [
      'routine into a year the calendar does not hold',
      'routine',
      '2024-12-31T09:00:00+07:00',
      '2025-01-03T23:59:59+07:00',
      true,
    ],
  ]
  for (const [name, urgency, sentAt, dueAt, calendarMissing] of cases) {
    const due = responseDue(urgency, new Date(sentAt), calendar)
    t.equal(due.dueAt.getTime(), Date.parse(dueAt), name)
    t.equal(due.calendarMissing, calendarMissing, `${name}: calendar coverage`)
  }
})

t.test('overdue while waiting past the clock, and answered on time or not', async (t) => {
  const dueAt = new Date('2024-06-10T12:00:00Z')
  const cases: [ReferralState, string, boolean][] = [
    ['sent', '2024-06-10T11:59:59Z', false],
    ['sent', '2024-06-10T12:00:00Z', false],
    ['sent', '2024-06-10T12:00:01Z', true],
    ['accepted', '2024-06-11T00:00:00Z', false],
    ['declined', '2024-06-11T00:00:00Z', false],
  ]
  for (const [state, now, overdue] of cases)
    t.equal(isOverdue(state, dueAt, new Date(now)), overdue, `${state} at ${now}`)
  t.equal(answeredOnTime(null, dueAt), null)
  t.equal(answeredOnTime(new Date('2024-06-10T12:00:00Z'), dueAt), true)
  t.equal(answeredOnTime(new Date('2024-06-10T12:00:01Z'), dueAt), false)
})

t.test('the states a referral moves through', async (t) => {
  const cases: [ReferralState, ReferralAction, ReferralState | null][] = [
    ['sent', 'accept', 'accepted'],
    ['sent', 'decline', 'declined'],
    ['sent', 'feedback', null],
    ['sent', 'close', 'closed'],
    ['accepted', 'accept', null],
    ['accepted', 'decline', null],
    ['accepted', 'feedback', 'feedback_given'],
    ['feedback_given', 'feedback', 'feedback_given'],
    ['feedback_given', 'close', 'closed'],
    ['declined', 'accept', null],
    ['declined', 'close', 'closed'],
    ['closed', 'close', null],
    ['closed', 'feedback', null],
  ]
  for (const [state, action, next] of cases) t.equal(nextState(state, action), next, `${state} + ${action}`)
  t.same(allowedActions('sent'), ['accept', 'decline', 'close'])
  t.same(allowedActions('closed'), [])
})

t.test('consent: the guardian’s, and the child’s own from 7, unless an emergency reason is given', async (t) => {
  const now = new Date('2024-06-10T09:00:00+07:00')
  const guardian = { party: 'guardian' as const, givenAt: '2024-06-10T08:00:00+07:00' }
  const child = { party: 'child' as const, givenAt: '2024-06-10T08:05:00+07:00' }
  const cases: [string, Parameters<typeof consentProblems>[0], string | undefined, number | null, string[]][] = [
    ['a child of 5: the guardian is enough', { parties: [guardian] }, undefined, 5, []],
    ['a child of 7: both', { parties: [guardian, child] }, undefined, 7, []],
    ['a child of 7 without their own consent', { parties: [guardian] }, undefined, 7, ['/consent/parties']],
    ['an unknown age asks the child too', { parties: [guardian] }, undefined, null, ['/consent/parties']],
    ['the child alone', { parties: [child] }, undefined, 12, ['/consent/parties']],
    ['no consent at all', undefined, undefined, 12, ['/consent', '/consent']],
    ['no consent, an emergency', undefined, 'the child is in danger tonight', 12, []],
    [
      'a consent dated in the future',
      { parties: [{ party: 'guardian', givenAt: '2024-06-10T10:00:00+07:00' }] },
      undefined,
      3,
      ['/consent/parties/0/givenAt'],
    ],
  ]
  for (const [name, consent, emergencyReason, age, pointers] of cases) {
    t.same(
      consentProblems(consent, emergencyReason, age, now, skewMs).map((problem) => problem.pointer),
      pointers,
      name,
    )
  }
  t.same(
    consentProblems(undefined, undefined, 3, now, skewMs).map((problem) => problem.code),
    ['consent_required'],
  )
})

t.test('a provider serves a ward it names or one of the units above it', async (t) => {
  const tree: UnitNode[] = [
    { code: '01', level: 'province', parentCode: null },
    { code: 'W1', level: 'ward', parentCode: '01' },
    { code: 'W2', level: 'ward', parentCode: '01' },
    { code: 'W1-R01', level: 'residential_group', parentCode: 'W1' },
  ]
  t.same(unitAndAncestors(tree, 'W1-R01'), ['W1-R01', 'W1', '01'])
  t.same(unitAndAncestors(tree, 'unknown'), ['unknown'])
  const cases: [string[], string, boolean][] = [
    [['01'], 'W1', true],
    [['W1'], 'W1', true],
    [['W2'], 'W1', false],
    [['W1-R01'], 'W1', false],
  ]
  for (const [units, ward, serves] of cases)
    t.equal(servesWard(tree, units, ward), serves, `${units.join(',')} serves ${ward}`)
})
