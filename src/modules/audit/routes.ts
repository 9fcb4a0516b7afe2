import type { FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { audit } from '../../platform/audit.js'
import { decodeCursor, toPage } from '../../platform/pagination.js'
import { problemResponses, ref } from '../../platform/schemas.js'
import { listAuditEvents, sealAuditChain, verifyAuditChain } from './repository.js'
import { AuditEventPageSchema, AuditQuery, AuditVerificationSchema } from './schemas.js'

export default async function auditRoutes(app: FastifyInstance) {
  const route = app.withTypeProvider<TypeBoxTypeProvider>()

  route.get(
    '/v1/audit-events',
    {
      config: { permission: 'audit:read' },
      schema: {
        operationId: 'listAuditEvents',
        tags: ['audit'],
        summary: 'The audit log, newest first',
        description:
          'Every write, and every read, list, search and export of personal data. Reading the log is itself logged.',
        querystring: AuditQuery,
        response: { 200: ref(AuditEventPageSchema, 'A page of events'), ...problemResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const { limit = 50, cursor, ...filter } = request.query
      const before = decodeCursor(cursor, ['integer'])?.[0]
      const rows = await app.database.db.transaction(async (tx) => {
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
      return {
        items: page.items.map(({ event, position, hash }) => ({
          ...event,
          occurredAt: event.occurredAt.toISOString(),
          details: event.details ?? null,
          chain: position !== null && hash !== null ? { position, hash } : null,
        })),
        nextCursor: page.nextCursor,
      }
    },
  )

  route.get(
    '/v1/audit-events/verify',
    {
      config: { permission: 'audit:read' },
      schema: {
        operationId: 'verifyAuditChain',
        tags: ['audit'],
        summary: 'Recompute the hash chain and report the first broken link, if any',
        response: { 200: ref(AuditVerificationSchema, 'The verification result'), ...problemResponses(401, 403) },
      },
    },
    async (request) => {
      await sealAuditChain(app.database.db, app.clock.now())
      const result = await verifyAuditChain(app.database.db)
      await audit(app.database.db, request, {
        action: 'audit.verify',
        resourceType: 'audit_event',
        outcome: result.ok ? 'success' : 'failure',
        details: { checked: result.checked, firstBroken: result.firstBroken },
      })
      return result
    },
  )
}
