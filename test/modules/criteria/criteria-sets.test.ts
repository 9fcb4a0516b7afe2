import { readFileSync } from 'node:fs'
import { eq } from 'drizzle-orm'
import t from 'tap'
import { applyCriteriaSetsReference } from '../../../src/modules/criteria/repository.js'
import type { CriteriaSet } from '../../../src/modules/criteria/criteria-set-rules.js'
import { criteriaSets } from '../../../src/modules/criteria/tables.js'
import type { CriteriaSetsData } from '../../../src/reference/index.js'
import { createTestApp } from '../../support/app.js'
import { accountFor, clientFor, province, wardA, wardB } from '../../support/auth.js'
import { currentEtag, openAssessment, putScore } from './fixtures/http.js'

const file = JSON.parse(
  readFileSync(new URL('../../../src/reference/criteria-decision-06.json', import.meta.url), 'utf8'),
) as CriteriaSetsData
const seed = file.sets.at(-1)!

/** The seed set as a publish body: no version (the service assigns it), with the changes made by `change`. */
function publishBody(change: (set: Omit<CriteriaSet, 'version'>) => void, note?: string) {
  const { version: _version, ...set } = structuredClone<CriteriaSet>(seed)
  change(set)
  return note === undefined ? set : { ...set, note }
}

t.test('criteria sets are versioned data', async (t) => {
  const ctx = await createTestApp(t, { now: '2024-11-20T03:00:00Z' })
  const { app } = ctx
  const admin = await accountFor(ctx, { role: 'district_admin', units: [province] })
  const districtOfficer = await accountFor(ctx, { role: 'district_officer', units: [province] })
  const officerA = await accountFor(ctx, { role: 'ward_officer', units: [wardA] })
  const officerB = await accountFor(ctx, { role: 'ward_officer', units: [wardB] })
  const publish = (
    account: { headers: Record<string, string> },
    payload: unknown,
    headers: Record<string, string> = {},
  ) =>
    app.inject({
      method: 'POST',
      url: '/v1/criteria-sets',
      headers: { ...account.headers, ...headers },
      payload: payload as object,
    })

  t.test('the seed is published as versions 1 and 2 and readable with reference:read', async (t) => {
    const list = await app.inject({ url: '/v1/criteria-sets', headers: officerA.headers })
    t.equal(list.statusCode, 200)
    t.same(
      list
        .json()
        .items.map((s: { id: string; version: number; latestVersion: number }) => [s.id, s.version, s.latestVersion]),
      [['QD06-2019', 2, 2]],
    )
    const set = list.json().items[0]
    t.equal(set.criteria.length, 13)
    t.equal(set.legalBasis, seed.legalBasis)
    t.same(set.recognition.thresholds, { urban_ward_central_city: 900, other: 850, disadvantaged: 800 })
    t.equal(set.publishedBy, null, 'reference data has no publisher')
    const city = await clientFor(ctx, { role: 'city_system', units: [province] })
    t.equal(
      (await app.inject({ url: '/v1/criteria-sets', headers: city.headers })).statusCode,
      200,
      'a catalogue, not personal data',
    )
    const auditor = await accountFor(ctx, { role: 'auditor', units: [province] })
    t.equal((await app.inject({ url: '/v1/criteria-sets', headers: auditor.headers })).statusCode, 403)
    t.equal((await app.inject({ url: '/v1/criteria-sets' })).statusCode, 401)
  })

  const before = await openAssessment(ctx, officerA, { wardCode: wardA, year: 2024, assessedOn: '2024-11-15' })
  const scored = await putScore(ctx, officerA, before.id, '7', '"1"', { points: 30 })
  t.equal(scored.statusCode, 200, 'criterion 7 scored on version 2')

  t.test('only catalogues:manage publishes, and only a consistent set', async (t) => {
    for (const account of [officerA, districtOfficer]) {
      const response = await publish(
        account,
        publishBody(() => {}),
      )
      t.equal(response.statusCode, 403)
      t.equal(response.json().requiredPermission, 'catalogues:manage')
    }
    const inconsistent = await publish(
      admin,
      publishBody((set) => {
        set.criteria[0]!.subItems[3]!.maxPoints = 25
        set.criteria[6]!.minPointsToMeet = 60
        set.recognition.thresholds.other = 1200
        set.validToYear = 2018
      }),
    )
    t.equal(inconsistent.statusCode, 422)
    t.equal(inconsistent.headers['content-type'], 'application/problem+json; charset=utf-8')
    t.equal(inconsistent.json().code, 'invalid_criteria_set')
    t.same(
      inconsistent.json().errors.map((e: { pointer: string; code: string }) => [e.pointer, e.code]),
      [
        ['/criteria/0/subItems', 'sub_items_do_not_cover_criterion'],
        ['/criteria/6/minPointsToMeet', 'invalid_minimum'],
        ['/validToYear', 'invalid_years'],
        ['/recognition/thresholds/other', 'unreachable_threshold'],
      ],
    )
    const unknownMember = await publish(admin, { ...publishBody(() => {}), approvedBy: 'someone' })
    t.equal(unknownMember.statusCode, 400)
    t.same(
      unknownMember.json().errors.map((e: { pointer: string }) => e.pointer),
      ['/approvedBy'],
    )
    const fractional = await publish(
      admin,
      publishBody((set) => (set.criteria[6]!.maxPoints = 50.5)),
    )
    t.equal(fractional.statusCode, 400, 'points are whole numbers')
    const latest = await app.inject({ url: '/v1/criteria-sets/QD06-2019', headers: admin.headers })
    t.equal(latest.json().version, 2, 'nothing was published')
  })

  t.test('a new version does not change an assessment scored with the old one', async (t) => {
    const body = publishBody(
      (set) => (set.criteria[6]!.minPointsToMeet = 40),
      'Criterion 7 minimum corrected to 40 (test)',
    )
    const published = await publish(admin, body, { 'idempotency-key': 'publish-v3' })
    t.equal(published.statusCode, 201)
    t.equal(published.json().version, 3)
    t.equal(published.json().latestVersion, 3)
    t.equal(published.json().publishedBy, admin.id)
    t.equal(published.json().note, 'Criterion 7 minimum corrected to 40 (test)')
    t.equal(published.headers.location, '/v1/criteria-sets/QD06-2019?version=3')
    const replay = await publish(admin, body, { 'idempotency-key': 'publish-v3' })
    t.equal(replay.json().version, 3, 'a retried publish does not make version 4')

    const latest = await app.inject({ url: '/v1/criteria-sets/QD06-2019', headers: officerA.headers })
    t.equal(latest.json().version, 3)
    t.equal(latest.json().criteria[6].minPointsToMeet, 40)
    const old = await app.inject({ url: '/v1/criteria-sets/QD06-2019?version=2', headers: officerA.headers })
    t.equal(old.statusCode, 200)
    t.same([old.json().version, old.json().latestVersion, old.json().criteria[6].minPointsToMeet], [2, 3, 25])
    t.equal(
      (await app.inject({ url: '/v1/criteria-sets/QD06-2019?version=4', headers: officerA.headers })).statusCode,
      404,
    )
    t.equal((await app.inject({ url: '/v1/criteria-sets/QD99', headers: officerA.headers })).statusCode, 404)
    t.equal(
      (await app.inject({ url: '/v1/criteria-sets/QD06-2019?version=zero', headers: officerA.headers })).statusCode,
      400,
    )

    const kept = (await app.inject({ url: `/v1/assessments/${before.id}`, headers: officerA.headers })).json()
    t.same(kept.criteriaSet, { id: 'QD06-2019', version: 2, legalBasis: seed.legalBasis })
    t.same(
      [kept.criteria[6].points, kept.criteria[6].minPointsToMeet, kept.criteria[6].status],
      [30, 25, 'met'],
      'still judged by version 2',
    )
    t.notOk(kept.verdict.reasons.some((r: string) => r.startsWith('criterion 7')))

    const after = await openAssessment(ctx, officerB, { wardCode: wardB, year: 2024, assessedOn: '2024-11-15' })
    t.same(
      after.criteriaSet,
      { id: 'QD06-2019', version: 3, legalBasis: seed.legalBasis },
      'a new assessment takes the latest version',
    )
    const judged = await putScore(ctx, officerB, after.id, '7', '"1"', { points: 30 })
    t.equal(judged.json().criteria[6].status, 'not_met')
    t.ok(judged.json().verdict.reasons.includes('criterion 7 is not met (30 of 50, needs 40)'))

    const stillOld = await putScore(ctx, officerA, before.id, '7', await currentEtag(ctx, officerA, before.id), {
      points: 30,
      evidenceNote: 'Re-scored after v2',
    })
    t.equal(stillOld.json().criteriaSet.version, 2, 'scoring again keeps the version the assessment started with')
    t.equal(stillOld.json().criteria[6].status, 'met')
  })

  t.test('a later set governs its own years', async (t) => {
    const next = publishBody((set) => {
      set.id = 'QD-2025'
      set.legalBasis = 'A replacing decision (test)'
      set.validFromYear = 2025
    })
    const published = await publish(admin, next)
    t.equal(published.statusCode, 201)
    t.equal(published.json().version, 1)
    const forYear = async (year: number) =>
      (await app.inject({ url: `/v1/criteria-sets?year=${year}`, headers: officerA.headers }))
        .json()
        .items.map((s: { id: string; version: number }) => `${s.id}@${s.version}`)
    t.same(await forYear(2024), ['QD06-2019@3'])
    t.same(await forYear(2025), ['QD-2025@1'])
    t.same(await forYear(2018), [])
    const all = await app.inject({ url: '/v1/criteria-sets', headers: officerA.headers })
    t.same(
      all.json().items.map((s: { id: string; version: number }) => `${s.id}@${s.version}`),
      ['QD-2025@1', 'QD06-2019@3'],
    )
  })

  t.test('the reference seed never overwrites a published version; a taken number becomes the next', async (t) => {
    const changed: CriteriaSetsData = { ...file, sets: [{ ...seed, legalBasis: 'changed in the file' }] }
    await app.database.db.transaction((tx) => applyCriteriaSetsReference(tx, changed))
    const rows = await app.database.db
      .select()
      .from(criteriaSets)
      .where(eq(criteriaSets.id, 'QD06-2019'))
      .orderBy(criteriaSets.version)
    t.same(
      rows.map((row) => [row.version, row.definition.legalBasis, row.definition.version]),
      [
        [1, file.sets[0]!.legalBasis, 1],
        [2, seed.legalBasis, 2],
        [3, seed.legalBasis, 3],
        [4, 'changed in the file', 4],
      ],
      'version 2 stays; the file’s correction arrives as version 4, after the administrator’s 3',
    )
    await app.database.db.transaction((tx) => applyCriteriaSetsReference(tx, changed))
    const again = await app.database.db.select().from(criteriaSets).where(eq(criteriaSets.id, 'QD06-2019'))
    t.equal(again.length, 4, 'applying the same file again adds nothing')
  })

  t.test('publishing is audited', async (t) => {
    const events = await app.inject({ url: '/v1/audit-events?action=criteria_set.publish', headers: admin.headers })
    t.equal(events.statusCode, 200)
    t.same(
      events
        .json()
        .items.map((e: { resourceId: string }) => e.resourceId)
        .sort(),
      ['QD-2025@1', 'QD06-2019@3'],
    )
  })
})
