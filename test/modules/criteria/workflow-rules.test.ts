import t from 'tap'
import { scoringSide } from '../../../src/modules/criteria/score-rules.js'
import { verdict } from '../../../src/modules/criteria/verdict-rules.js'
import {
  assessedOnProblems,
  assessmentStates,
  canTransition,
  decisionProblems,
  isTransition,
  nextStates,
  type AssessmentActor,
  type AssessmentState,
} from '../../../src/modules/criteria/workflow-rules.js'
import { scores, seed } from './fixtures/seed.js'

t.test('assessment workflow', async (t) => {
  t.same([...assessmentStates], ['draft', 'submitted', 'appraised', 'decided'])
  const actors: Record<string, AssessmentActor> = {
    ward: { isWardOfAssessment: true, isDistrict: false },
    district: { isWardOfAssessment: false, isDistrict: true },
    otherWard: { isWardOfAssessment: false, isDistrict: false },
    // An account acting for both sides must not appraise its own ward.
    districtAndWard: { isWardOfAssessment: true, isDistrict: true },
  }
  const allowed = new Set([
    'draft>submitted:ward',
    'draft>submitted:districtAndWard',
    'submitted>appraised:district',
    'submitted>draft:district',
    'appraised>decided:district',
  ])
  for (const from of assessmentStates) {
    for (const to of assessmentStates) {
      for (const [name, actor] of Object.entries(actors)) {
        t.equal(canTransition(from, to, actor), allowed.has(`${from}>${to}:${name}`), `${from} → ${to} by ${name}`)
      }
    }
  }
  const next: [AssessmentState, string, AssessmentState[]][] = [
    ['draft', 'ward', ['submitted']],
    ['draft', 'district', []],
    ['submitted', 'district', ['draft', 'appraised']],
    ['submitted', 'ward', []],
    ['appraised', 'district', ['decided']],
    ['decided', 'district', []],
    ['decided', 'ward', []],
  ]
  for (const [from, name, expected] of next)
    t.same(nextStates(from, actors[name]!), expected, `from ${from} for ${name}`)
})

t.test('which transitions exist at all', async (t) => {
  const existing = ['draft>submitted', 'submitted>draft', 'submitted>appraised', 'appraised>decided']
  for (const from of assessmentStates) {
    for (const to of assessmentStates)
      t.equal(isTransition(from, to), existing.includes(`${from}>${to}`), `${from} → ${to}`)
  }
  t.same(
    assessmentStates.map((state) => scoringSide(state)),
    ['ward', 'district', 'district', null],
    'the ward drafts, the district adjusts while it holds the dossier, nobody after the decision',
  )
})

t.test('dates of an assessment and its decision', async (t) => {
  const dateCases: [string, number, string, string[]][] = [
    ['in November of its year', 2024, '2024-11-15', []],
    ['today', 2024, '2024-11-20', []],
    ['another year', 2024, '2023-12-31', ['outside_year']],
    ['tomorrow', 2024, '2024-11-21', ['date_in_future']],
    ['another year, and ahead of today', 2024, '2025-01-02', ['outside_year', 'date_in_future']],
  ]
  for (const [name, year, assessedOn, codes] of dateCases) {
    t.same(
      assessedOnProblems(year, assessedOn, '2024-11-20').map((p) => p.code),
      codes,
      name,
    )
  }
  const met = verdict(seed, 'other', scores())
  const failing = verdict(seed, 'other', scores({ '5': 0 }))
  const decisionCases: [string, boolean, string, typeof met, string[], string | null][] = [
    ['recognised on a supporting verdict', true, '2024-11-19', met, [], '2024-11-01'],
    ['an extraordinary round has no month', true, '2024-11-15', met, [], null],
    ['not recognised on a supporting verdict', false, '2024-11-19', met, [], '2024-11-01'],
    ['recognised against the verdict', true, '2024-11-19', failing, ['verdict_not_met'], '2024-11-01'],
    ['not recognised on a failing verdict', false, '2024-11-19', failing, [], '2024-11-01'],
    ['dated before the assessment', false, '2024-11-14', met, ['before_assessment'], '2024-11-01'],
    ['dated tomorrow', false, '2024-11-21', met, ['date_in_future'], '2024-11-01'],
  ]
  for (const [name, recognised, decisionDate, result, codes, monthOpens] of decisionCases) {
    const problems = decisionProblems(
      { recognised, decisionDate },
      { assessedOn: '2024-11-15', verdict: result, monthOpens },
      '2024-11-20',
    )
    t.same(
      problems.map((p) => p.code),
      codes,
      name,
    )
  }
  // A self-assessment held in October, decided when the round opens.
  const monthCases: [string, string, string | null, string[]][] = [
    ['on the first day of the assessment month', '2024-11-01', '2024-11-01', []],
    ['the day before it', '2024-10-31', '2024-11-01', ['before_assessment_month']],
    ['an extraordinary round, any day after the assessment', '2024-10-31', null, []],
  ]
  for (const [name, decisionDate, monthOpens, codes] of monthCases) {
    t.same(
      decisionProblems(
        { recognised: true, decisionDate },
        { assessedOn: '2024-10-20', verdict: met, monthOpens },
        '2024-11-20',
      ).map((p) => p.code),
      codes,
      name,
    )
  }
  t.equal(
    decisionProblems(
      { recognised: true, decisionDate: '2024-11-19' },
      { assessedOn: '2024-11-15', verdict: failing, monthOpens: null },
      '2024-11-20',
    )[0]!.message,
    'the scores do not support recognition: criterion 5 scored 0',
  )
})
