import { and, asc, desc, eq, gt, gte, lt, lte, sql, type SQL } from 'drizzle-orm'
import type { Db, Executor } from '../../db/client.js'
import { queryRows } from '../../db/client.js'
import { arrayLiteral } from '../../platform/scope.js'
import { eventHash, firstBrokenLink, genesisHash, type BrokenLink, type ChainedEvent } from './rules.js'
import { auditChain, auditEvents } from './tables.js'

const sealLockKey = 7_310_140_2025
/** A late commit this far (in event ids) behind the chain's end when a look-back began is still found by the next one. */
const lateCommitWindow = 100_000
/** How often the periodic sealer looks back that far; the runs between look only past the newest sealed event. */
const lookBackEveryMs = 60_000

type EventRow = typeof auditEvents.$inferSelect
/** An event as the sealer reads it: the bigint id may arrive as a string, the instant as a string or Date. */
type PendingEvent = Omit<ChainedEvent, 'id' | 'occurredAt'> & { id: number | string; occurredAt: Date | string }

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

export interface SealRun {
  /** False when another sealer held the lock: nothing was searched. */
  locked: boolean
  sealed: number
  /** The newest sealed event id when the run began. */
  chainEnd: number
}

/**
 * Links committed events into the hash chain, in the order they are found. One sealer at a time (a
 * transaction-scoped advisory lock); another instance finding the lock taken simply skips this round.
 * `searchFrom` maps the chain's end to the event id the search starts after: by default a look-back of
 * `lateCommitWindow` ids, for events whose transaction committed after a later one had been sealed.
 */
export async function sealAuditChain(
  db: Db,
  now: Date,
  { batchSize = 5000, searchFrom = (chainEnd: number) => chainEnd - lateCommitWindow } = {},
): Promise<SealRun> {
  return db.transaction(async (tx) => {
    const [lock] = await queryRows<{ locked: boolean }>(
      tx,
      sql`select pg_try_advisory_xact_lock(${sealLockKey}) as locked`,
    )
    if (!lock?.locked) return { locked: false, sealed: 0, chainEnd: 0 }
    const [last] = await tx.select().from(auditChain).orderBy(desc(auditChain.position)).limit(1)
    const [watermark] = await queryRows<{ max: string | number | null }>(
      tx,
      sql`select max(event_id) as max from audit_chain`,
    )
    const chainEnd = Number(watermark?.max ?? 0)
    const from = Math.max(0, searchFrom(chainEnd))
    // Read as plain rows: mapping thousands of events a second through the query builder cost more
    // than hashing them.
    const pending = await queryRows<PendingEvent>(
      tx,
      sql`select e.id, e.occurred_at as "occurredAt", e.actor_type as "actorType", e.actor_id as "actorId", e.actor_name as "actorName",
                 e.role, e.action, e.resource_type as "resourceType", e.resource_id as "resourceId", e.unit_code as "unitCode",
                 e.request_id as "requestId", e.outcome, e.details
            from audit_events e
           where e.id > ${from}
             -- The range on the chain's side too: otherwise the planner hashes the whole chain every run.
             and not exists (select 1 from audit_chain c where c.event_id = e.id and c.event_id > ${from})
           order by e.id
           limit ${batchSize}`,
    )
    let position = last?.position ?? 0
    let previousHash = last?.hash ?? genesisHash
    const links = pending.map((row) => {
      position++
      const event: ChainedEvent = Object.assign(row, {
        id: Number(row.id),
        occurredAt: new Date(row.occurredAt),
        details: row.details ?? null,
      })
      const hash = eventHash(previousHash, event)
      const link = { position, eventId: event.id, previousHash, hash }
      previousHash = hash
      return link
    })
    if (links.length > 0) {
      // One statement with five array parameters: far cheaper to build and send than rows of values.
      await tx.execute(sql`insert into audit_chain (position, event_id, previous_hash, hash, sealed_at)
        select position, event_id, previous_hash, hash, ${now.toISOString()}::timestamptz
          from unnest(${arrayLiteral(links.map((link) => String(link.position)))}::bigint[],
                      ${arrayLiteral(links.map((link) => String(link.eventId)))}::bigint[],
                      ${arrayLiteral(links.map((link) => link.previousHash))}::text[],
                      ${arrayLiteral(links.map((link) => link.hash))}::text[]) as l(position, event_id, previous_hash, hash)`)
    }
    return { locked: true, sealed: links.length, chainEnd }
  })
}

/**
 * The sealing task: every run seals the events newer than the chain's end, and once a minute it also
 * looks back for late commits — from `lateCommitWindow` ids before where the previous look-back began,
 * so nothing that committed in between falls outside the search however fast events arrive. Looking
 * back every second cost more database time than the reads being audited. A run that finds the lock
 * taken looked at nothing, so the look-back stays due.
 */
export function periodicAuditSealer(db: Db): (now: Date) => Promise<number> {
  let lastLookBack = Number.NEGATIVE_INFINITY
  let previousLookBackEnd: number | null = null
  return async (now) => {
    const due = now.getTime() - lastLookBack >= lookBackEveryMs
    const run = await sealAuditChain(db, now, {
      searchFrom: due
        ? (chainEnd) => Math.min(chainEnd, previousLookBackEnd ?? chainEnd) - lateCommitWindow
        : (chainEnd) => chainEnd,
    })
    if (due && run.locked) {
      lastLookBack = now.getTime()
      previousLookBackEnd = run.chainEnd
    }
    return run.sealed
  }
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
    if (broken)
      return {
        ok: false,
        checked: checked + Math.max(0, broken.position - previous.position - 1),
        unsealed: await countUnsealed(db),
        firstBroken: broken,
      }
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
  if (filter.actor)
    conditions.push(sql`(${auditEvents.actorId} = ${filter.actor} or ${auditEvents.actorName} = ${filter.actor})`)
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
