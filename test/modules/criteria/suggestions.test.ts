import t from 'tap'
import type { IncidentKind } from '../../../src/modules/incidents/rules.js'
import { incidentChildren, incidents, incidentSteps } from '../../../src/modules/incidents/tables.js'
import { inScope, systemScope } from '../../../src/platform/scope.js'
import { createTestApp, type TestApp } from '../../support/app.js'
import { accountFor, province, wardA, wardB, type TestAccount } from '../../support/auth.js'
import { addResidentialGroup, registerChild } from '../../support/registry.js'
import { openAssessment, putScore } from './fixtures/http.js'
import { loadCaseStepRules } from '../../../src/reference/index.js'

const { writtenReportKinds } = loadCaseStepRules().data

const assessedOn = '2024-11-15'

/** Records an incident straight in the database, with its children and case steps (the incident API has its own tests). */
async function recordIncident(
  { app }: TestApp,
  spec: {
    ward: string
    kind: IncidentKind
    occurredAt: string
    receivedAt?: string
    injuryOutcome?: 'treated' | 'hospitalised' | 'death'
    childIds?: string[]
    unregisteredChildren?: number
    steps?: [step: 'plan_approval' | 'closure', at: string][]
  },
) {
  const occurredAt = new Date(spec.occurredAt)
  const receivedAt = new Date(spec.receivedAt ?? spec.occurredAt)
  const unit = { provinceCode: province, wardCode: spec.ward, residentialGroupCode: null }
  await inScope(app.database.db, systemScope, async (tx) => {
    const [row] = await tx
      .insert(incidents)
      .values({
        ...unit,
        kind: spec.kind,
        occurredAt,
        occurredAtPrecision: 'exact',
        detectedAt: occurredAt,
        channel: 'phone',
        injuryOutcome: spec.injuryOutcome ?? null,
        writtenReportDueAt: new Date(occurredAt.getTime() + 24 * 3600_000),
        writtenReportBasis: 'occurred',
        writtenReportRequired: writtenReportKinds.includes(spec.kind),
        receivedAt,
        createdAt: receivedAt,
        updatedAt: receivedAt,
      })
      .returning({ id: incidents.id })
    const incidentId = row!.id
    const involved = [
      ...(spec.childIds ?? []).map((childId) => ({ childId, unregistered: null })),
      ...Array.from({ length: spec.unregisteredChildren ?? 0 }, () => ({
        childId: null,
        unregistered: { estimatedAgeYears: 9 },
      })),
    ]
    for (const child of involved)
      await tx.insert(incidentChildren).values({ ...unit, incidentId, ...child, createdAt: receivedAt })
    for (const [step, at] of spec.steps ?? [])
      await tx.insert(incidentSteps).values({ ...unit, incidentId, step, at: new Date(at), createdAt: new Date(at) })
  })
}

interface SuggestedItem {
  code: string
  points: number | null
  numerator: number
  denominator: number
  met: boolean
}

function figures(assessment: {
  criteria: { code: string; suggestion: { points: number | null; subItems: SuggestedItem[] } | null }[]
}) {
  const result: Record<string, [number | null, [string, number | null, number, number, boolean][]] | null> = {}
  for (const criterion of assessment.criteria) {
    const suggestion = criterion.suggestion
    result[criterion.code] = suggestion && [
      suggestion.points,
      suggestion.subItems.map((s) => [s.code, s.points, s.numerator, s.denominator, s.met]),
    ]
  }
  return result
}

t.test('scores suggested from the registry and incidents, as of the assessment date', async (t) => {
  const ctx = await createTestApp(t, { now: '2024-11-20T03:00:00Z' })
  const { app } = ctx
  const admin = await accountFor(ctx, { role: 'district_admin', units: [province] })
  const district = await accountFor(ctx, { role: 'district_officer', units: [province] })
  const officerA = await accountFor(ctx, { role: 'ward_officer', units: [wardA] })
  const officerB = await accountFor(ctx, { role: 'ward_officer', units: [wardB] })

  // Residential groups of ward A: three in force on the assessment date, one closed before it, one opened after.
  const group = (n: number) => `${wardA}-T0${n}`
  const groups: [number, string, string | undefined][] = [
    [1, '2020-01-01', undefined],
    [2, '2020-01-01', undefined],
    [3, '2020-01-01', undefined],
    [4, '2020-01-01', '2023-12-31'],
    [5, '2024-12-01', undefined],
  ]
  for (const [n, validFrom, validTo] of groups) {
    const response = await addResidentialGroup(ctx, admin, {
      code: group(n),
      nameVi: `Tổ dân phố ${n}`,
      parentCode: wardA,
      validFrom,
      ...(validTo ? { validTo } : {}),
    })
    t.equal(response.statusCode, 201, `group ${n}`)
  }
  await addResidentialGroup(ctx, admin, { code: `${wardB}-T01`, nameVi: 'Tổ dân phố 1', parentCode: wardB })
  await accountFor(ctx, { role: 'collaborator', units: [group(1)] })
  await accountFor(ctx, { role: 'collaborator', units: [group(2)] })
  await accountFor(ctx, { role: 'collaborator', units: [group(3)], active: false })
  await accountFor(ctx, { role: 'ward_officer', units: [group(3)] })
  await accountFor(ctx, { role: 'collaborator', units: [group(4)] })
  await accountFor(ctx, { role: 'collaborator', units: [`${wardB}-T01`] })

  // Children of ward A. On 15 November: c1–c4 and c7 live there (5), three with their birth registered.
  const child = (
    account: TestAccount,
    fullName: string,
    dateOfBirth: string,
    extra: Record<string, unknown> = {},
    ward = wardA,
  ) => registerChild(ctx, account, { fullName, dateOfBirth, address: { wardCode: ward }, ...extra })
  const c1 = await child(officerA, 'Nguyễn Thị Mai', '2015-03-01', { birthRegistered: true })
  const c2 = await child(officerA, 'Trần Văn Bình', '2018-01-01', { birthRegistered: true, sex: 'male' })
  const c3 = await child(officerA, 'Lê Thị Cúc', '2020-05-05', { birthRegistered: false })
  const c4 = await child(officerA, 'Phạm Văn Dũng', '2010-01-01', { sex: 'male' })
  await child(officerA, 'Hoàng Thị Em', '2024-11-18', { birthRegistered: true }) // born after the assessment date
  const c6 = await child(officerA, 'Vũ Văn Phúc', '2016-06-06', { birthRegistered: true, sex: 'male' })
  const c7 = await child(officerA, 'Đỗ Thị Giang', '2017-07-07', { birthRegistered: true })
  await child(officerB, 'Bùi Văn Hùng', '2019-09-09', { birthRegistered: true, sex: 'male' }, wardB)
  for (const [moved, statusDate] of [
    [c6, '2024-10-01'],
    [c7, '2024-11-17'],
  ] as const) {
    const response = await app.inject({
      method: 'PATCH',
      url: `/v1/children/${moved.id}`,
      headers: { ...officerA.headers, 'if-match': '"1"' },
      payload: { status: 'moved_out', statusDate },
    })
    t.equal(response.statusCode, 200, `moved out ${statusDate}`)
  }
  // Special circumstances on the date: c1 (group a, supported) and c2 (group d, not supported); c4's membership ended.
  const post = async (url: string, payload: Record<string, unknown>) => {
    const response = await app.inject({ method: 'POST', url, headers: officerA.headers, payload })
    t.equal(response.statusCode, 201, url)
    return response.json<{ id: string; version: number }>()
  }
  await post(`/v1/children/${c1.id}/circumstances`, { kind: 'group', groupCode: 'a', startDate: '2023-01-01' })
  await post(`/v1/children/${c1.id}/care`, { kind: 'allowance', startDate: '2023-02-01' })
  await post(`/v1/children/${c2.id}/circumstances`, { kind: 'group', groupCode: 'd', startDate: '2024-01-01' })
  await post(`/v1/children/${c4.id}/circumstances`, {
    kind: 'group',
    groupCode: 'b',
    startDate: '2023-01-01',
    endDate: '2024-06-30',
  })
  await post(`/v1/children/${c4.id}/care`, {
    kind: 'education_support',
    startDate: '2023-01-01',
    endDate: '2024-06-30',
  })
  await post(`/v1/children/${c3.id}/circumstances`, { kind: 'risk', risk: 'Cha mẹ đi làm xa', startDate: '2024-01-01' })

  // Incidents of ward A (times in UTC; Hanoi is UTC+7).
  await recordIncident(ctx, {
    ward: wardA,
    kind: 'sexual_abuse',
    occurredAt: '2024-03-03T12:00:00Z',
    receivedAt: '2024-03-04T02:00:00Z', // Monday; approval due by Wednesday 13 March
    childIds: [c1.id],
    steps: [['plan_approval', '2024-03-08T03:00:00Z']],
  })
  await recordIncident(ctx, {
    ward: wardA,
    kind: 'trafficking',
    occurredAt: '2024-05-05T12:00:00Z',
    receivedAt: '2024-05-06T02:00:00Z', // approval due by 15 May
    unregisteredChildren: 1,
    steps: [['plan_approval', '2024-06-20T03:00:00Z']],
  })
  await recordIncident(ctx, {
    ward: wardA,
    kind: 'abandonment',
    occurredAt: '2024-11-13T12:00:00Z',
    receivedAt: '2024-11-14T02:00:00Z', // still within its time on 15 November
    childIds: [c3.id],
  })
  await recordIncident(ctx, {
    ward: wardA,
    kind: 'abandonment',
    occurredAt: '2024-02-01T01:00:00Z',
    steps: [['closure', '2024-02-02T03:00:00Z']], // not a child-protection case: closed before a plan fell due
  })
  await recordIncident(ctx, {
    ward: wardA,
    kind: 'sexual_abuse',
    occurredAt: '2024-09-30T12:00:00Z',
    receivedAt: '2024-10-01T02:00:00Z', // due 10 October; approved after the assessment date
    childIds: [c4.id],
    steps: [['plan_approval', '2024-11-18T03:00:00Z']],
  })
  await recordIncident(ctx, {
    ward: wardA,
    kind: 'sexual_abuse',
    occurredAt: '2023-11-30T12:00:00Z',
    childIds: [c2.id],
  }) // last year
  await recordIncident(ctx, { ward: wardA, kind: 'violence', occurredAt: '2024-07-10T12:00:00Z', childIds: [c1.id] })
  await recordIncident(ctx, {
    ward: wardA,
    kind: 'injury_accident',
    occurredAt: '2024-07-01T09:00:00Z',
    injuryOutcome: 'treated',
    childIds: [c3.id],
  })
  await recordIncident(ctx, {
    ward: wardA,
    kind: 'drowning',
    occurredAt: '2024-08-01T09:00:00Z',
    injuryOutcome: 'death',
    unregisteredChildren: 1,
  })
  await recordIncident(ctx, {
    ward: wardA,
    kind: 'injury_accident',
    occurredAt: '2023-08-01T09:00:00Z',
    injuryOutcome: 'death',
  })
  await recordIncident(ctx, {
    ward: wardA,
    kind: 'drowning',
    occurredAt: '2024-11-16T09:00:00Z',
    injuryOutcome: 'death',
  }) // after the date
  await recordIncident(ctx, {
    ward: wardB,
    kind: 'drowning',
    occurredAt: '2024-06-01T09:00:00Z',
    injuryOutcome: 'hospitalised',
  })
  await recordIncident(ctx, { ward: wardB, kind: 'sexual_abuse', occurredAt: '2023-06-01T09:00:00Z' })

  const assessmentA = await openAssessment(ctx, officerA, { wardCode: wardA, year: 2024, assessedOn })
  const assessmentB = await openAssessment(ctx, officerB, { wardCode: wardB, year: 2024, assessedOn })

  t.test('each suggestion shows the figures behind it', async (t) => {
    const seen = (await app.inject({ url: `/v1/assessments/${assessmentA.id}`, headers: officerA.headers })).json()
    t.same(figures(seen), {
      // 2 of the 3 groups in force have an active collaborator (group 3's is deactivated, group 4 had closed).
      '1': [0, [['1.2', 0, 2, 3, false]]],
      // 3 of the 5 children living there on 15 November have their birth registered (unconfirmed rule: no proposal).
      '2': [null, [['2.1', null, 3, 5, false]]],
      // c1 (twice), the unregistered trafficked child, c3 and c4: 4 children, of the 5 residents and 1 victim living elsewhere.
      '3': [null, [['3.1', null, 4, 6, false]]],
      '4': null,
      // Two injury cases this year up to the date, one death.
      '5': [null, [['5.1', null, 1, 2, false]]],
      // 1 of 2 special-circumstance children supported; 1 of 3 priority cases with a plan approved in time (one pending, one not needing a plan).
      '6': [
        0,
        [
          ['6.1', 0, 1, 2, false],
          ['6.2', 0, 1, 3, false],
        ],
      ],
      '7': null,
      '8': null,
      '9': null,
      '10': null,
      '11': null,
      '12': null,
      '13': null,
    })
    const six = seen.criteria[5].suggestion
    t.match(six, { criterionCode: '6', partial: false, asOf: assessedOn, periodFrom: '2024-01-01' })
    t.match(six.subItems[0], {
      confirmed: true,
      threshold: { comparator: '>=', value: 95, unit: 'percent' },
      numeratorLabel: 'special-circumstance children with support in effect on the assessment date',
      denominatorLabel: 'children in a special-circumstance group on the assessment date',
    })
    t.equal(seen.criteria[0].suggestion.partial, true, '1.2 is 15 of criterion 1’s 100 points')

    const byDistrict = (
      await app.inject({ url: `/v1/assessments/${assessmentA.id}`, headers: district.headers })
    ).json()
    t.same(figures(byDistrict), figures(seen), 'the district sees the same figures')
  })

  t.test('a ward with little on record: the rules that are met propose their points', async (t) => {
    const seen = (await app.inject({ url: `/v1/assessments/${assessmentB.id}`, headers: officerB.headers })).json()
    const result = figures(seen)
    t.same(
      ['1', '2', '3', '5', '6'].map((code) => result[code]),
      [
        [15, [['1.2', 15, 1, 1, true]]],
        [75, [['2.1', 75, 1, 1, true]]],
        [75, [['3.1', 75, 0, 1, true]]],
        [75, [['5.1', 75, 0, 1, true]]],
        [
          125,
          [
            ['6.1', 50, 0, 0, true],
            ['6.2', 75, 0, 0, true],
          ],
        ],
      ],
    )
  })

  t.test('accepting a suggestion keeps its figures; later data change the suggestion, not the score', async (t) => {
    // Support for c2 and a collaborator for group 3 bring criteria 6.1 and 1.2 to full points.
    await post(`/v1/children/${c2.id}/care`, { kind: 'counselling', startDate: '2024-09-01' })
    await accountFor(ctx, { role: 'collaborator', units: [group(3)] })
    const seen = (await app.inject({ url: `/v1/assessments/${assessmentA.id}`, headers: officerA.headers })).json()
    t.same(figures(seen)['6'], [
      50,
      [
        ['6.1', 50, 2, 2, true],
        ['6.2', 0, 1, 3, false],
      ],
    ])
    t.same(figures(seen)['1'], [15, [['1.2', 15, 3, 3, true]]])

    const accepted = await putScore(ctx, officerA, assessmentA.id, '6', '"1"', { acceptSuggestion: true })
    t.equal(accepted.statusCode, 200)
    const six = accepted.json().criteria[5]
    t.match(six, { points: 50, acceptedSuggestion: true })
    t.same(six.subItems, [
      { code: '6.1', points: 50 },
      { code: '6.2', points: 0 },
    ])
    t.same(
      six.suggestionAtScoring.subItems.map((s: SuggestedItem) => [s.code, s.numerator, s.denominator]),
      [
        ['6.1', 2, 2],
        ['6.2', 1, 3],
      ],
    )

    const unconfirmed = await putScore(ctx, officerA, assessmentA.id, '2', accepted.headers.etag, {
      acceptSuggestion: true,
    })
    t.same(
      [unconfirmed.statusCode, unconfirmed.json().errors.map((e: { code: string }) => e.code)],
      [422, ['suggestion_without_points']],
      'an unconfirmed rule that is not met proposes nothing to accept',
    )
    const byHand = await putScore(ctx, officerA, assessmentA.id, '2', accepted.headers.etag, {
      points: 60,
      evidenceNote: 'Two late registrations in progress',
    })
    t.equal(byHand.statusCode, 200, 'and needs no override reason')

    // c1's allowance ends before the assessment date: the suggestion follows the data, the accepted score does not.
    const c1Record = (await app.inject({ url: `/v1/children/${c1.id}`, headers: officerA.headers })).json()
    const allowance = c1Record.care[0]
    const ended = await app.inject({
      method: 'PATCH',
      url: `/v1/children/${c1.id}/care/${allowance.id}`,
      headers: { ...officerA.headers, 'if-match': `"${allowance.version}"` },
      payload: { endDate: '2024-10-31' },
    })
    t.equal(ended.statusCode, 200)
    const later = (await app.inject({ url: `/v1/assessments/${assessmentA.id}`, headers: officerA.headers })).json()
    t.same(figures(later)['6'], [
      0,
      [
        ['6.1', 0, 1, 2, false],
        ['6.2', 0, 1, 3, false],
      ],
    ])
    t.equal(later.criteria[5].points, 50)
    t.same(later.criteria[5].suggestionAtScoring.subItems[0].numerator, 2)
  })
})
