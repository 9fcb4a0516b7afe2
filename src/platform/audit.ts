import type { FastifyRequest } from 'fastify'
import type { Executor } from '../db/client.js'
import { auditEvents } from '../modules/audit/tables.js'

export type AuditOutcome = 'success' | 'denied' | 'not_found' | 'failure'

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
