import t from 'tap'
import {
  completionProblems,
  dueDateProblems,
  followUpDueAt,
  followUpStanding,
  latestOverdueDate,
  planFollowUpChanges,
  rescheduleProblems,
  type PlanFollowUpState,
  type PlannedFollowUp,
} from '../../../src/modules/incidents/follow-up-rules.js'
import { eventView, typesReadableBy } from '../../../src/modules/webhooks/rules.js'

t.test('a follow-up is due at the end of its due date, local time', async (t) => {
  t.equal(followUpDueAt('2024-06-14').toISOString(), '2024-06-14T16:59:59.000Z')
})

t.test('standing: upcoming, due soon from N days before, overdue once the due instant has passed', async (t) => {
  const cases: [string, string, number, string][] = [
    // [now, due date, due-soon days, standing]
    ['2024-06-11T16:59:59.999Z', '2024-06-14', 2, 'upcoming'], // Tue 23:59 local, three days before
    ['2024-06-11T17:00:00.000Z', '2024-06-14', 2, 'due_soon'], // Wed 00:00 local, two days before
    ['2024-06-14T16:59:59.000Z', '2024-06-14', 2, 'due_soon'], // the due instant itself
    ['2024-06-14T16:59:59.001Z', '2024-06-14', 2, 'overdue'], // just after it
    ['2024-06-20T03:00:00.000Z', '2024-06-14', 2, 'overdue'],
    ['2024-06-14T01:00:00.000Z', '2024-06-14', 0, 'due_soon'], // zero days: due soon on the day only
    ['2024-06-13T16:59:59.000Z', '2024-06-14', 0, 'upcoming'],
    ['2024-06-01T03:00:00.000Z', '2024-06-14', 14, 'due_soon'],
  ]
  for (const [now, dueDate, days, standing] of cases)
    t.equal(followUpStanding(dueDate, new Date(now), days), standing, `${dueDate} at ${now}, ${days} days`)
})

t.test('the latest overdue date turns at the last second of the day', async (t) => {
  t.equal(latestOverdueDate(new Date('2024-06-14T16:59:59.000Z')), '2024-06-13')
  t.equal(latestOverdueDate(new Date('2024-06-14T16:59:59.500Z')), '2024-06-14')
  t.equal(latestOverdueDate(new Date('2024-06-14T17:00:00.000Z')), '2024-06-14')
})

t.test('dates an officer gives', async (t) => {
  const cases: [string, () => { code: string }[], string[]][] = [
    ['due today', () => dueDateProblems('2024-06-10', '2024-06-10'), []],
    ['due yesterday', () => dueDateProblems('2024-06-09', '2024-06-10'), ['due_date_past']],
    ['due in a year', () => dueDateProblems('2025-06-11', '2024-06-10'), []],
    ['due beyond a year', () => dueDateProblems('2025-06-12', '2024-06-10'), ['due_date_too_far']],
    [
      'rescheduled to the same day',
      () => rescheduleProblems('2024-06-14', '2024-06-14', '2024-06-10'),
      ['same_due_date'],
    ],
    [
      'rescheduled into the past',
      () => rescheduleProblems('2024-06-01', '2024-06-14', '2024-06-10'),
      ['due_date_past'],
    ],
    ['rescheduled later', () => rescheduleProblems('2024-06-20', '2024-06-14', '2024-06-10'), []],
    ['completed today', () => completionProblems('2024-06-10', '2024-06-10', '2024-06-01'), []],
    ['completed tomorrow', () => completionProblems('2024-06-11', '2024-06-10', '2024-06-01'), ['date_in_future']],
    ['completed before the case', () => completionProblems('2024-05-31', '2024-06-10', '2024-06-01'), ['before_case']],
  ]
  for (const [name, problems, codes] of cases)
    t.same(
      problems().map((p) => p.code),
      codes,
      name,
    )
})

t.test('follow-up events: for readers of incidents, never for a city system', async (t) => {
  const event = {
    id: 7,
    eventId: '5f0c0b8e-2a41-4c55-9d55-0c1b3c7e9a10',
    type: 'follow_up.overdue',
    occurredAt: new Date('2024-06-15T02:00:00Z'),
    provinceCode: '01',
    wardCode: '00301',
    residentialGroupCode: null,
    resourceType: 'follow_up',
    resourceId: 'f-1',
    data: {
      followUpId: 'f-1',
      incidentId: 'i-1',
      wardCode: '00301',
      kind: 'home_visit',
      dueDate: '2024-06-14',
      note: 'x',
    },
  }
  const officer = { role: 'ward_officer', permissions: new Set(['events:read', 'incidents:read']) }
  t.same(
    eventView(event, officer)?.data,
    {
      followUpId: 'f-1',
      incidentId: 'i-1',
      wardCode: '00301',
      kind: 'home_visit',
      dueDate: '2024-06-14',
    },
    'allow-listed fields only: a stray note is dropped',
  )
  t.equal(eventView(event, { role: 'agency_viewer', permissions: new Set(['events:read']) }), null)
  t.equal(eventView(event, { role: 'city_system', permissions: new Set(['events:read', 'incidents:read']) }), null)
  t.notOk(typesReadableBy('city_system').some((type) => type.startsWith('follow_up.')))
})

t.test('approving a plan: what it does to the follow-ups of its actions', async (t) => {
  const officer = 'a1000000-0000-4000-8000-000000000001'
  const colleague = 'a1000000-0000-4000-8000-000000000002'
  const action = (key: string, dueOn: string, assigneeId: string | null = null): PlannedFollowUp => ({
    key,
    dueOn,
    assigneeId,
  })
  const followUp = (key: string, changes: Partial<PlanFollowUpState> = {}): PlanFollowUpState => ({
    id: `follow-up-${key}`,
    key,
    status: 'scheduled',
    dueDate: '2024-08-31',
    assigneeId: null,
    planDueOn: '2024-08-31',
    planAssigneeId: null,
    cancelledByPlan: false,
    ...changes,
  })
  const cases: [string, PlannedFollowUp[], PlanFollowUpState[], ReturnType<typeof planFollowUpChanges>][] = [
    [
      'first approval: one follow-up per action',
      [action('M1.1', '2024-08-31', officer), action('M2.1', '2024-09-30')],
      [],
      [
        { change: 'schedule', action: action('M1.1', '2024-08-31', officer) },
        { change: 'schedule', action: action('M2.1', '2024-09-30') },
      ],
    ],
    ['approved again unchanged: nothing', [action('M1.1', '2024-08-31')], [followUp('M1.1')], []],
    [
      'the plan moved the due date',
      [action('M1.1', '2024-09-15')],
      [followUp('M1.1')],
      [
        {
          change: 'update',
          id: 'follow-up-M1.1',
          action: action('M1.1', '2024-09-15'),
          set: { dueDate: '2024-09-15' },
        },
      ],
    ],
    [
      'the ward moved it by hand and the plan did not: it stays',
      [action('M1.1', '2024-08-31')],
      [followUp('M1.1', { dueDate: '2024-09-02' })],
      [],
    ],
    [
      'the plan moved it to where the ward had already: only the plan’s date is noted',
      [action('M1.1', '2024-09-02')],
      [followUp('M1.1', { dueDate: '2024-09-02' })],
      [{ change: 'update', id: 'follow-up-M1.1', action: action('M1.1', '2024-09-02'), set: {} }],
    ],
    [
      'the plan names an officer',
      [action('M1.1', '2024-08-31', officer)],
      [followUp('M1.1')],
      [
        {
          change: 'update',
          id: 'follow-up-M1.1',
          action: action('M1.1', '2024-08-31', officer),
          set: { assigneeId: officer },
        },
      ],
    ],
    [
      'the ward reassigned it and the plan did not: it stays',
      [action('M1.1', '2024-08-31', officer)],
      [followUp('M1.1', { assigneeId: colleague, planAssigneeId: officer })],
      [],
    ],
    [
      'the plan names no officer any more: the ward’s',
      [action('M1.1', '2024-08-31')],
      [followUp('M1.1', { assigneeId: officer, planAssigneeId: officer })],
      [{ change: 'update', id: 'follow-up-M1.1', action: action('M1.1', '2024-08-31'), set: { assigneeId: null } }],
    ],
    [
      'an action removed: its scheduled follow-up cancelled',
      [action('M1.1', '2024-08-31')],
      [followUp('M1.1'), followUp('M1.2')],
      [{ change: 'cancel', id: 'follow-up-M1.2', key: 'M1.2' }],
    ],
    [
      'a completed follow-up is done with, its action moved or removed',
      [action('M1.1', '2024-10-31')],
      [followUp('M1.1', { status: 'completed' }), followUp('M1.2', { status: 'completed' })],
      [],
    ],
    [
      'an action added beside those already followed',
      [action('M1.1', '2024-08-31'), action('M1.2', '2024-09-30')],
      [followUp('M1.1')],
      [{ change: 'schedule', action: action('M1.2', '2024-09-30') }],
    ],
    [
      'cancelled by the ward, the plan unchanged: it stays cancelled',
      [action('M1.1', '2024-08-31')],
      [followUp('M1.1', { status: 'cancelled' })],
      [],
    ],
    [
      'cancelled by the ward, then the plan moved the action: followed again',
      [action('M1.1', '2024-10-15')],
      [followUp('M1.1', { status: 'cancelled' })],
      [{ change: 'schedule', action: action('M1.1', '2024-10-15') }],
    ],
    [
      'cancelled by the ward, then the plan named an officer: followed again',
      [action('M1.1', '2024-08-31', officer)],
      [followUp('M1.1', { status: 'cancelled' })],
      [{ change: 'schedule', action: action('M1.1', '2024-08-31', officer) }],
    ],
    [
      'cancelled because a revision dropped the action, which is back: followed again',
      [action('M1.1', '2024-08-31')],
      [followUp('M1.1', { status: 'cancelled', cancelledByPlan: true })],
      [{ change: 'schedule', action: action('M1.1', '2024-08-31') }],
    ],
    [
      'an earlier cancelled follow-up beside the live one: the live one is the action’s',
      [action('M1.1', '2024-09-15')],
      [followUp('M1.1', { id: 'old', status: 'cancelled', cancelledByPlan: true }), followUp('M1.1', { id: 'live' })],
      [{ change: 'update', id: 'live', action: action('M1.1', '2024-09-15'), set: { dueDate: '2024-09-15' } }],
    ],
    [
      'the latest of several cancelled ones decides',
      [action('M1.1', '2024-08-31')],
      [
        followUp('M1.1', { id: 'first', status: 'cancelled', cancelledByPlan: true }),
        followUp('M1.1', { id: 'second', status: 'cancelled' }),
      ],
      [],
    ],
    [
      'a cancelled follow-up of an action no longer planned: nothing to cancel',
      [],
      [followUp('M1.1', { status: 'cancelled' })],
      [],
    ],
  ]
  for (const [name, actions, existing, expected] of cases)
    t.same(planFollowUpChanges(actions, existing), expected, name)
})
