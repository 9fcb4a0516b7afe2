import type { FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { problemResponses, ref } from '../../platform/schemas.js'
import { AuditEventPageSchema, AuditQuery, AuditVerificationSchema } from './schemas.js'
import { auditEventPage, verifyChain } from './service.js'

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
    async (request) => auditEventPage(request, request.query),
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
    async (request) => verifyChain(request),
  )
}
