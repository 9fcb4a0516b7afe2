import { and, arrayContains, asc, desc, eq, gt, lt, or, sql, type SQL } from 'drizzle-orm'
import type { Executor } from '../../db/client.js'
import { arrayLiteral, scopeCondition, type Scope } from '../../platform/scope.js'
import { children } from '../children/tables.js'
import { incidentChildren, incidents } from '../incidents/tables.js'
import { afterPosition, type TaskPosition } from '../tasks/source.js'
import type { ReferralState } from './rules.js'
import { providerClients, referrals, serviceProviders } from './tables.js'

export type ProviderRow = typeof serviceProviders.$inferSelect
export type ReferralRow = typeof referrals.$inferSelect

export interface ProviderFilter {
  kind?: ProviderRow['kind']
  service?: string
  /** The ward and the units above it: a provider serving any of them serves the ward. */
  servingAnyOf?: readonly string[]
  active?: boolean
}

export async function listProviders(
  db: Executor,
  filter: ProviderFilter,
  page: { after?: [string, string]; limit: number },
): Promise<ProviderRow[]> {
  const conditions: (SQL | undefined)[] = [
    filter.kind ? eq(serviceProviders.kind, filter.kind) : undefined,
    filter.service ? arrayContains(serviceProviders.services, [filter.service]) : undefined,
    filter.servingAnyOf ? sql`${serviceProviders.units} && ${arrayLiteral(filter.servingAnyOf)}::text[]` : undefined,
    filter.active === undefined ? undefined : eq(serviceProviders.active, filter.active),
    page.after
      ? or(
          gt(serviceProviders.name, page.after[0]),
          and(eq(serviceProviders.name, page.after[0]), gt(serviceProviders.id, page.after[1])),
        )
      : undefined,
  ]
  return db
    .select()
    .from(serviceProviders)
    .where(and(...conditions))
    .orderBy(asc(serviceProviders.name), asc(serviceProviders.id))
    .limit(page.limit)
}

export async function getProvider(db: Executor, id: string): Promise<ProviderRow | undefined> {
  const [row] = await db.select().from(serviceProviders).where(eq(serviceProviders.id, id))
  return row
}

export async function insertProvider(tx: Executor, values: typeof serviceProviders.$inferInsert): Promise<ProviderRow> {
  const [row] = await tx.insert(serviceProviders).values(values).returning()
  return row!
}

/** Changes a provider at `expectedVersion`; undefined when it is at another. */
export async function updateProvider(
  tx: Executor,
  id: string,
  expectedVersion: number,
  values: Partial<typeof serviceProviders.$inferInsert>,
): Promise<ProviderRow | undefined> {
  const [row] = await tx
    .update(serviceProviders)
    .set({ ...values, version: sql`${serviceProviders.version} + 1` })
    .where(and(eq(serviceProviders.id, id), eq(serviceProviders.version, expectedVersion)))
    .returning()
  return row
}

export async function bindClientToProvider(tx: Executor, values: typeof providerClients.$inferInsert): Promise<void> {
  await tx.insert(providerClients).values(values)
}

/** The provider a machine client acts for, if it is bound to one. */
export async function providerOfClient(db: Executor, clientId: string): Promise<string | undefined> {
  const [row] = await db
    .select({ providerId: providerClients.providerId })
    .from(providerClients)
    .where(eq(providerClients.clientId, clientId))
  return row?.providerId
}

/**
 * Lets the transaction see the referrals addressed to `providerId` through row-level security (the
 * policy of migration 0038), for a provider's client only: its own scope holds no ward.
 */
export async function openProviderScope(tx: Executor, providerId: string): Promise<void> {
  await tx.execute(sql`select set_config('cps.scope_provider', ${providerId}, true)`)
}

/** A child of a case, with what a referral tells the provider: the registry name or the name recorded. */
export async function caseChild(tx: Executor, incidentId: string, incidentChildId: string) {
  const [row] = await tx
    .select({
      ageYears: incidentChildren.ageYears,
      unregistered: incidentChildren.unregistered,
      registryName: children.fullName,
    })
    .from(incidentChildren)
    .leftJoin(children, eq(children.id, incidentChildren.childId))
    .where(and(eq(incidentChildren.id, incidentChildId), eq(incidentChildren.incidentId, incidentId)))
  return row
}

export async function insertReferral(tx: Executor, values: typeof referrals.$inferInsert): Promise<ReferralRow> {
  const [row] = await tx.insert(referrals).values(values).returning()
  return row!
}

/** Whose referrals a query reads: the case side's units, or the one provider they are addressed to. */
export type ReferralReader = { scope: Scope } | { providerId: string }

function readable(reader: ReferralReader): SQL {
  return 'providerId' in reader
    ? eq(referrals.providerId, reader.providerId)
    : scopeCondition(reader.scope, { ward: referrals.wardCode, group: referrals.residentialGroupCode })
}

export interface ReferralFilter {
  incidentId?: string
  providerId?: string
  state?: ReferralState
  overdue?: boolean
}

const providerBrief = {
  id: serviceProviders.id,
  code: serviceProviders.code,
  name: serviceProviders.name,
  kind: serviceProviders.kind,
}

export type ProviderBrief = { id: string; code: string; name: string; kind: ProviderRow['kind'] }

export async function listReferrals(
  tx: Executor,
  reader: ReferralReader,
  filter: ReferralFilter,
  now: Date,
  page: { after?: [string, string]; limit: number },
): Promise<{ referral: ReferralRow; provider: ProviderBrief }[]> {
  const overdue = sql`(${referrals.state} = 'sent' and ${referrals.dueAt} < ${now.toISOString()}::timestamptz)`
  const conditions: (SQL | undefined)[] = [
    readable(reader),
    filter.incidentId ? eq(referrals.incidentId, filter.incidentId) : undefined,
    filter.providerId ? eq(referrals.providerId, filter.providerId) : undefined,
    filter.state ? eq(referrals.state, filter.state) : undefined,
    filter.overdue === undefined ? undefined : filter.overdue ? overdue : sql`not ${overdue}`,
    page.after
      ? sql`(${referrals.sentAt}, ${referrals.id}) < (${page.after[0]}::timestamptz, ${page.after[1]}::uuid)`
      : undefined,
  ]
  return tx
    .select({ referral: referrals, provider: providerBrief })
    .from(referrals)
    .innerJoin(serviceProviders, eq(serviceProviders.id, referrals.providerId))
    .where(and(...conditions))
    .orderBy(desc(referrals.sentAt), desc(referrals.id))
    .limit(page.limit)
}

export async function getReferral(
  tx: Executor,
  reader: ReferralReader,
  id: string,
): Promise<{ referral: ReferralRow; provider: ProviderBrief } | undefined> {
  const [row] = await tx
    .select({ referral: referrals, provider: providerBrief })
    .from(referrals)
    .innerJoin(serviceProviders, eq(serviceProviders.id, referrals.providerId))
    .where(and(eq(referrals.id, id), readable(reader)))
  return row
}

/**
 * Moves a referral on from `from` (and at `expectedVersion` when given); undefined when it has moved
 * meanwhile or is not the reader's.
 */
export async function updateReferral(
  tx: Executor,
  reader: ReferralReader,
  id: string,
  from: ReferralState,
  expectedVersion: number | undefined,
  values: Partial<typeof referrals.$inferInsert>,
): Promise<ReferralRow | undefined> {
  const [row] = await tx
    .update(referrals)
    .set({ ...values, version: sql`${referrals.version} + 1` })
    .where(
      and(
        eq(referrals.id, id),
        readable(reader),
        eq(referrals.state, from),
        expectedVersion === undefined ? undefined : eq(referrals.version, expectedVersion),
      ),
    )
    .returning()
  return row
}

/** Referrals of open cases in `scope` still waiting for the provider's answer, by their response clock (the task list). */
export async function referralsAwaitingAnswer(
  tx: Executor,
  scope: Scope,
  page: { kind: string; after?: TaskPosition; limit: number },
): Promise<ReferralRow[]> {
  const rows = await tx
    .select({ referral: referrals })
    .from(referrals)
    .innerJoin(incidents, eq(incidents.id, referrals.incidentId))
    .where(
      and(
        eq(referrals.state, 'sent'),
        eq(incidents.status, 'open'),
        scopeCondition(scope, { ward: referrals.wardCode, group: referrals.residentialGroupCode }),
        afterPosition(page.kind, page.after, sql`${referrals.dueAt}`, referrals.id),
      ),
    )
    .orderBy(asc(referrals.dueAt), asc(referrals.id))
    .limit(page.limit)
  return rows.map(({ referral }) => referral)
}

/** Referrals still waiting past their clock whose overdue event is not recorded yet, with their provider's code. */
export async function referralsNeedingOverdueEvent(
  tx: Executor,
  now: Date,
  limit: number,
): Promise<(ReferralRow & { providerCode: string })[]> {
  const rows = await tx
    .select({ referral: referrals, providerCode: serviceProviders.code })
    .from(referrals)
    .innerJoin(serviceProviders, eq(serviceProviders.id, referrals.providerId))
    .innerJoin(incidents, eq(incidents.id, referrals.incidentId))
    .where(
      and(
        eq(referrals.state, 'sent'),
        eq(incidents.status, 'open'),
        lt(referrals.dueAt, now),
        sql`not exists (select 1 from events e where e.dedupe_key = 'referral.overdue:' || "referrals"."id")`,
      ),
    )
    .orderBy(asc(referrals.dueAt))
    .limit(limit)
  return rows.map(({ referral, providerCode }) => ({ ...referral, providerCode }))
}

/** Records a provider's answer in the outbox, at the referral's unit (migration 0038, cps_record_provider_answer). */
export async function recordProviderAnswer(
  tx: Executor,
  event: { referralId: string; providerId: string; type: string; occurredAt: Date; data: Record<string, unknown> },
): Promise<void> {
  await tx.execute(
    sql`select cps_record_provider_answer(${event.referralId}::uuid, ${event.providerId}::uuid, ${event.type},
                                          ${event.occurredAt.toISOString()}::timestamptz, ${JSON.stringify(event.data)}::jsonb)`,
  )
}
