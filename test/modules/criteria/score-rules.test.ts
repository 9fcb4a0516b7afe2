import t from 'tap'
import {
  resolveScore,
  scoreProblems,
  scoreRecordNotes,
  type CriterionScore,
  type ScoreInput,
} from '../../../src/modules/criteria/score-rules.js'
import {
  suggestBirthRegistration,
  suggestCollaboratorCoverage,
  suggestCriterion6,
  type Suggestion,
} from '../../../src/modules/criteria/suggestion-rules.js'
import { seed } from './fixtures/seed.js'

t.test('score problems', async (t) => {
  const cases: [string, string, CriterionScore, { code: string; pointer: string; message?: string }[]][] = [
    ['full marks', '1', { points: 100 }, []],
    ['zero is a valid score', '1', { points: 0 }, []],
    [
      'fractional points are accepted',
      '6',
      {
        points: 62.5,
        subItems: [
          { code: '6.1', points: 50 },
          { code: '6.2', points: 12.5 },
        ],
      },
      [],
    ],
    [
      'an unknown criterion',
      '14',
      { points: 10 },
      [
        {
          code: 'unknown_criterion',
          pointer: '/criterionCode',
          message: 'criterion 14 is not part of criteria set QD06-2019',
        },
      ],
    ],
    [
      'above the maximum',
      '7',
      { points: 51 },
      [{ code: 'above_max', pointer: '/points', message: 'criterion 7 scored 51, above its maximum of 50' }],
    ],
    [
      'negative',
      '7',
      { points: -1 },
      [{ code: 'negative', pointer: '/points', message: 'criterion 7 cannot score below 0 (got -1)' }],
    ],
    ['not a number', '7', { points: Number.NaN }, [{ code: 'not_a_number', pointer: '/points' }]],
    [
      'sub-items that add up',
      '1',
      {
        points: 80,
        subItems: [
          { code: '1.1', points: 50 },
          { code: '1.2', points: 15 },
          { code: '1.3', points: 15 },
        ],
      },
      [],
    ],
    [
      'sub-items that do not add up',
      '1',
      {
        points: 90,
        subItems: [
          { code: '1.1', points: 50 },
          { code: '1.2', points: 15 },
          { code: '1.3', points: 15 },
        ],
      },
      [
        {
          code: 'sub_items_sum_mismatch',
          pointer: '/subItems',
          message: 'sub-items of criterion 1 add up to 80, not the 90 points given',
        },
      ],
    ],
    [
      'an unknown sub-item (no sum check on top)',
      '1',
      {
        points: 65,
        subItems: [
          { code: '1.1', points: 50 },
          { code: '1.9', points: 15 },
        ],
      },
      [{ code: 'unknown_sub_item', pointer: '/subItems/1/code', message: 'sub-item 1.9 is not part of criterion 1' }],
    ],
    [
      'a sub-item above its maximum',
      '1',
      {
        points: 70,
        subItems: [
          { code: '1.1', points: 50 },
          { code: '1.2', points: 20 },
        ],
      },
      [
        {
          code: 'above_max',
          pointer: '/subItems/1/points',
          message: 'sub-item 1.2 scored 20, above its maximum of 15',
        },
      ],
    ],
    [
      'a negative sub-item',
      '1',
      {
        points: 45,
        subItems: [
          { code: '1.1', points: 50 },
          { code: '1.2', points: -5 },
        ],
      },
      [{ code: 'negative', pointer: '/subItems/1/points' }],
    ],
    [
      'a sub-item scored twice',
      '1',
      {
        points: 50,
        subItems: [
          { code: '1.1', points: 25 },
          { code: '1.1', points: 25 },
        ],
      },
      [{ code: 'duplicate_sub_item', pointer: '/subItems/1/code' }],
    ],
    [
      'a sub-item on a criterion without any',
      '4',
      { points: 30, subItems: [{ code: '4.1', points: 30 }] },
      [{ code: 'unknown_sub_item', pointer: '/subItems/0/code' }],
    ],
    ['an empty sub-item list is no breakdown', '1', { points: 50, subItems: [] }, []],
    [
      'above the maximum and not matching its sub-items',
      '1',
      {
        points: 120,
        subItems: [
          { code: '1.1', points: 50 },
          { code: '1.2', points: 15 },
          { code: '1.3', points: 15 },
          { code: '1.4', points: 20 },
        ],
      },
      [
        { code: 'above_max', pointer: '/points' },
        {
          code: 'sub_items_sum_mismatch',
          pointer: '/subItems',
          message: 'sub-items of criterion 1 add up to 100, not the 120 points given',
        },
      ],
    ],
  ]
  for (const [name, code, score, expected] of cases) {
    const problems = scoreProblems(seed, code, score)
    t.same(
      problems.map((p, i) => (expected[i]?.message === undefined ? { code: p.code, pointer: p.pointer } : p)),
      expected,
      name,
    )
  }
})

t.test('resolving a score change', async (t) => {
  const suggestion6 = suggestCriterion6(
    { specialCircumstanceChildren: 20, supported: 19, priorityCases: 2, priorityCasesWithTimelyApprovedPlan: 1 },
    seed,
  )
  const suggestion1 = suggestCollaboratorCoverage({ residentialGroups: 12, groupsWithCollaborator: 12 }, seed)
  const suggestion2 = suggestBirthRegistration({ births: 100, registeredBirths: 90 }, seed)
  type Case = [
    string,
    string,
    ScoreInput,
    Suggestion | null,
    'ward' | 'district',
    CriterionScore | null,
    [string, string][],
  ]
  const cases: Case[] = [
    ['points by hand, no suggestion', '7', { points: 40 }, null, 'ward', { points: 40, subItems: [] }, []],
    [
      'accepting',
      '6',
      { acceptSuggestion: true },
      suggestion6,
      'ward',
      {
        points: 50,
        subItems: [
          { code: '6.1', points: 50 },
          { code: '6.2', points: 0 },
        ],
      },
      [],
    ],
    [
      'departing with a reason',
      '6',
      { points: 125, overrideReason: 'Plan approved on paper in time' },
      suggestion6,
      'ward',
      { points: 125, subItems: [] },
      [],
    ],
    [
      'departing without one',
      '6',
      { points: 125 },
      suggestion6,
      'ward',
      { points: 125, subItems: [] },
      [['/overrideReason', 'override_reason_required']],
    ],
    [
      'a blank reason is none',
      '6',
      { points: 125, overrideReason: '  ' },
      suggestion6,
      'ward',
      { points: 125, subItems: [] },
      [['/overrideReason', 'override_reason_required']],
    ],
    ['no proposal to depart from', '2', { points: 40 }, suggestion2, 'ward', { points: 40, subItems: [] }, []],
    [
      'typing exactly the suggested points is no departure',
      '6',
      { points: 50 },
      suggestion6,
      'ward',
      { points: 50, subItems: [] },
      [],
    ],
    [
      'the suggested total with other sub-item points is one',
      '6',
      {
        points: 50,
        subItems: [
          { code: '6.1', points: 0 },
          { code: '6.2', points: 50 },
        ],
      },
      suggestion6,
      'ward',
      {
        points: 50,
        subItems: [
          { code: '6.1', points: 0 },
          { code: '6.2', points: 50 },
        ],
      },
      [['/overrideReason', 'override_reason_required']],
    ],
    [
      'nothing to accept',
      '2',
      { acceptSuggestion: true },
      suggestion2,
      'ward',
      null,
      [['/acceptSuggestion', 'suggestion_without_points']],
    ],
    [
      'accepting with a reason',
      '6',
      { acceptSuggestion: true, overrideReason: 'x' },
      suggestion6,
      'ward',
      {
        points: 50,
        subItems: [
          { code: '6.1', points: 50 },
          { code: '6.2', points: 0 },
        ],
      },
      [['/overrideReason', 'override_reason_not_applicable']],
    ],
    [
      'a partial suggestion completed',
      '1',
      {
        acceptSuggestion: true,
        subItems: [
          { code: '1.4', points: 10 },
          { code: '1.1', points: 50 },
          { code: '1.3', points: 15 },
        ],
      },
      suggestion1,
      'ward',
      {
        points: 90,
        subItems: [
          { code: '1.1', points: 50 },
          { code: '1.2', points: 15 },
          { code: '1.3', points: 15 },
          { code: '1.4', points: 10 },
        ],
      },
      [],
    ],
    [
      'a partial suggestion alone',
      '1',
      { acceptSuggestion: true },
      suggestion1,
      'ward',
      { points: 15, subItems: [{ code: '1.2', points: 15 }] },
      [['/subItems', 'incomplete_sub_items']],
    ],
    [
      'a suggested sub-item given again',
      '1',
      {
        acceptSuggestion: true,
        subItems: [
          { code: '1.2', points: 10 },
          { code: '1.1', points: 50 },
          { code: '1.3', points: 15 },
          { code: '1.4', points: 20 },
        ],
      },
      suggestion1,
      'ward',
      {
        points: 95,
        subItems: [
          { code: '1.1', points: 50 },
          { code: '1.2', points: 10 },
          { code: '1.3', points: 15 },
          { code: '1.4', points: 20 },
        ],
      },
      [['/subItems/0/code', 'suggested_sub_item_given']],
    ],
    [
      'the district adjusts with a reason',
      '6',
      { points: 100, adjustmentReason: 'Case file shows late approval' },
      suggestion6,
      'district',
      { points: 100, subItems: [] },
      [],
    ],
    [
      'the district adjusts without one',
      '6',
      { points: 100 },
      suggestion6,
      'district',
      { points: 100, subItems: [] },
      [['/adjustmentReason', 'adjustment_reason_required']],
    ],
    [
      'the ward cannot adjust',
      '7',
      { points: 40, adjustmentReason: 'x' },
      null,
      'ward',
      { points: 40, subItems: [] },
      [['/adjustmentReason', 'adjustment_reason_not_applicable']],
    ],
    ['above the maximum', '7', { points: 51 }, null, 'ward', { points: 51, subItems: [] }, [['/points', 'above_max']]],
    ['no points given', '7', {}, null, 'ward', null, [['/points', 'points_required']]],
    ['an unknown criterion', '14', { points: 1 }, null, 'ward', null, [['/criterionCode', 'unknown_criterion']]],
  ]
  for (const [name, criterion, input, suggestion, side, score, problems] of cases) {
    const result = resolveScore(seed, criterion, input, suggestion, side)
    t.same(result.score, score, `${name}: score`)
    t.same(
      result.problems.map((p) => [p.pointer, p.code]),
      problems,
      `${name}: problems`,
    )
  }
})

t.test('what a score entry keeps besides its points', async (t) => {
  const photo = { name: 'biên bản.pdf', reference: 'doc-1' }
  const district = { name: 'thẩm định.pdf', reference: 'doc-2' }
  const wardEntry = {
    points: 40,
    evidenceNote: 'sổ theo dõi',
    attachments: [photo],
    overrideReason: 'số liệu phường',
    adjustedByDistrict: false,
    adjustmentReason: null,
    wardPoints: null,
  }
  const adjusted = {
    ...wardEntry,
    points: 30,
    adjustedByDistrict: true,
    adjustmentReason: 'thiếu minh chứng',
    wardPoints: 40,
  }
  const cases: [string, Parameters<typeof scoreRecordNotes>, ReturnType<typeof scoreRecordNotes>][] = [
    [
      'the ward says only what it says, even over its earlier entry',
      ['ward', { evidenceNote: 'mới' }, wardEntry],
      {
        evidenceNote: 'mới',
        attachments: [],
        overrideReason: null,
        adjustedByDistrict: false,
        adjustmentReason: null,
        wardPoints: null,
      },
    ],
    [
      'the district keeps the ward’s evidence and remembers its points',
      ['district', { adjustmentReason: 'thiếu minh chứng' }, wardEntry],
      {
        evidenceNote: 'sổ theo dõi',
        attachments: [photo],
        overrideReason: 'số liệu phường',
        adjustedByDistrict: true,
        adjustmentReason: 'thiếu minh chứng',
        wardPoints: 40,
      },
    ],
    [
      'the district’s own evidence replaces the ward’s',
      ['district', { evidenceNote: 'kiểm tra thực tế', attachments: [district], adjustmentReason: 'r' }, wardEntry],
      {
        evidenceNote: 'kiểm tra thực tế',
        attachments: [district],
        overrideReason: 'số liệu phường',
        adjustedByDistrict: true,
        adjustmentReason: 'r',
        wardPoints: 40,
      },
    ],
    [
      'adjusting an adjustment keeps the ward’s points, not the district’s first figure',
      ['district', { adjustmentReason: 'lần hai' }, adjusted],
      {
        evidenceNote: 'sổ theo dõi',
        attachments: [photo],
        overrideReason: 'số liệu phường',
        adjustedByDistrict: true,
        adjustmentReason: 'lần hai',
        wardPoints: 40,
      },
    ],
    [
      'a criterion the ward never scored',
      ['district', { adjustmentReason: 'bổ sung' }, undefined],
      {
        evidenceNote: null,
        attachments: [],
        overrideReason: null,
        adjustedByDistrict: true,
        adjustmentReason: 'bổ sung',
        wardPoints: null,
      },
    ],
  ]
  for (const [name, args, expected] of cases) t.same(scoreRecordNotes(...args), expected, name)
})
