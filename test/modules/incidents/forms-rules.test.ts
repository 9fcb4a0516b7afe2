import t from 'tap'
import {
  closureProblems,
  closureReasonsAllowed,
  contentChanges,
  emergencyResponseOnTime,
  formWriteRefusal,
  initialAssessmentProblems,
  intakeProblems,
  leastRiskLevel,
  planActions,
  redactChanges,
  reviewsProblems,
  specificAssessmentProblems,
  supportPlanProblems,
  withoutSensitive,
  type ClosureContent,
  type FormContext,
  type FormKind,
  type InitialAssessmentContent,
  type SupportPlanContent,
} from '../../../src/modules/incidents/forms-rules.js'
import type { CaseStep } from '../../../src/modules/incidents/rules.js'

// Received Monday 10 June 2024, 09:00 in Hanoi; now is Friday 14 June, 10:00.
const context: FormContext = {
  receivedAt: new Date('2024-06-10T02:00:00Z'),
  now: new Date('2024-06-14T03:00:00Z'),
  done: ['receipt', 'initial_assessment', 'specific_assessment'],
  plan: { goalCodes: ['M1', 'M2'], approved: true },
  assessedDomains: ['safety', 'psychosocial'],
}
const codes = (problems: { pointer: string; code: string }[]) => problems.map((p) => `${p.pointer} ${p.code}`)

t.test('which form may be written where the case stands', async (t) => {
  const cases: [FormKind, CaseStep[], boolean, boolean, string | null][] = [
    ['intake', ['receipt'], false, false, null],
    ['initial_assessment', ['receipt'], false, false, null],
    ['specific_assessment', ['receipt'], false, false, 'form_not_open'],
    ['specific_assessment', ['receipt', 'initial_assessment'], false, false, null],
    ['specific_assessment', ['receipt', 'initial_assessment'], true, false, 'form_not_open'],
    ['specific_assessment', ['receipt', 'initial_assessment', 'emergency_protection'], true, false, null],
    ['support_plan', ['receipt', 'initial_assessment'], false, false, 'form_not_open'],
    ['support_plan', ['receipt', 'initial_assessment', 'specific_assessment'], false, false, null],
    [
      'support_plan',
      ['receipt', 'initial_assessment', 'specific_assessment', 'support_plan', 'plan_approval'],
      false,
      false,
      null,
    ],
    [
      'reviews',
      ['receipt', 'initial_assessment', 'specific_assessment', 'support_plan'],
      false,
      false,
      'form_not_open',
    ],
    [
      'reviews',
      ['receipt', 'initial_assessment', 'specific_assessment', 'support_plan', 'plan_approval'],
      false,
      false,
      null,
    ],
    ['closure', ['receipt'], false, false, 'form_not_open'],
    ['closure', ['receipt', 'initial_assessment'], false, false, null],
    [
      'closure',
      ['receipt', 'initial_assessment', 'specific_assessment', 'support_plan', 'plan_approval', 'implementation'],
      false,
      false,
      'form_not_open',
    ],
    [
      'closure',
      [
        'receipt',
        'initial_assessment',
        'specific_assessment',
        'support_plan',
        'plan_approval',
        'implementation',
        'monitoring',
      ],
      false,
      false,
      null,
    ],
    ['intake', ['receipt', 'initial_assessment', 'closure'], false, true, 'case_closed'],
  ]
  for (const [kind, done, emergency, closed, expected] of cases)
    t.equal(formWriteRefusal(kind, done, emergency, closed)?.code ?? null, expected, `${kind} after ${done.at(-1)}`)
})

t.test('the risk level is at least what its criteria call for', async (t) => {
  t.equal(leastRiskLevel([]), 'low')
  t.equal(leastRiskLevel(['out_of_school', 'child_under_6']), 'medium')
  t.equal(leastRiskLevel(['emotional_distress', 'perpetrator_has_access']), 'high')
})

t.test('initial assessment', async (t) => {
  const base: InitialAssessmentContent = {
    assessedAt: '2024-06-10T15:00:00+07:00',
    riskLevel: 'medium',
    riskCriteria: ['repeated_harm'],
    childSafeNow: true,
    emergencyResponse: { needed: false },
  }
  const cases: [string, Partial<InitialAssessmentContent>, string[]][] = [
    ['valid', {}, []],
    ['risk below its criteria', { riskLevel: 'low' }, ['/riskLevel risk_level_below_criteria']],
    [
      'a criterion twice',
      { riskCriteria: ['repeated_harm', 'repeated_harm'] },
      ['/riskCriteria/1 duplicate_criterion'],
    ],
    [
      'high risk, not safe, no response',
      { riskLevel: 'high', childSafeNow: false },
      ['/emergencyResponse/needed emergency_response_required'],
    ],
    [
      'a response needed but not described',
      { emergencyResponse: { needed: true } },
      [
        '/emergencyResponse/respondedAt emergency_response_incomplete',
        '/emergencyResponse/actions emergency_response_incomplete',
      ],
    ],
    [
      'a response before receipt',
      { emergencyResponse: { needed: true, respondedAt: '2024-06-10T08:00:00+07:00', actions: ['shelter'] } },
      ['/emergencyResponse/respondedAt before_receipt'],
    ],
    ['assessed in the future', { assessedAt: '2024-06-15T10:00:00+07:00' }, ['/assessedAt date_in_future']],
    ['assessed before receipt', { assessedAt: '2024-06-10T08:00:00+07:00' }, ['/assessedAt before_receipt']],
  ]
  for (const [name, change, expected] of cases)
    t.same(codes(initialAssessmentProblems({ ...base, ...change }, context)), expected, name)
  t.equal(emergencyResponseOnTime(context.receivedAt, '2024-06-10T21:00:00+07:00'), true, '12 hours exactly')
  t.equal(emergencyResponseOnTime(context.receivedAt, '2024-06-10T21:01:00+07:00'), false)
  t.equal(emergencyResponseOnTime(context.receivedAt, null), null)
})

t.test('intake and specific assessment', async (t) => {
  const intake = { receivedAt: '2024-06-10T08:50:00+07:00', channel: 'neighbour' as const }
  t.same(intakeProblems(intake, context), [])
  t.same(codes(intakeProblems({ ...intake, receivedAt: '2024-06-10T09:30:00+07:00' }, context)), [
    '/receivedAt after_case_receipt',
  ])
  t.same(codes(intakeProblems({ ...intake, channel: 'other' }, context)), ['/channelDetail detail_required'])
  t.same(codes(intakeProblems({ ...intake, reporter: { anonymous: false } }, context)), [
    '/reporter/name reporter_required',
  ])
  t.same(intakeProblems({ ...intake, reporter: { anonymous: true } }, context), [])
  const needs = [
    { domain: 'safety' as const, priority: 'high' as const },
    { domain: 'safety' as const, priority: 'low' as const },
  ]
  t.same(codes(specificAssessmentProblems({ assessedOn: '2024-06-12', needs }, context)), [
    '/needs/1/domain duplicate_domain',
  ])
  t.same(codes(specificAssessmentProblems({ assessedOn: '2024-06-09', needs: needs.slice(0, 1) }, context)), [
    '/assessedOn before_receipt',
  ])
})

t.test('support plan and reviews', async (t) => {
  const action = {
    service: 'Tham vấn tâm lý',
    responsible: { kind: 'agency' as const, name: 'Trung tâm Công tác xã hội' },
    startOn: '2024-06-12',
    dueOn: '2024-08-30',
  }
  const goal = { code: 'M1', domain: 'safety' as const, title: 'An toàn', actions: [action] }
  const cases: [string, SupportPlanContent, string[]][] = [
    ['valid', { goals: [goal] }, []],
    ['two goals of one code', { goals: [goal, { ...goal, domain: 'psychosocial' }] }, ['/goals/1/code duplicate_goal']],
    ['a need not assessed', { goals: [{ ...goal, domain: 'legal' }] }, ['/goals/0/domain domain_not_assessed']],
    [
      'due before start',
      { goals: [{ ...goal, actions: [{ ...action, dueOn: '2024-06-11' }] }] },
      ['/goals/0/actions/0/dueOn dates_out_of_order'],
    ],
    [
      'started before receipt',
      { goals: [{ ...goal, actions: [{ ...action, startOn: '2024-06-01' }] }] },
      ['/goals/0/actions/0/startOn before_receipt'],
    ],
    [
      'a key given twice',
      {
        goals: [
          {
            ...goal,
            actions: [
              { ...action, key: 'visit' },
              { ...action, key: 'visit' },
            ],
          },
        ],
      },
      ['/goals/0/actions/1/key duplicate_action_key'],
    ],
    [
      'a key that is another action’s place',
      { goals: [{ ...goal, actions: [action, { ...action, key: 'M1.1' }] }] },
      ['/goals/0/actions/1/key duplicate_action_key'],
    ],
    [
      'an officer named for an agency',
      {
        goals: [
          {
            ...goal,
            actions: [
              { ...action, responsible: { ...action.responsible, userId: '0c6f3b52-8f0e-4a4e-9d53-5a1f7a3f1e01' } },
            ],
          },
        ],
      },
      ['/goals/0/actions/0/responsible/userId user_for_agency'],
    ],
  ]
  for (const [name, plan, expected] of cases) t.same(codes(supportPlanProblems(plan, context)), expected, name)
  t.same(
    supportPlanProblems({ goals: [{ ...goal, domain: 'legal' }] }, { ...context, assessedDomains: null }),
    [],
    'no assessment form to hold it to',
  )
  const officer = '0c6f3b52-8f0e-4a4e-9d53-5a1f7a3f1e01'
  t.same(
    planActions({
      goals: [
        {
          ...goal,
          actions: [
            action,
            { ...action, key: 'weekly-visit', responsible: { kind: 'person', name: 'Trần Văn Hùng', userId: officer } },
          ],
        },
        { ...goal, code: 'M2', actions: [{ ...action, dueOn: '2024-09-30' }] },
      ],
    }),
    [
      { key: 'M1.1', pointer: '/goals/0/actions/0', dueOn: '2024-08-30', userId: null },
      { key: 'weekly-visit', pointer: '/goals/0/actions/1', dueOn: '2024-08-30', userId: officer },
      { key: 'M2.1', pointer: '/goals/1/actions/0', dueOn: '2024-09-30', userId: null },
    ],
    'an action is keyed by its own key, else by its goal and place',
  )
  const reviews = {
    reviews: [
      {
        reviewedOn: '2024-06-13',
        progress: [
          { goalCode: 'M1', status: 'in_progress' as const },
          { goalCode: 'M9', status: 'achieved' as const },
          { goalCode: 'M1', status: 'achieved' as const },
        ],
      },
    ],
  }
  t.same(codes(reviewsProblems(reviews, context)), [
    '/reviews/0/progress/2/goalCode duplicate_goal',
    '/reviews/0/progress/1/goalCode unknown_goal',
  ])
})

t.test('closure reasons by stage', async (t) => {
  const early: CaseStep[] = ['receipt', 'initial_assessment']
  const late: CaseStep[] = [
    'receipt',
    'initial_assessment',
    'specific_assessment',
    'support_plan',
    'plan_approval',
    'implementation',
    'monitoring',
  ]
  t.notOk(closureReasonsAllowed(early).includes('goals_met'))
  t.ok(closureReasonsAllowed(early).includes('not_a_protection_case'))
  t.notOk(closureReasonsAllowed(late).includes('not_a_protection_case'))
  const base: ClosureContent = { reason: 'goals_met', closedOn: '2024-06-14' }
  const cases: [string, Partial<ClosureContent>, CaseStep[], FormContext['plan'], string[]][] = [
    ['goals met with an approved plan', {}, late, context.plan, []],
    ['goals met without approval', {}, late, { goalCodes: ['M1'], approved: false }, ['/reason plan_not_approved']],
    ['goals met before a plan', {}, early, null, ['/reason reason_not_allowed']],
    ['not a case, early', { reason: 'not_a_protection_case' }, early, null, []],
    ['not a case, late', { reason: 'not_a_protection_case' }, late, context.plan, ['/reason reason_not_allowed']],
    ['transferred nowhere', { reason: 'transferred' }, late, context.plan, ['/transferredTo transferred_to_required']],
    ['other without why', { reason: 'other' }, early, null, ['/detail detail_required']],
    ['closed tomorrow', { reason: 'moved_away', closedOn: '2024-06-15' }, early, null, ['/closedOn date_in_future']],
  ]
  for (const [name, change, done, plan, expected] of cases)
    t.same(codes(closureProblems({ ...base, ...change }, { ...context, done, plan })), expected, name)
})

t.test('sensitive parts are withheld, and so are changes only to them', async (t) => {
  t.same(
    withoutSensitive('intake', {
      channel: 'neighbour',
      reporter: { anonymous: false, name: 'Nguyễn Thị Lan' },
      account: 'kể lại',
    }),
    { channel: 'neighbour' },
  )
  t.same(
    withoutSensitive('specific_assessment', {
      assessedOn: '2024-06-12',
      needs: [{ domain: 'health', priority: 'high', description: 'vết thương' }],
      summary: 'kết luận',
    }),
    { assessedOn: '2024-06-12', needs: [{ domain: 'health', priority: 'high' }] },
  )
  t.same(
    withoutSensitive('reviews', {
      reviews: [
        { reviewedOn: '2024-07-01', notes: 'x', progress: [{ goalCode: 'M1', status: 'achieved', note: 'y' }] },
      ],
    }),
    { reviews: [{ reviewedOn: '2024-07-01', progress: [{ goalCode: 'M1', status: 'achieved' }] }] },
  )
  t.same(
    withoutSensitive('initial_assessment', {
      riskLevel: 'high',
      findings: 'f',
      emergencyResponse: { needed: true, note: 'n' },
    }),
    { riskLevel: 'high', emergencyResponse: { needed: true } },
  )
  const changes = contentChanges(
    { needs: [{ domain: 'health', priority: 'high', description: 'a' }], summary: 'a' },
    { needs: [{ domain: 'health', priority: 'high', description: 'b' }], summary: 'b', assessedOn: '2024-06-12' },
  )
  t.same(
    changes.map((c) => c.field),
    ['assessedOn', 'needs', 'summary'],
  )
  t.same(redactChanges('specific_assessment', changes), [{ field: 'assessedOn', from: null, to: '2024-06-12' }])
})
