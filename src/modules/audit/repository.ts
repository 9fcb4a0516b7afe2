import { and, asc, desc, eq, gt, gte, lt, lte, sql, type SQL } from 'drizzle-orm'
import type { Db, Executor } from '../../db/client.js'
import { queryRows } from '../../db/client.js'
import { eventHash, firstBrokenLink, genesisHash, type BrokenLink, type ChainedEvent } from './rules.js'
import { auditChain, auditEvents } from './tables.js'

const sealLockKey = 7_310_140_2025
/** Events are sealed in batches; a late commit this far behind the newest sealed event is still found. */
const lateCommitWindow = 100_000

type EventRow = typeof auditEvents.$inferSelect

function chained(row: EventRow): ChainedEvent {
  return {
    id: row.id,
    occurredAt: row.occurredAt,
    actorType: row.actorType,
    actorId: row.actorId,
    actorName: row.actorName,
    role: row.role,
    action: row.action,
    resourceType: row.resourceType,
    resourceId: row.resourceId,
    unitCode: row.unitCode,
    requestId: row.requestId,
    outcome: row.outcome,
    details: row.details ?? null,
  }
}

/**
 * Links committed events into the hash chain, in the order they are found. One sealer at a time (a
 * transaction-scoped advisory lock); another instance finding the lock taken simply skips this round.
 */
export async function sealAuditChain(db: Db, now: Date, batchSize = 5000): Promise<number> {
  return db.transaction(async (tx) => {
    const [lock] = await queryRows<{ locked: boolean }>(tx, sql`select pg_try_advisory_xact_lock(${sealLockKey}) as locked`)
    if (!lock?.locked) return 0
    const [last] = await tx.select().from(auditChain).orderBy(desc(auditChain.position)).limit(1)
    const [watermark] = await queryRows<{ max: string | number | null }>(tx, sql`select max(event_id) as max from audit_chain`)
    const from = Math.max(0, Number(watermark?.max ?? 0) - lateCommitWindow)
    const pending = await tx
      .select()
      .from(auditEvents)
      .where(
        and(gt(auditEvents.id, from), sql`not exists (select 1 from audit_chain c where c.event_id = ${auditEvents.id})`),
      )
      .orderBy(asc(auditEvents.id))
      .limit(batchSize)
    let position = last?.position ?? 0
    let previousHash = last?.hash ?? genesisHash
    const links = pending.map((row) => {
      position++
      const hash = eventHash(previousHash, chained(row))
      const link = { position, eventId: row.id, previousHash, hash, sealedAt: now }
      previousHash = hash
      return link
    })
    for (let index = 0; index < links.length; index += 500) {
      await tx.insert(auditChain).values(links.slice(index, index + 500))
    }
    return links.length
  })
}

export interface VerifyResult {
  ok: boolean
  checked: number
  unsealed: number
  firstBroken: BrokenLink | null
}

/** Recomputes every link from the stored events; reports the first one that does not hold. */
export async function verifyAuditChain(db: Executor, batchSize = 5000): Promise<VerifyResult> {
  let previous = { position: 0, hash: genesisHash }
  let checked = 0
  for (;;) {
    const rows = await db
      .select({ link: auditChain, event: auditEvents })
      .from(auditChain)
      .leftJoin(auditEvents, eq(auditEvents.id, auditChain.eventId))
      .where(gt(auditChain.position, previous.position))
      .orderBy(asc(auditChain.position))
      .limit(batchSize)
    const broken = firstBrokenLink(
      previous,
      rows.map(({ link, event }) => ({ ...link, event: event ? chained(event) : null })),
    )
    if (broken) return { ok: false, checked: checked + Math.max(0, broken.position - previous.position - 1), unsealed: await countUnsealed(db), firstBroken: broken }
    checked += rows.length
    const last = rows[rows.length - 1]
    if (!last || rows.length < batchSize) break
    previous = { position: last.link.position, hash: last.link.hash }
  }
  return { ok: true, checked, unsealed: await countUnsealed(db), firstBroken: null }
}

async function countUnsealed(db: Executor): Promise<number> {
  const [row] = await queryRows<{ n: number }>(
    db,
    sql`select count(*)::int as n from audit_events e where not exists (select 1 from audit_chain c where c.event_id = e.id)`,
  )
  return row?.n ?? 0
}

export interface AuditFilter {
  actor?: string
  action?: string
  resourceType?: string
  resourceId?: string
  from?: string
  to?: string
  before?: number
  limit: number
}

export async function listAuditEvents(db: Executor, filter: AuditFilter) {
  const conditions: SQL[] = []
  if (filter.actor) conditions.push(sql`(${auditEvents.actorId} = ${filter.actor} or ${auditEvents.actorName} = ${filter.actor})`)
  if (filter.action) conditions.push(eq(auditEvents.action, filter.action))
  if (filter.resourceType) conditions.push(eq(auditEvents.resourceType, filter.resourceType))
  if (filter.resourceId) conditions.push(eq(auditEvents.resourceId, filter.resourceId))
  if (filter.from) conditions.push(gte(auditEvents.occurredAt, new Date(filter.from)))
  if (filter.to) conditions.push(lte(auditEvents.occurredAt, new Date(filter.to)))
  if (filter.before !== undefined) conditions.push(lt(auditEvents.id, filter.before))
  return db
    .select({ event: auditEvents, position: auditChain.position, hash: auditChain.hash })
    .from(auditEvents)
    .leftJoin(auditChain, eq(auditChain.eventId, auditEvents.id))
    .where(and(...conditions))
    .orderBy(desc(auditEvents.id))
    .limit(filter.limit)
}
