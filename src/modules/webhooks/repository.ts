import type { Executor } from '../../db/client.js'
import { events } from './tables.js'

export interface DomainEvent {
  type: string
  occurredAt: Date
  unit: { provinceCode: string; wardCode: string; residentialGroupCode: string | null }
  resourceType: string
  resourceId: string
  /** Everything a fully entitled reader may see; views for other roles are cut from it. */
  data: Record<string, unknown>
  /** Makes the event happen once per key, however often it is recorded (deadline sweeps). */
  dedupeKey?: string
}

/**
 * Appends a domain event to the outbox, in the caller's transaction so it commits with the change that
 * causes it. Returns false when an event with the same dedupe key already exists.
 */
export async function recordEvent(tx: Executor, event: DomainEvent): Promise<boolean> {
  const inserted = await tx
    .insert(events)
    .values({
      type: event.type,
      occurredAt: event.occurredAt,
      provinceCode: event.unit.provinceCode,
      wardCode: event.unit.wardCode,
      residentialGroupCode: event.unit.residentialGroupCode,
      resourceType: event.resourceType,
      resourceId: event.resourceId,
      data: event.data,
      dedupeKey: event.dedupeKey ?? null,
    })
    .onConflictDoNothing({ target: events.dedupeKey })
    .returning({ id: events.id })
  return inserted.length === 1
}
