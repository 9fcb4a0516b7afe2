/**
 * The row-level security of the case-work tables (migrations 0036–0039) on its own, with no filter of the
 * application's: rows written straight into the tables for a case of ward A, then read, changed and
 * written again under other scopes. Each service query also filters by scope, so only this test would
 * notice a policy that lets rows through.
 */
import { sql } from 'drizzle-orm'
import t from 'tap'
import { queryRows } from '../../src/db/client.js'
import { inScope, systemScope, type Scope } from '../../src/platform/scope.js'
import { createTestApp } from '../support/app.js'
import { wardA, wardB } from '../support/auth.js'

const socialWorkCentre = '5e1f0000-0000-4000-8000-000000000001'
const ngo = '5e1f0000-0000-4000-8000-000000000006'

const ctx = await createTestApp(t, { now: '2024-06-20T03:00:00Z' })
const db = ctx.app.database.db

const wardScope = (ward: string): Scope => ({ all: false, wards: [ward], groups: [] })
const groupScope = (group: string): Scope => ({ all: false, wards: [], groups: [group] })
/** A provider's client: no unit at all, only the referrals addressed to its provider. */
const providerScope = { all: false, wards: [], groups: [] } satisfies Scope
const asProvider = (providerId: string) => `select set_config('cps.scope_provider', '${providerId}', true)`

const placeOf = (ward: string) => sql`'01', ${ward}, null`

async function seedCase(ward: string): Promise<{ incident: string; form: string; document: string }> {
  return inScope(db, systemScope, async (tx) => {
    const [incident] = await queryRows<{ id: string }>(
      tx,
      sql`insert into incidents (province_code, ward_code, residential_group_code, kind, occurred_at,
            occurred_at_precision, detected_at, channel, written_report_required, written_report_due_at,
            written_report_basis, received_at, created_at, updated_at)
          values (${placeOf(ward)}, 'violence', now(), 'exact', now(), 'phone', false, now() + interval '1 day',
            'occurred', now(), now(), now())
          returning id`,
    )
    const id = incident!.id
    const [form] = await queryRows<{ id: string }>(
      tx,
      sql`insert into case_forms (incident_id, province_code, ward_code, residential_group_code, kind, content,
            status, created_at, updated_at)
          values (${id}, ${placeOf(ward)}, 'intake', '{}'::jsonb, 'recorded', now(), now()) returning id`,
    )
    await tx.execute(
      sql`insert into case_form_revisions (form_id, incident_id, province_code, ward_code, residential_group_code,
            kind, version, action, changes, changed_at)
          values (${form!.id}, ${id}, ${placeOf(ward)}, 'intake', 1, 'create', '{}'::jsonb, now())`,
    )
    const [document] = await queryRows<{ id: string }>(
      tx,
      sql`insert into case_documents (incident_id, province_code, ward_code, residential_group_code, kind,
            media_type, size_bytes, sha256, uploaded_at)
          values (${id}, ${placeOf(ward)}, 'minutes', 'application/pdf', 4, repeat('a', 64), now()) returning id`,
    )
    await tx.execute(
      sql`insert into case_document_chunks (document_id, seq, data) values (${document!.id}, 0, '\\x25504446'::bytea)`,
    )
    await tx.execute(
      sql`insert into follow_ups (incident_id, province_code, ward_code, residential_group_code, kind, due_date,
            created_at, updated_at)
          values (${id}, ${placeOf(ward)}, 'home_visit', current_date + 7, now(), now())`,
    )
    const [child] = await queryRows<{ id: string }>(
      tx,
      sql`insert into incident_children (incident_id, province_code, ward_code, sex, age_years, created_at)
          values (${id}, '01', ${ward}, 'female', 9, now()) returning id`,
    )
    await tx.execute(
      sql`insert into referrals (incident_id, incident_child_id, province_code, ward_code, residential_group_code,
            provider_id, services, urgency, emergency_reason, sent_at, due_at, created_at, updated_at)
          values (${id}, ${child!.id}, ${placeOf(ward)}, ${socialWorkCentre}, array['counselling'], 'urgent',
            'synthetic', now(), now() + interval '1 day', now(), now())`,
    )
    return { incident: id, form: form!.id, document: document!.id }
  })
}

const caseOfA = await seedCase(wardA)

const tables = [
  'case_forms',
  'case_form_revisions',
  'case_documents',
  'case_document_chunks',
  'follow_ups',
  'referrals',
] as const

async function visible(scope: Scope, table: string, alsoFirst?: string): Promise<number> {
  const rows = await inScope(
    db,
    scope,
    (tx) => queryRows<{ n: number }>(tx, sql`select count(*)::int as n from ${sql.identifier(table)}`),
    alsoFirst,
  )
  return rows[0]!.n
}

t.test('a ward sees its own case work and no other ward’s', async (t) => {
  for (const table of tables) {
    t.equal(await visible(wardScope(wardA), table), 1, `${table}: ward A sees its row`)
    t.equal(await visible(wardScope(wardB), table), 0, `${table}: ward B sees none`)
    t.equal(await visible(groupScope(`${wardB}-TDP01`), table), 0, `${table}: a group of ward B sees none`)
  }
})

t.test('a provider’s client sees only the referrals addressed to its provider', async (t) => {
  t.equal(await visible(providerScope, 'referrals', asProvider(socialWorkCentre)), 1, 'the centre sees its referral')
  t.equal(await visible(providerScope, 'referrals', asProvider(ngo)), 0, 'another provider sees none')
  for (const table of tables.filter((name) => name !== 'referrals'))
    t.equal(await visible(providerScope, table, asProvider(socialWorkCentre)), 0, `${table}: nothing of the case`)
})

t.test('another ward can neither change ward A’s rows nor write rows into ward A', async (t) => {
  const changed = await inScope(db, wardScope(wardB), async (tx) => [
    ...(await queryRows(tx, sql`update case_forms set content = '{"x":1}'::jsonb returning id`)),
    ...(await queryRows(tx, sql`update follow_ups set note = 'x' returning id`)),
    ...(await queryRows(tx, sql`update case_documents set deleted_at = now(), deletion_reason = 'x' returning id`)),
    ...(await queryRows(tx, sql`delete from case_document_chunks returning document_id`)),
    ...(await queryRows(tx, sql`update referrals set note = 'x' returning id`)),
  ])
  t.same(changed, [], 'no row of ward A is reached')
  const writes: [string, ReturnType<typeof sql>][] = [
    [
      'a follow-up',
      sql`insert into follow_ups (incident_id, province_code, ward_code, residential_group_code, kind, due_date,
            created_at, updated_at)
          values (${caseOfA.incident}, ${placeOf(wardA)}, 'phone_call', current_date, now(), now())`,
    ],
    [
      'a form revision',
      sql`insert into case_form_revisions (form_id, incident_id, province_code, ward_code, residential_group_code,
            kind, version, action, changes, changed_at)
          values (${caseOfA.form}, ${caseOfA.incident}, ${placeOf(wardA)}, 'intake', 2, 'update', '{}'::jsonb, now())`,
    ],
    [
      'a document chunk',
      sql`insert into case_document_chunks (document_id, seq, data) values (${caseOfA.document}, 1, '\\x00'::bytea)`,
    ],
  ]
  for (const [name, statement] of writes)
    await t.rejects(
      inScope(db, wardScope(wardB), (tx) => tx.execute(statement)),
      { cause: { message: /violates row-level security policy/ } },
      `${name} of ward A written by ward B is refused`,
    )
  t.equal(await visible(wardScope(wardA), 'follow_ups'), 1, 'nothing was added')
  t.equal(await visible(wardScope(wardA), 'case_document_chunks'), 1)
})
