import { createHash } from 'node:crypto'
import { canonicalJson } from '../../platform/canonical-json.js'

/** The chain starts from this value: the previous hash of the first sealed event. */
export const genesisHash = '0'.repeat(64)

export interface ChainedEvent {
  id: number
  occurredAt: Date
  actorType: string
  actorId: string | null
  actorName: string | null
  role: string | null
  action: string
  resourceType: string | null
  resourceId: string | null
  unitCode: string | null
  requestId: string | null
  outcome: string
  details: Record<string, unknown> | null
}

export function eventHash(previousHash: string, event: ChainedEvent): string {
  const content = canonicalJson(Object.assign({}, event, { occurredAt: event.occurredAt.toISOString() }))
  return createHash('sha256').update(previousHash).update('\n').update(content).digest('hex')
}

export interface ChainLink {
  position: number
  eventId: number
  previousHash: string
  hash: string
}

export type BrokenLink = {
  position: number
  eventId: number | null
  reason: 'position_gap' | 'link_mismatch' | 'hash_mismatch' | 'event_missing'
}

/**
 * Checks a run of links (in position order) that should follow `previous`. Returns the first broken
 * link, or null when every link holds.
 */
export function firstBrokenLink(
  previous: { position: number; hash: string },
  links: readonly (ChainLink & { event: ChainedEvent | null })[],
): BrokenLink | null {
  let expectedPosition = previous.position + 1
  let previousHash = previous.hash
  for (const link of links) {
    if (link.position !== expectedPosition) return { position: expectedPosition, eventId: null, reason: 'position_gap' }
    if (link.previousHash !== previousHash)
      return { position: link.position, eventId: link.eventId, reason: 'link_mismatch' }
    if (!link.event) return { position: link.position, eventId: link.eventId, reason: 'event_missing' }
    if (eventHash(previousHash, link.event) !== link.hash)
      return { position: link.position, eventId: link.eventId, reason: 'hash_mismatch' }
    previousHash = link.hash
    expectedPosition++
  }
  return null
}
