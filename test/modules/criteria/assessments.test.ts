import { and, eq } from 'drizzle-orm'
import t from 'tap'
import { auditEvents } from '../../../src/modules/audit/tables.js'
import { planTargets } from '../../../src/modules/indicators/tables.js'
import { events } from '../../../src/modules/webhooks/tables.js'
import { inScope, systemScope } from '../../../src/platform/scope.js'
import { createTestApp } from '../../support/app.js'
import { accountFor, clientFor, province, wardA, wardB, type TestAccount } from '../../support/auth.js'
import { currentEtag, fullMarks, openAssessment, putScore, scoreCriteria, step } from './fixtures/http.js'

const assessedOn = '2024-11-15'

t.test('child-friendly ward assessments', async (t) => {
  const ctx = await createTestApp(t, { now: '2024-11-20T03:00:00Z' })
  const { app } = ctx
  const district = await accountFor(ctx, { role: 'district_officer', units: [province] })
  const admin = await accountFor(ctx, { role: 'district_admin', units: [province] })
  const officerA = await accountFor(ctx, { role: 'ward_officer', units: [wardA] })
  const officerB = await accountFor(ctx, { role: 'ward_officer', units: [wardB] })
  const chairA = await accountFor(ctx, { role: 'ward_chair', units: [wardA] })
  // A district account assigned to ward A itself: it acts for the ward, so it must never appraise it.
  const districtInWardA = await accountFor(ctx, { role: 'district_officer', units: [wardA] })
  const viewerA = await accountFor(ctx, { role: 'agency_viewer', units: [wardA] })
  // An unusual account (a ward role over the whole province) reaches wards that did not exist yet.
  const districtWide = await accountFor(ctx, { role: 'ward_officer', units: [province] })
  const city = await clientFor(ctx, { role: 'city_system', units: [province] })
  const get = (id: string, account: TestAccount = officerA) =>
    app.inject({ url: `/v1/assessments/${id}`, headers: account.headers })
  const overview = async (query: string, account: TestAccount = district) =>
    app.inject({ url: `/v1/assessments?${query}`, headers: account.headers })

  const created = await app.inject({
    method: 'POST',
    url: '/v1/assessments',
    headers: officerA.headers,
    payload: { wardCode: wardA, year: 2024, assessedOn },
  })
  const id = created.json().id as string

  t.test('opening: one per ward and year, in your own units, for a year a set governs', async (t) => {
    t.equal(created.statusCode, 201)
    const body = created.json()
    t.equal(created.headers.etag, '"1"')
    t.equal(created.headers.location, `/v1/assessments/${id}`)
    t.match(body, {
      wardCode: wardA,
      provinceCode: '01',
      year: 2024,
      assessedOn,
      state: 'draft',
      category: 'urban_ward_central_city',
      total: 0,
      requiredTotal: 900,
    })
    t.same(body.criteriaSet, { id: 'QD06-2019', version: 2, legalBasis: 'Quyết định 06/QĐ-TTg ngày 03/01/2019' })
    t.equal(body.extraordinaryReason, null)
    t.equal(body.criteria.length, 13)
    t.equal(body.verdict.recognised, false)
    t.equal(body.verdict.reasons.length, 14, 'thirteen criteria without a score, and the total')
    t.same(body.allowedNextStates, ['submitted'])
    t.equal(body.submission, null)

    const duplicate = await app.inject({
      method: 'POST',
      url: '/v1/assessments',
      headers: chairA.headers,
      payload: { wardCode: wardA, year: 2024 },
    })
    t.equal(duplicate.statusCode, 409)
    t.same([duplicate.json().code, duplicate.json().existingId], ['assessment_exists', id])

    const cases: [string, TestAccount, Record<string, unknown>, number, string[]][] = [
      ['another ward’s officer', officerB, { wardCode: wardA, year: 2024 }, 422, ['/wardCode']],
      ['not a ward', officerA, { wardCode: '008', year: 2024 }, 422, ['/wardCode']],
      ['a date outside the year', officerA, { wardCode: wardA, year: 2022, assessedOn }, 422, ['/assessedOn']],
      ['not an assessment year', officerA, { wardCode: wardA, year: 2023, assessedOn: '2023-03-15' }, 422, ['/year']],
      [
        'a date in the future',
        officerA,
        { wardCode: wardA, year: 2024, assessedOn: '2024-11-21' },
        422,
        ['/assessedOn'],
      ],
      ['a year no set governs', officerA, { wardCode: wardA, year: 2018, assessedOn: '2018-11-15' }, 422, ['/year']],
      [
        'a ward not yet formed on the date',
        districtWide,
        { wardCode: '00301-2025', year: 2024, assessedOn },
        422,
        ['/wardCode'],
      ],
      ['an unknown member', officerA, { wardCode: wardA, year: 2025, score: 1000 }, 400, ['/score']],
      ['a year that is not a number', officerA, { wardCode: wardA, year: '2025' }, 400, ['/year']],
    ]
    for (const [name, account, payload, status, pointers] of cases) {
      const response = await app.inject({ method: 'POST', url: '/v1/assessments', headers: account.headers, payload })
      t.equal(response.statusCode, status, name)
      t.same(
        response.json().errors.map((e: { pointer: string }) => e.pointer),
        pointers,
        name,
      )
    }
    for (const account of [admin, district, viewerA, city]) {
      const response = await app.inject({
        method: 'POST',
        url: '/v1/assessments',
        headers: account.headers,
        payload: { wardCode: wardA, year: 2025 },
      })
      t.equal(response.statusCode, 403, 'without assessments:write')
    }
    const regular = await app.inject({
      method: 'POST',
      url: '/v1/assessments',
      headers: officerA.headers,
      payload: { wardCode: wardA, year: 2023, assessedOn: '2023-03-15' },
    })
    t.match(regular.json().errors, [{ code: 'not_an_assessment_year', message: /2022, 2024/ }])
    const extraordinary = (headers: Record<string, string>, payload: Record<string, unknown>) =>
      app.inject({ method: 'POST', url: '/v1/assessments/extraordinary', headers, payload })
    const reason = 'Đánh giá bổ sung theo văn bản của UBND thành phố (thử nghiệm)'
    t.equal(
      (await extraordinary(officerA.headers, { wardCode: wardA, year: 2023, assessedOn: '2023-03-15', reason }))
        .statusCode,
      403,
      'a ward officer does not open an extraordinary assessment',
    )
    const inAssessmentYear = await extraordinary(admin.headers, { wardCode: wardB, year: 2024, assessedOn, reason })
    t.equal(inAssessmentYear.statusCode, 422)
    t.equal(inAssessmentYear.json().errors[0].code, 'not_extraordinary')
    const blank = await extraordinary(admin.headers, {
      wardCode: wardB,
      year: 2023,
      assessedOn: '2023-03-15',
      reason: ' ',
    })
    t.equal(blank.json().errors[0].code, 'required')
    const opened = await extraordinary(admin.headers, { wardCode: wardB, year: 2023, assessedOn: '2023-03-15', reason })
    t.equal(opened.statusCode, 201, 'an administrator opens one outside the assessment years')
    t.match(opened.json(), { wardCode: wardB, year: 2023, state: 'draft', extraordinaryReason: reason })
    const audited = await app.inject({
      url: `/v1/audit-events?resourceId=${opened.json().id}`,
      headers: admin.headers,
    })
    t.match(audited.json().items, [{ action: 'assessment.create', details: { year: 2023, extraordinary: true } }])
    t.equal((await overview('year=2024')).json().assessed, 1, 'nothing else was created')
  })

  t.test('reading: in scope only, every read audited', async (t) => {
    t.equal((await get(id, district)).statusCode, 200)
    t.equal((await get(id, chairA)).statusCode, 200)
    const outside = await get(id, officerB)
    t.equal(outside.statusCode, 404, 'another ward’s assessment does not exist for you')
    t.equal((await get('00000000-0000-4000-8000-000000000000', officerA)).statusCode, 404)
    t.equal((await get(id, viewerA)).statusCode, 403)
    t.equal((await get(id, city)).statusCode, 403, 'a city system gets no assessment')
    t.equal((await get('not-a-uuid')).statusCode, 400)
    const audited = await app.database.db
      .select()
      .from(auditEvents)
      .where(eq(auditEvents.requestId, outside.headers['x-request-id'] as string))
    t.same(
      audited.map((e) => [e.action, e.outcome, e.resourceId]),
      [['assessment.read', 'not_found', id]],
    )
  })

  t.test('scoring: bad input answers 4xx and changes nothing', async (t) => {
    t.equal((await putScore(ctx, officerA, id, '7', undefined, { points: 30 })).statusCode, 428)
    t.equal((await putScore(ctx, officerA, id, '7', '"7"', { points: 30 })).statusCode, 412)
    const cases: [string, string, Record<string, unknown>, number, string, [string, string][]][] = [
      ['above the maximum', '7', { points: 51 }, 422, 'invalid_score', [['/points', 'above_max']]],
      [
        'a criterion not in the set',
        '14',
        { points: 10 },
        422,
        'unknown_criterion',
        [['/criterion', 'unknown_criterion']],
      ],
      [
        'an unknown sub-item',
        '7',
        { points: 10, subItems: [{ code: '7.2', points: 10 }] },
        422,
        'invalid_score',
        [['/subItems/0/code', 'unknown_sub_item']],
      ],
      [
        'a sub-item above its maximum',
        '6',
        { points: 60, subItems: [{ code: '6.1', points: 60 }], overrideReason: 'x' },
        422,
        'invalid_score',
        [['/subItems/0/points', 'above_max']],
      ],
      [
        'sub-items that do not add up',
        '1',
        {
          points: 90,
          subItems: [
            { code: '1.1', points: 50 },
            { code: '1.3', points: 15 },
          ],
          overrideReason: 'x',
        },
        422,
        'invalid_score',
        [['/subItems', 'sub_items_sum_mismatch']],
      ],
      ['no points', '7', { evidenceNote: 'minutes attached' }, 422, 'invalid_score', [['/points', 'points_required']]],
      [
        'accepting a suggestion nobody made',
        '4',
        { acceptSuggestion: true },
        422,
        'invalid_score',
        [['/acceptSuggestion', 'no_suggestion']],
      ],
      [
        'departing from the data without a reason',
        '6',
        { points: 100 },
        422,
        'invalid_score',
        [['/overrideReason', 'override_reason_required']],
      ],
      [
        'a ward giving an adjustment reason',
        '7',
        { points: 30, adjustmentReason: 'x' },
        422,
        'invalid_score',
        [['/adjustmentReason', 'adjustment_reason_not_applicable']],
      ],
      [
        'accepting a partial suggestion alone',
        '1',
        { acceptSuggestion: true },
        422,
        'invalid_score',
        [['/subItems', 'incomplete_sub_items']],
      ],
      ['fractional points', '7', { points: 10.5 }, 400, 'validation_failed', [['/points', 'type']]],
      ['negative points', '7', { points: -1 }, 400, 'validation_failed', [['/points', 'minimum']]],
      [
        'an unknown member',
        '7',
        { points: 10, score: 10 },
        400,
        'validation_failed',
        [['/score', 'additionalProperties']],
      ],
      ['a malformed criterion', '7a-', { points: 10 }, 400, 'validation_failed', [['/criterion', 'pattern']]],
    ]
    for (const [name, criterion, payload, status, code, errors] of cases) {
      const response = await putScore(ctx, officerA, id, criterion, '"1"', payload)
      t.equal(response.statusCode, status, name)
      t.equal(response.json().code, code, name)
      t.same(
        response.json().errors.map((e: { pointer: string; code: string }) => [e.pointer, e.code]),
        errors,
        name,
      )
    }
    t.equal(await currentEtag(ctx, officerA, id), '"1"', 'no refused change touched the assessment')
  })

  t.test('scoring: who may score a draft', async (t) => {
    t.equal((await putScore(ctx, officerB, id, '7', '"1"', { points: 30 })).statusCode, 404, 'another ward')
    const byDistrict = await putScore(ctx, district, id, '7', '"1"', { points: 30, adjustmentReason: 'x' })
    t.equal(byDistrict.statusCode, 409, 'the district waits for the dossier')
    t.equal(byDistrict.json().code, 'assessment_locked')
    const byWardAccount = await putScore(ctx, districtInWardA, id, '7', '"1"', { points: 30 })
    t.equal(byWardAccount.statusCode, 403, 'without assessments:write an account of the ward cannot score')
    t.equal(byWardAccount.json().code, 'score_not_permitted')
    t.equal((await putScore(ctx, viewerA, id, '7', '"1"', { points: 30 })).statusCode, 403)

    const scored = await putScore(ctx, officerA, id, '7', '"1"', {
      points: 30,
      evidenceNote: 'Health station report for 2024',
      attachments: [{ name: 'Báo cáo tiêm chủng 2024', reference: 'DMS-2024-0142' }],
    })
    t.equal(scored.statusCode, 200)
    t.equal(scored.headers.etag, '"2"')
    t.match(scored.json().criteria[6], {
      code: '7',
      points: 30,
      status: 'met',
      evidenceNote: 'Health station report for 2024',
      attachments: [{ name: 'Báo cáo tiêm chủng 2024', reference: 'DMS-2024-0142' }],
      acceptedSuggestion: false,
      suggestion: null,
      scoredBy: officerA.id,
    })
    t.equal(scored.json().total, 30)

    const accepted = await putScore(ctx, chairA, id, '6', '"2"', {
      acceptSuggestion: true,
      evidenceNote: 'From the registry',
    })
    t.equal(accepted.statusCode, 200, 'the ward chair scores too')
    const six = accepted.json().criteria[5]
    t.match(six, { points: 125, acceptedSuggestion: true, overrideReason: null })
    t.same(six.subItems, [
      { code: '6.1', points: 50 },
      { code: '6.2', points: 75 },
    ])
    t.same(six.suggestionAtScoring, six.suggestion, 'the suggestion is kept as it was when accepted')

    const partial = await putScore(ctx, officerA, id, '1', '"3"', {
      acceptSuggestion: true,
      subItems: [
        { code: '1.1', points: 50 },
        { code: '1.3', points: 15 },
        { code: '1.4', points: 20 },
      ],
    })
    t.equal(partial.statusCode, 200)
    t.same(
      partial.json().criteria[0].subItems,
      [
        { code: '1.1', points: 50 },
        { code: '1.2', points: 0 },
        { code: '1.3', points: 15 },
        { code: '1.4', points: 20 },
      ],
      'no residential group on record: 1.2 suggests 0',
    )
    t.equal(partial.json().criteria[0].points, 85)
  })

  t.test('the verdict names every reason recognition fails', async (t) => {
    await scoreCriteria(ctx, officerA, id, { ...fullMarks, '1': 55, '5': 0 })
    const body = (await get(id)).json()
    t.equal(body.total, 880)
    t.same(body.verdict, {
      recognised: false,
      reasons: ['criterion 5 scored 0', 'total 880 is below 900 required for this ward'],
    })
    t.same(
      body.criteria.map((c: { status: string }) => c.status),
      ['met', 'met', 'met', 'met', 'zero', 'met', 'met', 'met', 'met', 'met', 'met', 'met', 'met'],
    )
    t.equal(body.criteria[0].overrideReason, 'Scored from the dossier evidence')
  })

  t.test('the workflow: submit, return, adjust, appraise, decide', async (t) => {
    const second = await openAssessment(ctx, officerB, { wardCode: wardB, year: 2024, assessedOn })
    const incomplete = await step(ctx, officerB, second.id, 'submit', { minutesReference: 'BB-12/2024' })
    t.equal(incomplete.statusCode, 422)
    t.equal(incomplete.json().code, 'assessment_incomplete')
    t.equal(incomplete.json().missingCriteria.length, 13)

    t.equal((await step(ctx, officerA, id, 'submit', {})).statusCode, 400, 'the meeting minutes are required')
    t.equal(
      (await step(ctx, district, id, 'submit', { minutesReference: 'BB-07/2024' })).statusCode,
      403,
      'the district does not submit for the ward',
    )
    const submitted = await step(ctx, officerA, id, 'submit', { minutesReference: 'BB-07/2024' })
    t.equal(submitted.statusCode, 200)
    t.match(submitted.json(), {
      state: 'submitted',
      submission: { minutesReference: 'BB-07/2024', submittedBy: officerA.id },
    })
    t.same(submitted.json().allowedNextStates, [], 'the ward has nothing left to do')
    t.same((await get(id, district)).json().allowedNextStates, ['draft', 'appraised'])

    const locked = await putScore(ctx, officerA, id, '5', submitted.headers.etag, { points: 75 })
    t.same([locked.statusCode, locked.json().code], [409, 'assessment_locked'], 'the ward waits for the district')
    t.equal(
      (await step(ctx, officerA, id, 'appraise', {})).statusCode,
      403,
      'a ward officer holds no appraise permission',
    )
    const selfAppraisal = await step(ctx, districtInWardA, id, 'appraise', {})
    t.equal(selfAppraisal.statusCode, 403, 'a ward can never appraise itself')
    t.equal(selfAppraisal.json().code, 'transition_not_permitted')
    const denied = await app.database.db
      .select()
      .from(auditEvents)
      .where(eq(auditEvents.requestId, selfAppraisal.headers['x-request-id'] as string))
    t.same(
      denied.map((e) => [e.action, e.outcome]),
      [['assessment.appraise', 'denied']],
    )
    t.equal((await step(ctx, districtInWardA, id, 'return', { comments: 'x' })).statusCode, 403)

    const outOfOrder = await step(ctx, district, id, 'decide', {
      recognised: false,
      decisionNumber: '1/QĐ-UBND',
      decisionDate: '2024-11-19',
      authority: 'Chủ tịch UBND quận',
    })
    t.equal(outOfOrder.statusCode, 409)
    t.same(
      [outOfOrder.json().code, outOfOrder.json().allowedNextStates],
      ['invalid_transition', ['draft', 'appraised']],
    )
    const again = await step(ctx, officerA, id, 'submit', { minutesReference: 'BB-07/2024' })
    t.same([again.statusCode, again.json().allowedNextStates], [409, []])
    t.equal((await step(ctx, officerB, id, 'submit', { minutesReference: 'x' })).statusCode, 404)

    t.equal((await step(ctx, district, id, 'return', {})).statusCode, 400, 'a return needs comments')
    const returned = await step(ctx, district, id, 'return', {
      comments: 'Attach the steering board minutes for criterion 1.',
    })
    t.equal(returned.statusCode, 200)
    t.match(returned.json(), {
      state: 'draft',
      appraisal: { note: 'Attach the steering board minutes for criterion 1.', appraisedAt: null },
    })
    t.same((await get(id)).json().allowedNextStates, ['submitted'])
    const resubmitted = await step(
      ctx,
      officerA,
      id,
      'submit',
      { minutesReference: 'BB-07b/2024' },
      await currentEtag(ctx, officerA, id),
    )
    t.equal(resubmitted.statusCode, 200)

    const withoutReason = await putScore(ctx, district, id, '1', resubmitted.headers.etag, {
      points: 100,
      overrideReason: 'x',
    })
    t.same(
      [withoutReason.statusCode, withoutReason.json().errors.map((e: { code: string }) => e.code)],
      [422, ['adjustment_reason_required']],
    )
    const adjusted = await putScore(ctx, district, id, '1', resubmitted.headers.etag, {
      points: 100,
      adjustmentReason: 'The minutes show the steering board met every quarter.',
    })
    t.equal(adjusted.statusCode, 200)
    t.match(adjusted.json().criteria[0], {
      points: 100,
      adjustedByDistrict: true,
      adjustmentReason: 'The minutes show the steering board met every quarter.',
      wardPoints: 55,
      overrideReason: 'Scored from the dossier evidence',
    })
    t.equal(adjusted.json().total, 925)
    const adjustedAgain = await putScore(ctx, district, id, '1', adjusted.headers.etag, {
      points: 95,
      adjustmentReason: 'Funding only partly allocated.',
    })
    t.equal(adjustedAgain.json().criteria[0].wardPoints, 55, 'the ward’s own score survives a second adjustment')

    t.equal((await step(ctx, district, id, 'appraise', {}, '"1"')).statusCode, 412, 'a stale If-Match')
    const appraised = await step(
      ctx,
      district,
      id,
      'appraise',
      { note: 'Dossier complete.' },
      adjustedAgain.headers.etag,
    )
    t.equal(appraised.statusCode, 200)
    t.match(appraised.json(), {
      state: 'appraised',
      appraisal: { note: 'Dossier complete.', appraisedBy: district.id },
      allowedNextStates: ['decided'],
    })
    t.equal(
      (await step(ctx, district, id, 'return', { comments: 'x' })).statusCode,
      409,
      'only a submitted dossier is returned',
    )

    const decision = {
      decisionNumber: '2381/QĐ-UBND',
      decisionDate: '2024-11-19',
      authority: 'Chủ tịch UBND quận Hoàng Mai',
    }
    const unsupported = await step(ctx, admin, id, 'decide', { ...decision, recognised: true })
    t.equal(unsupported.statusCode, 422)
    t.same(
      unsupported.json().errors.map((e: { pointer: string; code: string }) => [e.pointer, e.code]),
      [['/recognised', 'verdict_not_met']],
    )
    t.equal(unsupported.json().errors[0].message, 'the scores do not support recognition: criterion 5 scored 0')
    const early = await step(ctx, admin, id, 'decide', { ...decision, recognised: false, decisionDate: '2024-11-14' })
    t.same(
      early.json().errors.map((e: { code: string }) => e.code),
      ['before_assessment'],
    )
    const beforeRound = await step(ctx, admin, id, 'decide', {
      ...decision,
      recognised: false,
      decisionDate: '2024-10-31',
    })
    t.same(
      beforeRound.json().errors.map((e: { code: string }) => e.code),
      ['before_assessment_month', 'before_assessment'],
      'Decision 06 decides the round in November',
    )

    const decided = await step(ctx, admin, id, 'decide', { ...decision, recognised: false })
    t.equal(decided.statusCode, 200)
    t.match(decided.json(), {
      state: 'decided',
      decision: {
        recognised: false,
        decisionNumber: '2381/QĐ-UBND',
        decisionDate: '2024-11-19',
        authority: 'Chủ tịch UBND quận Hoàng Mai',
        decidedBy: admin.id,
      },
    })
    t.same(decided.json().allowedNextStates, [])
    const [event] = await inScope(app.database.db, systemScope, (tx) =>
      tx
        .select()
        .from(events)
        .where(and(eq(events.type, 'assessment.decided'), eq(events.resourceId, id))),
    )
    t.same(event?.data, {
      assessmentId: id,
      wardCode: wardA,
      year: 2024,
      category: 'urban_ward_central_city',
      state: 'decided',
      recognised: false,
      totalScore: 920,
      criteriaSetId: 'QD06-2019',
      criteriaSetVersion: 2,
      decisionNumber: '2381/QĐ-UBND',
      decisionDate: '2024-11-19',
      decisionAuthority: 'Chủ tịch UBND quận Hoàng Mai',
    })
    const feed = await app.inject({ url: '/v1/events?types=assessment.decided', headers: city.headers })
    t.equal(feed.statusCode, 200)
    t.same(
      feed
        .json()
        .items.map((e: { data: { wardCode: string; totalScore: number } }) => [e.data.wardCode, e.data.totalScore]),
      [[wardA, 920]],
      'a city system follows decisions on the event feed',
    )
    t.equal(event?.wardCode, wardA)

    const afterDecision = await putScore(ctx, district, id, '5', decided.headers.etag, {
      points: 75,
      adjustmentReason: 'x',
    })
    t.same([afterDecision.statusCode, afterDecision.json().code], [409, 'assessment_decided'])
    t.equal((await step(ctx, admin, id, 'decide', { ...decision, recognised: false })).statusCode, 409)
  })

  t.test('a ward meeting every rule is recognised', async (t) => {
    const bId = (await overview('year=2024&unit=' + wardB)).json().items[0].assessment.id as string
    await scoreCriteria(ctx, officerB, bId, { ...fullMarks, '9': 40 })
    t.equal((await step(ctx, officerB, bId, 'submit', { minutesReference: 'BB-03/2024' })).statusCode, 200)
    t.equal((await step(ctx, district, bId, 'appraise', {})).statusCode, 200)
    const decided = await step(ctx, district, bId, 'decide', {
      recognised: true,
      decisionNumber: '2382/QĐ-UBND',
      decisionDate: '2024-11-20',
      authority: 'Chủ tịch UBND quận',
    })
    t.equal(decided.statusCode, 200)
    t.match(decided.json(), { total: 970, verdict: { recognised: true, reasons: [] }, decision: { recognised: true } })
  })

  t.test('the district view counts the wards recognised against the plan target', async (t) => {
    await app.database.db
      .delete(planTargets)
      .where(and(eq(planTargets.planYear, 2024), eq(planTargets.indicatorCode, 'WARDS_CHILD_FRIENDLY')))
    const withoutTarget = await overview('year=2024')
    t.equal(withoutTarget.statusCode, 200)
    const body = withoutTarget.json()
    t.match(body, {
      year: 2024,
      unit: null,
      wards: 14,
      assessed: 2,
      decided: 2,
      recognised: 1,
      target: null,
      targetReached: null,
    })
    t.same(
      body.items
        .map(
          (i: { wardCode: string; assessment: { state: string; total: number; verdictRecognised: boolean } | null }) =>
            i.assessment
              ? [i.wardCode, i.assessment.state, i.assessment.total, i.assessment.verdictRecognised]
              : [i.wardCode, null],
        )
        .filter((i: unknown[]) => i[1] !== null),
      [
        [wardA, 'decided', 920, false],
        [wardB, 'decided', 970, true],
      ],
    )
    const itemA = body.items.find((i: { wardCode: string }) => i.wardCode === wardA)
    t.same(itemA.assessment.reasons, ['criterion 5 scored 0'])
    t.same(itemA.assessment.decision, { recognised: false, decisionNumber: '2381/QĐ-UBND', decisionDate: '2024-11-19' })
    t.equal(itemA.wardName, 'Phường Thanh Trì')

    await app.database.db.insert(planTargets).values({
      planYear: 2024,
      indicatorCode: 'WARDS_CHILD_FRIENDLY',
      comparator: '=',
      value: 14,
      unit: 'wards',
      updatedAt: new Date(),
    })
    const withTarget = (await overview('year=2024')).json()
    t.same(withTarget.target, { indicatorCode: 'WARDS_CHILD_FRIENDLY', comparator: '=', value: 14, unit: 'wards' })
    t.equal(withTarget.targetReached, false, '1 of 14 is short of 14 of 14')

    const ownWard = (await overview('year=2024', officerA)).json()
    t.same(
      [ownWard.wards, ownWard.assessed, ownWard.items.map((i: { wardCode: string }) => i.wardCode)],
      [1, 1, [wardA]],
      'a ward sees itself only',
    )
    const filtered = (await overview(`year=2024&unit=${wardB}`)).json()
    t.same(
      filtered.items.map((i: { wardCode: string }) => i.wardCode),
      [wardB],
    )
    const after2025 = (await overview('year=2025')).json()
    t.same([after2025.wards, after2025.assessed], [7, 0], 'the seven wards of July 2025')
    t.equal((await overview('unit=' + wardA)).statusCode, 400, 'the year is required')
    t.equal((await overview('year=2024&unit=nowhere')).statusCode, 400)
    t.equal((await overview('year=2024', viewerA)).statusCode, 403)
    t.equal((await overview('year=2024', city)).statusCode, 403)
  })
})
