import t from 'tap'
import { byUrgency, compareTasks, type JudgedTask } from '../../../src/modules/tasks/rules.js'
import type { Task } from '../../../src/modules/tasks/source.js'

const task = (kind: string, id: string, dueAt: string): Task => ({
  kind,
  id,
  subject: 'review',
  label: 'Case review',
  dueAt: new Date(dueAt),
  incidentId: id,
  wardCode: '00301',
  link: `/v1/x/${id}`,
})

t.test('urgency: overdue first, then by due instant, ties by kind and id', async (t) => {
  const now = new Date('2024-06-10T05:00:00Z')
  const steps = [task('case_step', 'b', '2024-06-10T04:00:00Z'), task('case_step', 'a', '2024-06-12T00:00:00Z')]
  const followUps = [
    task('follow_up', 'c', '2024-06-09T16:59:59Z'),
    task('follow_up', 'd', '2024-06-12T00:00:00Z'),
    task('follow_up', 'e', '2024-06-10T05:00:00Z'),
  ]
  const cases: [string, readonly (readonly Task[])[], number, [string, boolean][]][] = [
    [
      'two sources',
      [steps, followUps],
      10,
      [
        ['c', true],
        ['b', true],
        ['e', false], // due this very instant: not yet overdue
        ['a', false], // same instant as d: case_step sorts before follow_up
        ['d', false],
      ],
    ],
    [
      'limited',
      [followUps, steps],
      2,
      [
        ['c', true],
        ['b', true],
      ],
    ],
    ['nothing', [[], []], 5, []],
  ]
  for (const [name, lists, limit, expected] of cases)
    t.same(
      byUrgency(lists, now, limit).map((judged) => [judged.id, judged.overdue]),
      expected,
      name,
    )
})

t.test('an overdue task comes first even if a later source says otherwise', async (t) => {
  const judged = (overdue: boolean, dueAt: string, id: string): JudgedTask => ({
    ...task('follow_up', id, dueAt),
    overdue,
  })
  const cases: [JudgedTask, JudgedTask, number][] = [
    [judged(true, '2024-06-10T00:00:00Z', 'a'), judged(false, '2024-06-09T00:00:00Z', 'b'), -1],
    [judged(false, '2024-06-09T00:00:00Z', 'a'), judged(false, '2024-06-10T00:00:00Z', 'b'), -1],
    [judged(false, '2024-06-09T00:00:00Z', 'b'), judged(false, '2024-06-09T00:00:00Z', 'a'), 1],
    [judged(false, '2024-06-09T00:00:00Z', 'a'), judged(false, '2024-06-09T00:00:00Z', 'a'), 0],
  ]
  for (const [a, b, sign] of cases) t.equal(Math.sign(compareTasks(a, b)), sign, `${a.id} vs ${b.id}`)
})
