import t from 'tap'
import { toLocalIso, type WorkingCalendar } from '../../../src/modules/calendar/rules.js'
import {
  allowedNextSteps,
  CaseDeadlines,
  caseSchedule,
  caseSteps,
  circumstanceGroupForKind,
  incidentKinds,
  incidentTimeViolations,
  injuryKinds,
  lateReasonRequired,
  onTimeRate,
  pendingStepDeadlines,
  recomputeAfterEdit,
  rulesInForce,
  stepRuleProblems,
  stepDeadline,
  writtenReportCompliance,
  writtenReportDeadline,
  writtenReportKindProblems,
  writtenReportRequired,
  writtenReportState,
  type CaseStep,
  type Compliance,
  type IncidentKind,
  type StepDeadlineRule,
  type TimePrecision,
} from '../../../src/modules/incidents/rules.js'
import { loadCaseStepRules, loadHolidays } from '../../../src/reference/index.js'

const days = loadHolidays().data.days
const calendar: WorkingCalendar = {
  holidays: new Set(days.filter((d) => d.kind !== 'working_day').map((d) => d.date)),
  workingWeekendDays: new Set(days.filter((d) => d.kind === 'working_day').map((d) => d.date)),
}

/** The reference file's step deadlines (Decree 56), as every case received since 2017 is held to. */
const { rules: stepRules, writtenReportKinds } = loadCaseStepRules().data

const at = (local: string) => new Date(local)
const local = (instant: Date | null | undefined) => (instant ? toLocalIso(instant) : null)

t.test('circumstance group offered when closing, by kind', async (t) => {
  const cases: [IncidentKind, string | null][] = [
    ['sexual_abuse', 'l'],
    ['trafficking', 'm'],
    ['violence', 'i'],
    ['exploitation', 'k'],
    ['child_labour', 'k'],
    ['abandonment', 'b'],
    ['neglect', null],
    ['injury_accident', null],
    ['drowning', null],
    ['other_rights_violation', null],
    ['other_harm', null],
  ]
  t.equal(cases.length, incidentKinds.length, 'every kind is covered')
  for (const [kind, group] of cases) t.equal(circumstanceGroupForKind(kind), group, kind)
  t.same([...injuryKinds].sort(), ['drowning', 'injury_accident'])
})

t.test('written report deadline: 24 hours from the later of occurrence and detection', async (t) => {
  const cases: [string, TimePrecision, string, string, 'occurred' | 'detected', string][] = [
    [
      '2024-06-10T08:00:00+07:00',
      'exact',
      '2024-06-10T08:00:00+07:00',
      '2024-06-11T08:00:00+07:00',
      'occurred',
      'detected at once',
    ],
    [
      '2024-06-10T08:00:00+07:00',
      'exact',
      '2024-06-10T07:00:00+07:00',
      '2024-06-11T08:00:00+07:00',
      'occurred',
      'detection before occurrence (invalid) never shortens it',
    ],
    [
      '2024-06-10T08:00:00+07:00',
      'exact',
      '2024-06-12T14:00:00+07:00',
      '2024-06-13T14:00:00+07:00',
      'detected',
      'detected two days later',
    ],
    [
      '2024-06-10T08:00:00+07:00',
      'exact',
      '2024-06-10T08:01:00+07:00',
      '2024-06-11T08:01:00+07:00',
      'detected',
      'detected a minute later',
    ],
    [
      '2024-06-10T00:00:00+07:00',
      'day',
      '2024-06-10T15:00:00+07:00',
      '2024-06-12T00:00:00+07:00',
      'occurred',
      'day precision runs from the end of the day',
    ],
    [
      '2024-06-10T12:00:00+07:00',
      'day',
      '2024-06-10T15:00:00+07:00',
      '2024-06-12T00:00:00+07:00',
      'occurred',
      'day precision ignores a stray time of day',
    ],
    [
      '2024-06-10T00:00:00+07:00',
      'day',
      '2024-06-11T00:00:00+07:00',
      '2024-06-12T00:00:00+07:00',
      'occurred',
      'detected exactly at the end of the day: a tie',
    ],
    [
      '2024-06-10T00:00:00+07:00',
      'day',
      '2024-06-11T10:00:00+07:00',
      '2024-06-12T10:00:00+07:00',
      'detected',
      'day precision, detected the next day',
    ],
    [
      '2024-06-09T17:00:00Z',
      'day',
      '2024-06-09T18:00:00Z',
      '2024-06-12T00:00:00+07:00',
      'occurred',
      'the day is the local day, not the UTC one',
    ],
    [
      '2024-05-01T00:00:00+07:00',
      'approximate',
      '2024-06-10T09:00:00+07:00',
      '2024-06-11T09:00:00+07:00',
      'detected',
      'approximate: from detection',
    ],
    [
      '2024-06-10T09:00:00+07:00',
      'approximate',
      '2024-06-10T09:00:00+07:00',
      '2024-06-11T09:00:00+07:00',
      'detected',
      'approximate: detection even on a tie',
    ],
  ]
  for (const [occurredAt, occurredAtPrecision, detectedAt, dueAt, basis, why] of cases) {
    const deadline = writtenReportDeadline({
      occurredAt: at(occurredAt),
      occurredAtPrecision,
      detectedAt: at(detectedAt),
    })
    t.same({ dueAt: local(deadline.dueAt), basis: deadline.basis }, { dueAt, basis }, why)
  }
})

t.test('written report compliance', async (t) => {
  const dueAt = at('2024-06-11T08:00:00+07:00')
  const cases: [string | null, string, Compliance, string][] = [
    ['2024-06-11T07:59:00+07:00', '2024-06-20T00:00:00+07:00', 'on_time', 'submitted 23 h 59 min after the basis'],
    ['2024-06-11T08:00:00+07:00', '2024-06-20T00:00:00+07:00', 'on_time', 'submitted exactly at the deadline'],
    ['2024-06-11T08:01:00+07:00', '2024-06-11T08:01:00+07:00', 'late', 'submitted 24 h 01 min after the basis'],
    ['2024-06-10T09:00:00+07:00', '2024-06-10T09:00:00+07:00', 'on_time', 'submitted early'],
    [null, '2024-06-10T08:00:00+07:00', 'pending', 'just occurred'],
    [null, '2024-06-11T01:59:59+07:00', 'pending', '6 h 1 s before'],
    [null, '2024-06-11T02:00:00+07:00', 'due_soon', 'exactly 6 h before'],
    [null, '2024-06-11T08:00:00+07:00', 'due_soon', 'at the deadline itself'],
    [null, '2024-06-11T08:00:01+07:00', 'overdue', 'one second past'],
    [null, '2024-06-15T08:00:00+07:00', 'overdue', 'days past'],
  ]
  for (const [submittedAt, now, expected, why] of cases) {
    t.equal(writtenReportCompliance(dueAt, submittedAt ? at(submittedAt) : null, at(now)), expected, why)
  }
})

t.test('the detected-later basis decides compliance', async (t) => {
  const { dueAt, basis } = writtenReportDeadline({
    occurredAt: at('2024-06-10T08:00:00+07:00'),
    occurredAtPrecision: 'exact',
    detectedAt: at('2024-06-12T14:00:00+07:00'),
  })
  t.equal(basis, 'detected')
  const now = at('2024-06-14T00:00:00+07:00')
  t.equal(
    writtenReportCompliance(dueAt, at('2024-06-13T13:59:00+07:00'), now),
    'on_time',
    '23 h 59 min after detection',
  )
  t.equal(writtenReportCompliance(dueAt, at('2024-06-13T14:01:00+07:00'), now), 'late', '24 h 01 min after detection')
})

t.test('on-time rate counts only decided reports', async (t) => {
  const counts = (c: Partial<Record<Compliance, number>>): Record<Compliance, number> => ({
    pending: 0,
    due_soon: 0,
    overdue: 0,
    on_time: 0,
    late: 0,
    ...c,
  })
  const cases: [Partial<Record<Compliance, number>>, number | null][] = [
    [{ on_time: 3, late: 1, pending: 5, due_soon: 2 }, 0.75],
    [{ on_time: 1, late: 1, overdue: 2 }, 0.25],
    [{ late: 2 }, 0],
    [{ on_time: 4 }, 1],
    [{ pending: 3, due_soon: 1 }, null],
    [{}, null],
  ]
  for (const [c, expected] of cases) t.equal(onTimeRate(counts(c)), expected, JSON.stringify(c))
})

t.test('time integrity of an incident record', async (t) => {
  const now = at('2024-06-10T12:00:00+07:00')
  const cases: [string, string, string | null, [string, string][], string][] = [
    ['2024-06-10T08:00:00+07:00', '2024-06-10T09:00:00+07:00', '2024-06-10T09:30:00+07:00', [], 'consistent'],
    [
      '2024-06-10T08:00:00+07:00',
      '2024-06-10T08:00:00+07:00',
      '2024-06-10T08:00:00+07:00',
      [],
      'all at the same instant',
    ],
    ['2024-06-10T08:00:00+07:00', '2024-06-10T12:02:00+07:00', null, [], 'two minutes of clock skew are allowed'],
    [
      '2024-06-10T08:00:00+07:00',
      '2024-06-10T12:02:01+07:00',
      null,
      [['time_in_future', 'detectedAt']],
      'beyond the skew',
    ],
    [
      '2024-06-10T13:00:00+07:00',
      '2024-06-10T14:00:00+07:00',
      '2024-06-10T15:00:00+07:00',
      [
        ['time_in_future', 'occurredAt'],
        ['time_in_future', 'detectedAt'],
        ['time_in_future', 'phoneReportedAt'],
      ],
      'everything in the future',
    ],
    [
      '2024-06-10T08:00:00+07:00',
      '2024-06-10T07:59:00+07:00',
      null,
      [['detected_before_occurred', 'detectedAt']],
      'detected before it occurred',
    ],
    [
      '2024-06-10T08:00:00+07:00',
      '2024-06-10T09:00:00+07:00',
      '2024-06-10T07:00:00+07:00',
      [['phone_report_before_occurrence', 'phoneReportedAt']],
      'phoned before it occurred',
    ],
  ]
  for (const [occurredAt, detectedAt, phoneReportedAt, expected, why] of cases) {
    const violations = incidentTimeViolations(
      {
        occurredAt: at(occurredAt),
        detectedAt: at(detectedAt),
        phoneReportedAt: phoneReportedAt ? at(phoneReportedAt) : null,
      },
      now,
    )
    t.same(
      violations.map((v) => [v.code, v.field]),
      expected,
      why,
    )
    for (const v of violations) t.ok(v.message.length > 0, `${why}: ${v.code} has a message`)
  }
  t.same(
    incidentTimeViolations(
      { occurredAt: at('2024-06-10T08:00:00+07:00'), detectedAt: at('2024-06-10T08:00:00+07:00') },
      now,
    ),
    [],
    'no phone report',
  )
})

t.test('a late written report needs a reason', async (t) => {
  const dueAt = at('2024-06-11T08:00:00+07:00')
  const cases: [string, boolean][] = [
    ['2024-06-11T07:00:00+07:00', false],
    ['2024-06-11T08:00:00+07:00', false],
    ['2024-06-11T08:00:00.001+07:00', true],
    ['2024-06-12T08:00:00+07:00', true],
  ]
  for (const [submittedAt, required] of cases)
    t.equal(lateReasonRequired(dueAt, at(submittedAt)), required, submittedAt)
})

t.test('editing times after the written report', async (t) => {
  const d1 = at('2024-06-11T08:00:00+07:00')
  const d2 = at('2024-06-11T10:00:00+07:00')
  const cases: [Date, Compliance, Date, Compliance, { changed: boolean; improved: boolean }, string][] = [
    [d1, 'late', d1, 'late', { changed: false, improved: false }, 'no effect'],
    [d1, 'late', d2, 'on_time', { changed: true, improved: true }, 'late turned on time'],
    [d1, 'late', d2, 'late', { changed: true, improved: false }, 'deadline moved, still late'],
    [d1, 'on_time', d2, 'on_time', { changed: true, improved: false }, 'deadline moved, on time either way'],
    [d2, 'on_time', d1, 'late', { changed: true, improved: false }, 'worsened'],
    [d1, 'overdue', d2, 'pending', { changed: true, improved: true }, 'overdue cleared before submission'],
    [d1, 'overdue', d2, 'due_soon', { changed: true, improved: true }, 'overdue turned due soon'],
    [d1, 'pending', d2, 'pending', { changed: true, improved: false }, 'not yet due either way'],
  ]
  for (const [beforeDue, beforeC, afterDue, afterC, expected, why] of cases) {
    t.same(
      recomputeAfterEdit({ dueAt: beforeDue, compliance: beforeC }, { dueAt: afterDue, compliance: afterC }),
      expected,
      why,
    )
  }
})

t.test('Decree 56 case steps: what may come next', async (t) => {
  const upTo = (step: CaseStep, emergency = false): CaseStep[] => {
    const order = caseSteps.filter((s) => emergency || s !== 'emergency_protection')
    return order.slice(0, order.indexOf(step) + 1)
  }
  const cases: [CaseStep[], boolean, CaseStep[], string][] = [
    [[], false, ['receipt'], 'a new case starts with receipt'],
    [['receipt'], false, ['initial_assessment'], 'after receipt'],
    [['receipt'], true, ['initial_assessment'], 'an emergency is still assessed first'],
    [upTo('initial_assessment'), false, ['specific_assessment', 'closure'], 'not an emergency: assess or close'],
    [upTo('initial_assessment'), true, ['emergency_protection'], 'emergency: protection and nothing else'],
    [upTo('emergency_protection', true), true, ['specific_assessment'], 'after emergency protection'],
    [upTo('emergency_protection', true), false, ['specific_assessment'], 'emergency flag cleared afterwards'],
    [upTo('specific_assessment'), true, ['support_plan'], 'flagged after specific assessment: the window has passed'],
    [upTo('specific_assessment'), false, ['support_plan'], 'after specific assessment'],
    [upTo('support_plan'), false, ['plan_approval'], 'after the plan'],
    [upTo('plan_approval'), false, ['implementation'], 'after approval'],
    [upTo('implementation'), false, ['monitoring'], 'after implementation'],
    [upTo('monitoring'), false, ['monitoring', 'closure'], 'monitoring repeats'],
    [
      [...upTo('monitoring'), 'monitoring', 'monitoring'],
      false,
      ['monitoring', 'closure'],
      'after repeated monitoring',
    ],
    [upTo('closure'), false, [], 'nothing after closure'],
    [['receipt', 'initial_assessment', 'closure'], false, [], 'closed after initial assessment'],
    [['receipt', 'support_plan'], false, [], 'illegal history: plan before assessment'],
    [['initial_assessment'], false, [], 'illegal history: no receipt'],
    [['receipt', 'receipt'], false, [], 'illegal history: receipt twice'],
    [
      ['receipt', 'initial_assessment', 'specific_assessment', 'emergency_protection'],
      true,
      [],
      'illegal history: protection after specific assessment',
    ],
    [['receipt', 'initial_assessment', 'closure', 'monitoring'], false, [], 'illegal history: a step after closure'],
  ]
  for (const [done, emergency, expected, why] of cases) t.same(allowedNextSteps(done, emergency), expected, why)
  t.notOk(
    allowedNextSteps(['receipt'], false).includes('support_plan'),
    'support_plan is not offered before initial assessment',
  )
  t.notOk(
    allowedNextSteps(['receipt', 'initial_assessment'], false).includes('emergency_protection'),
    'emergency protection only for an emergency',
  )
})

t.test('step deadlines from receipt', async (t) => {
  const cases: [CaseStep, string, string | null, string][] = [
    // Friday morning: working days skip the weekend.
    [
      'specific_assessment',
      '2024-06-14T10:00:00+07:00',
      '2024-06-19T23:59:59+07:00',
      'Fri + 3 working days: Mon, Tue, Wed',
    ],
    [
      'support_plan',
      '2024-06-14T10:00:00+07:00',
      '2024-06-21T23:59:59+07:00',
      'Fri + 5 working days crosses one weekend',
    ],
    [
      'plan_approval',
      '2024-06-14T10:00:00+07:00',
      '2024-06-25T23:59:59+07:00',
      'Fri + 7 working days crosses two weekends',
    ],
    ['support_plan', '2024-06-15T10:00:00+07:00', '2024-06-21T23:59:59+07:00', 'received on a Saturday'],
    ['support_plan', '2024-06-14T17:30:00Z', '2024-06-21T23:59:59+07:00', 'Friday in UTC, already Saturday locally'],
    // Tết 2025: the break runs Sat 25 Jan – Sun 2 Feb; work resumes Mon 3 Feb.
    [
      'specific_assessment',
      '2025-01-24T09:00:00+07:00',
      '2025-02-05T23:59:59+07:00',
      'the day before Tết + 3: Feb 3, 4, 5',
    ],
    ['support_plan', '2025-01-24T09:00:00+07:00', '2025-02-07T23:59:59+07:00', 'the day before Tết + 5: Feb 3–7'],
    [
      'plan_approval',
      '2025-01-24T09:00:00+07:00',
      '2025-02-11T23:59:59+07:00',
      'the day before Tết + 7: Feb 3–7, 10, 11',
    ],
    [
      'support_plan',
      '2025-01-23T15:00:00+07:00',
      '2025-02-06T23:59:59+07:00',
      'Thu 23 Jan + 5: Jan 24, Feb 3, 4, 5, 6',
    ],
    ['support_plan', '2025-01-29T08:00:00+07:00', '2025-02-07T23:59:59+07:00', 'received on the hotline during Tết'],
    // 30/4–1/5 2025: Sat 26 Apr is worked, Fri 2 May is off.
    [
      'support_plan',
      '2025-04-24T09:00:00+07:00',
      '2025-05-05T23:59:59+07:00',
      'Thu 24 Apr + 5: Apr 25, 26, 28, 29, May 5',
    ],
    // Hours are exact instants, nights, weekends and holidays included.
    ['emergency_protection', '2024-06-14T21:30:00+07:00', '2024-06-15T09:30:00+07:00', '12 hours, into a Saturday'],
    ['emergency_protection', '2025-01-28T20:00:00+07:00', '2025-01-29T08:00:00+07:00', '12 hours, during Tết'],
    [
      'initial_assessment',
      '2024-06-14T10:00:00+07:00',
      '2024-06-14T22:00:00+07:00',
      'initial assessment within 12 hours too',
    ],
    ['receipt', '2024-06-14T10:00:00+07:00', null, 'no deadline'],
    ['implementation', '2024-06-14T10:00:00+07:00', null, 'no deadline'],
    ['monitoring', '2024-06-14T10:00:00+07:00', null, 'no deadline'],
    ['closure', '2024-06-14T10:00:00+07:00', null, 'no deadline'],
  ]
  for (const [step, receivedAt, expected, why] of cases)
    t.equal(local(stepDeadline(step, at(receivedAt), calendar, stepRules)), expected, `${step}: ${why}`)

  const adminRules = [{ step: 'initial_assessment' as const, kind: 'working_days' as const, amount: 1 }]
  t.equal(
    local(stepDeadline('initial_assessment', at('2024-06-14T10:00:00+07:00'), calendar, adminRules)),
    '2024-06-17T23:59:59+07:00',
    'rules are data',
  )
  t.equal(
    stepDeadline('support_plan', at('2024-06-14T10:00:00+07:00'), calendar, adminRules),
    null,
    'a step absent from the rules has no deadline',
  )
})

t.test('pending step deadlines', async (t) => {
  const received = '2024-06-14T10:00:00+07:00'
  const done = (...steps: [CaseStep, string][]) => steps.map(([step, instant]) => ({ step, at: at(instant) }))
  const r: [CaseStep, string] = ['receipt', received]
  const ia: [CaseStep, string] = ['initial_assessment', '2024-06-14T11:00:00+07:00']
  const ep: [CaseStep, string] = ['emergency_protection', '2024-06-14T15:00:00+07:00']
  const sa: [CaseStep, string] = ['specific_assessment', '2024-06-17T09:00:00+07:00']
  const cases: [ReturnType<typeof done>, boolean, string, string, [CaseStep, string, boolean][], string][] = [
    [[], false, received, '2024-06-14T10:00:00+07:00', [], 'receipt has no deadline'],
    [
      done(r),
      false,
      received,
      '2024-06-14T12:00:00+07:00',
      [['initial_assessment', '2024-06-14T22:00:00+07:00', false]],
      'initial assessment due',
    ],
    [
      done(r),
      true,
      received,
      '2024-06-14T22:00:01+07:00',
      [['initial_assessment', '2024-06-14T22:00:00+07:00', true]],
      'initial assessment overdue',
    ],
    [
      done(r, ia),
      true,
      received,
      '2024-06-14T22:00:00+07:00',
      [['emergency_protection', '2024-06-14T22:00:00+07:00', false]],
      'emergency protection at its deadline',
    ],
    [
      done(r, ia),
      true,
      received,
      '2024-06-14T23:00:00+07:00',
      [['emergency_protection', '2024-06-14T22:00:00+07:00', true]],
      'emergency protection overdue',
    ],
    [
      done(r, ia),
      false,
      received,
      '2024-06-17T09:00:00+07:00',
      [['specific_assessment', '2024-06-19T23:59:59+07:00', false]],
      'closure has no deadline',
    ],
    [
      done(ia, r),
      false,
      received,
      '2024-06-17T09:00:00+07:00',
      [['specific_assessment', '2024-06-19T23:59:59+07:00', false]],
      'ordered by instant',
    ],
    [
      done(r, ia, ep),
      true,
      received,
      '2024-06-20T00:00:00+07:00',
      [['specific_assessment', '2024-06-19T23:59:59+07:00', true]],
      'specific assessment overdue',
    ],
    [
      done(r, ia, sa),
      false,
      received,
      '2024-06-22T08:00:00+07:00',
      [['support_plan', '2024-06-21T23:59:59+07:00', true]],
      'plan overdue over the weekend',
    ],
    [
      done(r, ia, sa, ['support_plan', '2024-06-20T09:00:00+07:00'], ['plan_approval', '2024-06-24T09:00:00+07:00']),
      false,
      received,
      '2024-06-30T09:00:00+07:00',
      [],
      'implementation has no deadline',
    ],
    [
      done(
        ['receipt', '2025-01-24T09:00:00+07:00'],
        ['initial_assessment', '2025-01-24T10:00:00+07:00'],
        ['specific_assessment', '2025-02-04T10:00:00+07:00'],
      ),
      false,
      '2025-01-24T09:00:00+07:00',
      '2025-02-06T10:00:00+07:00',
      [['support_plan', '2025-02-07T23:59:59+07:00', false]],
      'plan due after Tết',
    ],
  ]
  for (const [history, emergency, receivedAt, now, expected, why] of cases) {
    const pending = pendingStepDeadlines(history, emergency, at(receivedAt), calendar, at(now), stepRules)
    t.same(
      pending.map((p) => [p.step, local(p.dueAt), p.overdue]),
      expected,
      why,
    )
  }
})

t.test('the written-report duty covers rights violations, abuse and exploitation, not accidents', async (t) => {
  const due = at('2024-05-02T10:00:00+07:00')
  const versions = [{ version: 1, effectiveFrom: '2017-06-15', rules: stepRules, writtenReportKinds }]
  const cases: [IncidentKind, Date | null, Date, string][] = [
    ['violence', null, at('2024-05-02T11:00:00+07:00'), 'overdue'],
    ['sexual_abuse', at('2024-05-02T09:00:00+07:00'), at('2024-05-03T09:00:00+07:00'), 'on_time'],
    ['other_rights_violation', null, at('2024-05-01T12:00:00+07:00'), 'pending'],
    ['injury_accident', null, at('2024-05-09T10:00:00+07:00'), 'not_required'],
    ['drowning', at('2024-05-08T10:00:00+07:00'), at('2024-05-09T10:00:00+07:00'), 'not_required'],
  ]
  for (const [kind, submittedAt, now, expected] of cases) {
    const required = writtenReportRequired(versions, kind, due)
    t.equal(required, expected !== 'not_required', kind)
    t.equal(writtenReportState(required, due, submittedAt, now), expected, kind)
  }
  t.same(
    incidentKinds.filter((kind) => !writtenReportRequired(versions, kind, due)),
    ['injury_accident', 'drowning'],
    'every other kind is covered by the reference version',
  )
  t.same(
    recomputeAfterEdit(
      { dueAt: due, compliance: 'overdue' },
      { dueAt: due, compliance: writtenReportState(false, due, null, due) },
    ),
    { changed: true, improved: true },
    're-kinding an overdue case as an accident clears a failure: it needs a reason',
  )
})

t.test('the case schedule: every Decree 56 deadline known from receipt', async (t) => {
  const receivedAt = at('2024-05-02T10:00:00+07:00')
  const hoursLater = (hours: number) => new Date(receivedAt.getTime() + hours * 3600_000)
  const done = (...steps: [CaseStep, number][]) => steps.map(([step, hours]) => ({ step, at: hoursLater(hours) }))
  const summary = (schedule: ReturnType<typeof caseSchedule>) =>
    schedule.map((s) => `${s.step}:${s.state}${s.provisional ? '?' : ''}`)
  const cases: [string, ReturnType<typeof done>, { emergency: boolean; closed: boolean }, number, string[]][] = [
    [
      'just received: the assessment is due, the plan’s deadline is already known',
      done(['receipt', 0]),
      { emergency: false, closed: false },
      1,
      ['initial_assessment:due', 'specific_assessment:upcoming?', 'support_plan:upcoming?', 'plan_approval:upcoming?'],
    ],
    [
      'an emergency: protection within 12 hours is scheduled too',
      done(['receipt', 0], ['initial_assessment', 2]),
      { emergency: true, closed: false },
      3,
      [
        'initial_assessment:met',
        'emergency_protection:due',
        'specific_assessment:upcoming?',
        'support_plan:upcoming?',
        'plan_approval:upcoming?',
      ],
    ],
    [
      'past the plan’s deadline with the assessments not done: overdue, still provisional',
      done(['receipt', 0], ['initial_assessment', 14]),
      { emergency: false, closed: false },
      24 * 8,
      ['initial_assessment:missed', 'specific_assessment:overdue', 'support_plan:overdue?', 'plan_approval:upcoming?'],
    ],
    [
      'closed after the initial assessment: the rest was never reached',
      done(['receipt', 0], ['initial_assessment', 1], ['closure', 2]),
      { emergency: false, closed: true },
      24 * 30,
      [
        'initial_assessment:met',
        'specific_assessment:not_reached',
        'support_plan:not_reached',
        'plan_approval:not_reached',
      ],
    ],
  ]
  for (const [name, steps, incident, nowHours, expected] of cases) {
    t.same(
      summary(caseSchedule(steps, { ...incident, receivedAt }, calendar, hoursLater(nowHours), stepRules)),
      expected,
      name,
    )
  }
  const plan = caseSchedule(
    done(['receipt', 0]),
    { emergency: false, closed: false, receivedAt },
    calendar,
    receivedAt,
    stepRules,
  )
  t.same(
    plan.find((s) => s.step === 'support_plan')?.dueAt,
    stepDeadline('support_plan', receivedAt, calendar, stepRules),
    'the same deadline the step is held to',
  )
  t.notOk(plan.some((s) => s.calendarMissing))
  const lateDecember = at('2024-12-27T10:00:00+07:00')
  const only2024: WorkingCalendar = { ...calendar, coveredYears: new Set([2024]) }
  const across = caseSchedule(
    [{ step: 'receipt', at: lateDecember }],
    { emergency: false, closed: false, receivedAt: lateDecember },
    only2024,
    lateDecember,
    stepRules,
  )
  t.same(
    across.filter((s) => s.calendarMissing).map((s) => s.step),
    ['specific_assessment', 'support_plan', 'plan_approval'],
    'working-day deadlines counted into a year the calendar lacks say so; hour deadlines do not',
  )
})

t.test('the step deadlines a case is held to: the version in force on the day it was received', async (t) => {
  const v1 = { version: 1, effectiveFrom: '2017-06-15', rules: stepRules, writtenReportKinds }
  const shorter = stepRules.map((rule) => (rule.step === 'support_plan' ? { ...rule, amount: 3 } : rule))
  const v2 = { version: 2, effectiveFrom: '2024-06-14', rules: shorter, writtenReportKinds: ['violence'] }
  const planDays = (rules: readonly { step: string; amount: number }[]) =>
    rules.find((rule) => rule.step === 'support_plan')?.amount
  const cases: [string, string, number | undefined][] = [
    ['the evening before, Hanoi time', '2024-06-13T23:59:00+07:00', 5],
    ['the first minute of the day, Hanoi time (still the 13th in UTC)', '2024-06-14T00:00:00+07:00', 3],
    ['years later', '2026-12-03T09:00:00+07:00', 3],
    ['before any version took effect: the earliest', '2016-03-01T09:00:00+07:00', 5],
  ]
  for (const [name, receivedAt, expected] of cases) {
    t.equal(planDays(rulesInForce([v2, v1], at(receivedAt))), expected, name)
    t.equal(
      writtenReportRequired([v2, v1], 'sexual_abuse', at(receivedAt)),
      expected === 5,
      `${name}: the written-report duty of the same version`,
    )
  }
  t.same(rulesInForce([], at('2024-06-14T09:00:00+07:00')), [], 'no version: no rule')
  t.equal(writtenReportRequired([], 'violence', at('2024-06-14T09:00:00+07:00')), false, 'no version: no duty')
})

t.test('deadlines worked out once per day of receipt are those of each case', async (t) => {
  const v1 = { version: 1, effectiveFrom: '2017-06-15', rules: stepRules, writtenReportKinds }
  const changed = stepRules.map((rule) =>
    rule.step === 'support_plan'
      ? { ...rule, amount: 3 }
      : rule.step === 'specific_assessment'
        ? { ...rule, kind: 'hours' as const, amount: 30 }
        : rule,
  )
  const v2 = { version: 2, effectiveFrom: '2024-06-14', rules: changed, writtenReportKinds }
  const versions = [v2, v1]
  const deadlines = new CaseDeadlines({ calendar, stepRules: versions })
  const steps: CaseStep[] = ['emergency_protection', 'specific_assessment', 'support_plan', 'plan_approval', 'closure']
  // Asked in this order, each later case of a day finds what an earlier one left: the hours of one, the due day of
  // the other.
  const receipts: [string, string][] = [
    ['2024-06-13T08:00:00+07:00', 'the day before the new version'],
    ['2024-06-13T23:59:00+07:00', 'the same day, a minute before midnight in Hanoi'],
    ['2024-06-14T00:00:00+07:00', 'the first minute of the new version, still the 13th in UTC'],
    ['2024-06-14T16:30:00+07:00', 'later that day'],
    ['2024-06-13T08:00:00+07:00', 'the first day again'],
    ['2025-01-27T10:00:00+07:00', 'before Tết'],
    ['2016-03-01T09:00:00+07:00', 'before any version took effect'],
  ]
  for (const [receivedAt, why] of receipts) {
    for (const step of steps) {
      t.equal(
        local(deadlines.of(step, at(receivedAt))),
        local(stepDeadline(step, at(receivedAt), calendar, rulesInForce(versions, at(receivedAt)))),
        `${step}, ${why}`,
      )
    }
  }
  t.equal(
    local(deadlines.of('specific_assessment', at('2024-06-14T16:30:00+07:00'))),
    '2024-06-15T22:30:00+07:00',
    'a deadline in hours runs from each case received that day, not the first',
  )
  const first = deadlines.of('support_plan', at('2024-06-14T16:30:00+07:00'))!
  first.setTime(0)
  t.equal(
    local(deadlines.of('support_plan', at('2024-06-14T09:00:00+07:00'))),
    '2024-06-19T23:59:59+07:00',
    'each case gets its own instant: changing one changes no other',
  )
  t.equal(new CaseDeadlines({ calendar, stepRules: [] }).of('support_plan', at('2024-06-14T09:00:00+07:00')), null)
})

t.test('what is wrong with the kinds a version says the written-report duty covers', async (t) => {
  const cases: [string, string[], string[]][] = [
    ['the reference list', [...writtenReportKinds], []],
    ['one kind', ['violence'], []],
    ['an unknown kind', ['violence', 'burglary'], ['/writtenReportKinds/1 unknown_kind']],
    ['a kind twice', ['violence', 'neglect', 'violence'], ['/writtenReportKinds/2 duplicate_kind']],
    ['both', ['x', 'x'], ['/writtenReportKinds/0 unknown_kind', '/writtenReportKinds/1 unknown_kind']],
  ]
  for (const [name, kinds, expected] of cases)
    t.same(
      writtenReportKindProblems(kinds).map((p) => `${p.pointer} ${p.code}`),
      expected,
      name,
    )
})

t.test('what is wrong with a set of step deadlines', async (t) => {
  const without = (step: string) => stepRules.filter((rule) => rule.step !== step)
  const cases: [string, StepDeadlineRule[], [string, string][]][] = [
    ['the reference file', [...stepRules], []],
    ['a step left out', without('plan_approval'), [['/rules', 'missing_step']]],
    ['a step twice', [...stepRules, stepRules[0]!], [['/rules/5/step', 'duplicate_step']]],
    [
      'longer than a deadline can be',
      stepRules.map((rule) => (rule.step === 'support_plan' ? { ...rule, amount: 61 } : rule)),
      [
        ['/rules/3/amount', 'out_of_range'],
        ['/rules/4/amount', 'out_of_order'],
      ],
    ],
    [
      'approval due before the plan it approves',
      stepRules.map((rule) => (rule.step === 'plan_approval' ? { ...rule, amount: 4 } : rule)),
      [['/rules/4/amount', 'out_of_order']],
    ],
    [
      'protection due before the assessment that decides it',
      stepRules.map((rule) => (rule.step === 'initial_assessment' ? { ...rule, amount: 24 } : rule)),
      [['/rules/1/amount', 'out_of_order']],
    ],
  ]
  for (const [name, rules, expected] of cases)
    t.same(
      stepRuleProblems(rules).map((problem) => [problem.pointer, problem.code]),
      expected,
      name,
    )
})
