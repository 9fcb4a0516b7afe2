import t from 'tap'
import { abuseKinds } from '../../../src/modules/incidents/rules.js'
import { priorityCaseStanding, priorityIncidentKinds } from '../../../src/modules/criteria/figure-rules.js'

t.test('incident kinds behind criteria 3 and 6.2', async (t) => {
  t.same([...priorityIncidentKinds].sort(), ['abandonment', 'sexual_abuse', 'trafficking'])
  for (const kind of priorityIncidentKinds) t.ok(abuseKinds.includes(kind), `${kind} is abuse`)
  for (const kind of ['injury_accident', 'drowning', 'other_rights_violation'] as const)
    t.notOk(abuseKinds.includes(kind), `${kind} is not abuse`)
})

t.test('where a priority case stands for criterion 6.2', async (t) => {
  const due = new Date('2024-03-13T16:59:59Z') // 23:59:59 in Hanoi
  const asOf = new Date('2024-11-15T16:59:59.999Z')
  const at = (iso: string) => new Date(iso)
  const cases: [string, { approvedAt: Date | null; closedAt: Date | null }, Date, string][] = [
    ['approved before the deadline', { approvedAt: at('2024-03-08T03:00:00Z'), closedAt: null }, asOf, 'timely'],
    ['approved at the last second', { approvedAt: due, closedAt: null }, asOf, 'timely'],
    ['approved a second late', { approvedAt: at('2024-03-13T17:00:00Z'), closedAt: null }, asOf, 'late'],
    ['never approved, deadline passed', { approvedAt: null, closedAt: null }, asOf, 'late'],
    ['not approved yet, deadline ahead', { approvedAt: null, closedAt: null }, at('2024-03-10T00:00:00Z'), 'pending'],
    ['approved after the assessment date', { approvedAt: at('2024-11-18T03:00:00Z'), closedAt: null }, asOf, 'late'],
    [
      'closed without a plan before it was due',
      { approvedAt: null, closedAt: at('2024-03-05T03:00:00Z') },
      asOf,
      'not_applicable',
    ],
    [
      'closed without a plan after it was due',
      { approvedAt: null, closedAt: at('2024-04-01T03:00:00Z') },
      asOf,
      'late',
    ],
    [
      'closed after the assessment date',
      { approvedAt: null, closedAt: at('2024-11-20T03:00:00Z') },
      at('2024-03-12T00:00:00Z'),
      'pending',
    ],
    [
      'approved in time, then closed',
      { approvedAt: at('2024-03-08T03:00:00Z'), closedAt: at('2024-09-01T03:00:00Z') },
      asOf,
      'timely',
    ],
  ]
  for (const [name, steps, when, standing] of cases) t.equal(priorityCaseStanding(steps, due, when), standing, name)
})
