import type { FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { sendWithEtag } from '../../platform/concurrency.js'
import { problemResponses, ref } from '../../platform/schemas.js'
import { scoped } from '../../platform/work.js'
import { duplicatePage, mergeChildren } from './duplicates-service.js'
import { ChildParams, ChildSchema, DuplicatePageSchema, DuplicatesQuery, MergeBody } from './schemas.js'

/** Duplicate records: the candidate pairs, and merging a duplicate into the child that survives. */
export default async function childDuplicatesRoutes(app: FastifyInstance) {
  const route = app.withTypeProvider<TypeBoxTypeProvider>()

  route.get(
    '/v1/children/duplicates',
    {
      config: { permission: 'registry:read' },
      schema: {
        operationId: 'listDuplicateChildren',
        tags: ['children'],
        summary: 'Candidate duplicate pairs in your units',
        description:
          'Pairs with the same date of birth in the same ward whose folded names are equal or very similar (trigram ' +
          'similarity ≥ 0.6). Review, then merge with POST /v1/children/{id}/merge. Registry upkeep: also needs ' +
          'registry:statutory (a partner agency reads only children whose sharing is consented to).',
        querystring: DuplicatesQuery,
        response: { 200: ref(DuplicatePageSchema, 'A page of pairs'), ...problemResponses(400, 401, 403) },
      },
    },
    async (request) => scoped(request, (work) => duplicatePage(work, request.query)),
  )

  route.post(
    '/v1/children/:id/merge',
    {
      config: { permission: 'registry:merge' },
      schema: {
        operationId: 'mergeChildren',
        tags: ['children'],
        summary: 'Merge a duplicate into this child',
        description:
          'Circumstances, care, health insurance cards and consents move to this child; fields this child lacks are taken from the ' +
          'duplicate; the duplicate is kept as a deleted tombstone whose mergedInto points here. Both must be in your units.',
        params: ChildParams,
        body: MergeBody,
        response: { 200: ref(ChildSchema, 'The surviving child'), ...problemResponses(400, 401, 403, 404, 412, 422) },
      },
    },
    async (request, reply) => {
      const survivor = await scoped(request, (work) => mergeChildren(work, request.params.id, request.body))
      return sendWithEtag(reply, survivor.version, survivor)
    },
  )
}
