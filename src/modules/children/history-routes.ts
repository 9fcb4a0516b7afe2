import type { FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { problemResponses, ref } from '../../platform/schemas.js'
import { scoped } from '../../platform/work.js'
import { childHistory } from './record-service.js'
import { ChildParams, HistorySchema } from './schemas.js'

/** A child's history: the stored revisions of the record and its parts. */
export default async function childHistoryRoutes(app: FastifyInstance) {
  const route = app.withTypeProvider<TypeBoxTypeProvider>()

  route.get(
    '/v1/children/:id/history',
    {
      config: { permission: 'registry:read' },
      schema: {
        operationId: 'getChildHistory',
        tags: ['children'],
        summary: 'Who changed which field when (old → new), from the stored revisions',
        params: ChildParams,
        response: { 200: ref(HistorySchema, 'Every revision, oldest first'), ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request) => scoped(request, (work) => childHistory(work, request.params.id)),
  )
}
