/**
 * The audit log as the routes serve it: reading it, and verifying its hash chain. Reading the log is
 * itself audited, in the transaction of the read.
 */
import type { FastifyRequest } from 'fastify'
import type { Static } from 'typebox'
import { audit } from '../../platform/audit.js'
import { decodeCursor, toPage } from '../../platform/pagination.js'
import { listAuditEvents, sealAuditChain, verifyAuditChain } from './repository.js'
import type { AuditQuery } from './schemas.js'

type AuditEventRow = Awaited<ReturnType<typeof listAuditEvents>>[number]

/** An audit event as the API shows it (AuditEventSchema), with its link in the hash chain once sealed. */
function toAuditEvent({ event, position, hash }: AuditEventRow) {
  return {
    ...event,
    occurredAt: event.occurredAt.toISOString(),
    details: event.details ?? null,
    chain: position !== null && hash !== null ? { position, hash } : null,
  }
}

/** A page of the audit log, newest first (AuditEventPageSchema). */
export async function auditEventPage(request: FastifyRequest, query: Static<typeof AuditQuery>) {
  const { limit = 50, cursor, ...filter } = query
  const before = decodeCursor(cursor, ['integer'])?.[0]
  const rows = await request.server.database.db.transaction(async (tx) => {
    const found = await listAuditEvents(tx, {
      ...filter,
      before: before === undefined ? undefined : Number(before),
      limit: limit + 1,
    })
    await audit(tx, request, {
      action: 'audit.list',
      resourceType: 'audit_event',
      outcome: 'success',
      details: { filters: Object.keys(filter).sort(), count: Math.min(found.length, limit) },
    })
    return found
  })
  const page = toPage(rows, limit, (row) => [row.event.id])
  return { items: page.items.map(toAuditEvent), nextCursor: page.nextCursor }
}

/** Seals what is not sealed yet, then recomputes the whole chain and reports its first broken link, if any. */
export async function verifyChain(request: FastifyRequest) {
  const { database, clock } = request.server
  await sealAuditChain(database.db, clock.now())
  const result = await verifyAuditChain(database.db)
  await audit(database.db, request, {
    action: 'audit.verify',
    resourceType: 'audit_event',
    outcome: result.ok ? 'success' : 'failure',
    details: { checked: result.checked, firstBroken: result.firstBroken },
  })
  return result
}
