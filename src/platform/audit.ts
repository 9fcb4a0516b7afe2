import type { FastifyRequest } from 'fastify'
import type { Executor } from '../db/client.js'
import { auditEvents } from '../modules/audit/tables.js'

export type AuditOutcome = 'success' | 'denied' | 'not_found' | 'failure'

declare module 'fastify' {
  interface FastifyRequest {
    /** Whether the request has written an audit event (the error handler then adds none of its own). */
    auditWritten: boolean
  }
}

const writeVerbs: Record<string, string> = { POST: 'write', PUT: 'update', PATCH: 'update', DELETE: 'delete' }
const loggableId = /^[A-Za-z0-9._:-]{1,100}$/

/**
 * A write refused because its record does not exist (or is outside the caller's units: the same 404)
 * is audited too, as `<resource>.<verb>` with outcome not_found, unless the route audited it itself.
 */
export async function auditMissingOnWrite(executor: Executor, request: FastifyRequest, missing: { resourceType: string; resourceId: string }): Promise<void> {
  const verb = writeVerbs[request.method]
  if (!verb || !request.principal || request.auditWritten) return
  await audit(executor, request, {
    action: `${missing.resourceType}.${verb}`,
    resourceType: missing.resourceType,
    resourceId: loggableId.test(missing.resourceId) ? missing.resourceId : null,
    outcome: 'not_found',
    details: { operation: request.routeOptions.schema?.operationId ?? `${request.method} ${request.routeOptions.url ?? ''}` },
  })
}

export interface AuditEntry {
  action: string
  resourceType?: string
  resourceId?: string | null
  unitCode?: string | null
  outcome: AuditOutcome
  /** Never personal data: counts, filter names, reasons, field names. */
  details?: Record<string, unknown>
  /** Who acted, when it is not the request's principal (e.g. the account signing in). */
  actor?: AuditActor
}

export interface AuditActor {
  type: 'user' | 'client' | 'system' | 'anonymous'
  id: string | null
  name: string | null
  role: string | null
}

/** Who the request acts as, for the audit log. */
export function requestActor(request: FastifyRequest): AuditActor {
  const principal = request.principal
  return { type: principal?.kind ?? 'anonymous', id: principal?.id ?? null, name: principal?.name ?? null, role: principal?.role ?? null }
}

/**
 * Appends one audit event for the request's principal. Called inside the transaction that does the
 * work, so the event and the change (or the read) commit together.
 */
export async function audit(executor: Executor, request: FastifyRequest, entry: AuditEntry): Promise<void> {
  request.auditWritten = true
  const actor = entry.actor ?? requestActor(request)
  await executor.insert(auditEvents).values({
    occurredAt: request.server.clock.now(),
    actorType: actor.type,
    actorId: actor.id,
    actorName: actor.name,
    role: actor.role,
    action: entry.action,
    resourceType: entry.resourceType ?? null,
    resourceId: entry.resourceId ?? null,
    unitCode: entry.unitCode ?? null,
    requestId: request.id,
    outcome: entry.outcome,
    details: entry.details ?? null,
  })
}
