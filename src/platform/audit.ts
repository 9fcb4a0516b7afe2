import type { FastifyRequest } from 'fastify'
import { sql, type SQL } from 'drizzle-orm'
import type { Executor } from '../db/client.js'

type AuditOutcome = 'success' | 'denied' | 'not_found' | 'failure'

declare module 'fastify' {
  interface FastifyRequest {
    /** Whether the request has written an audit event (the error handler then adds none of its own). */
    auditWritten: boolean
  }
}

const writeVerbs: Record<string, string> = { POST: 'write', PUT: 'update', PATCH: 'update', DELETE: 'delete' }
const loggableId = /^[A-Za-z0-9._:-]{1,100}$/
/** The record a route's `:id` names, by the collection its path starts with. */
const collectionRecords: Record<string, string> = {
  children: 'child',
  households: 'household',
  incidents: 'incident',
  assessments: 'assessment',
  reports: 'report',
  webhooks: 'webhook',
  users: 'user',
  clients: 'client',
  imports: 'import',
}

/**
 * A write refused because its record does not exist (or is outside the caller's units: the same 404)
 * is audited too, as `<resource>.<verb>` with outcome not_found, unless the route audited it itself.
 */
export async function auditMissingOnWrite(
  executor: Executor,
  request: FastifyRequest,
  missing: { resourceType: string; resourceId: string },
): Promise<void> {
  const verb = writeVerbs[request.method]
  if (!verb || !request.principal || request.auditWritten) return
  // A part of a record (a child's circumstance) is audited under the record, so that asking who tried to
  // touch that child finds it too; the part is named in the details.
  const collection = /^\/v1\/([a-z-]+)\/:id(?:\/|$)/.exec(request.routeOptions.url ?? '')?.[1]
  const recordType = collection ? collectionRecords[collection] : undefined
  const recordId = (request.params as { id?: unknown } | undefined)?.id
  const underRecord =
    recordType !== undefined &&
    typeof recordId === 'string' &&
    loggableId.test(recordId) &&
    recordType !== missing.resourceType
  await audit(executor, request, {
    action: `${underRecord ? recordType : missing.resourceType}.${verb}`,
    resourceType: underRecord ? recordType : missing.resourceType,
    resourceId: underRecord ? recordId : loggableId.test(missing.resourceId) ? missing.resourceId : null,
    outcome: 'not_found',
    details: {
      operation: request.routeOptions.schema?.operationId ?? `${request.method} ${request.routeOptions.url ?? ''}`,
      ...(underRecord
        ? { part: missing.resourceType, partId: loggableId.test(missing.resourceId) ? missing.resourceId : null }
        : {}),
    },
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
  return {
    type: principal?.kind ?? 'anonymous',
    id: principal?.id ?? null,
    name: principal?.name ?? null,
    role: principal?.role ?? null,
  }
}

/** One audit event as it is appended: who, when, on whose request, and what. */
export interface AuditRecord extends AuditEntry {
  actor: AuditActor
  occurredAt: Date
  requestId: string | null
}

/**
 * The one writer of audit events: every path (a request, webhook delivery, an import's batch) appends
 * through it, and it through `cps_append_audit`, the SQL function that `cps_read_child` uses too —
 * one definition of an audit row (migration 0017).
 */
export async function appendAudit(executor: Executor, records: readonly AuditRecord[]): Promise<void> {
  if (records.length === 0) return
  await executor.execute(sql`select ${auditCall(records)}`)
}

/** The call that appends audit events, for a caller that runs it inside a statement of its own (writeTogether). */
export function auditCall(records: readonly AuditRecord[]): SQL {
  const rows = records.map((record) => ({
    occurred_at: record.occurredAt.toISOString(),
    actor_type: record.actor.type,
    actor_id: record.actor.id,
    actor_name: record.actor.name,
    role: record.actor.role,
    action: record.action,
    resource_type: record.resourceType ?? null,
    resource_id: record.resourceId ?? null,
    unit_code: record.unitCode ?? null,
    request_id: record.requestId,
    outcome: record.outcome,
    details: record.details ?? null,
  }))
  return sql`cps_append_audit(${JSON.stringify(rows)}::jsonb)`
}

/** One audit event for the request's principal (or the actor named), the request marked as audited. */
export function requestAuditRecord(request: FastifyRequest, entry: AuditEntry): AuditRecord {
  request.auditWritten = true
  return {
    ...entry,
    actor: entry.actor ?? requestActor(request),
    occurredAt: request.server.clock.now(),
    requestId: request.id,
  }
}

/**
 * Appends one audit event for the request's principal (or the actor named). Called inside the
 * transaction that does the work, so the event and the change (or the read) commit together.
 */
export async function audit(executor: Executor, request: FastifyRequest, entry: AuditEntry): Promise<void> {
  await appendAudit(executor, [requestAuditRecord(request, entry)])
}
