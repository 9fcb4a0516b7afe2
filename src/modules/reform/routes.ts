import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FastifyInstance } from 'fastify'
import { problemResponses, ref } from '../../platform/schemas.js'
import { scoped } from '../../platform/work.js'
import Type, { type Static } from 'typebox'
import { listMapping, mappingEntries, saveMapping } from './mapping.js'
import {
  ClaimBody,
  ClaimedSchema,
  ClaimParams,
  MappingBody,
  MappingCsv,
  MappingListSchema,
  MappingQuery,
  RehomingBatchSchema,
  RehomingPreviewSchema,
  RehomingWardsQuery,
  StartRehomingBody,
  UnplacedPageSchema,
  UnplacedQuery,
} from './schemas.js'
import { claimRecord, readBatch, rehomingPreview, startRehoming, startUndo, toBatch, unplacedPage } from './service.js'

const BatchParams = Type.Object({ id: Type.String({ format: 'uuid' }) }, { additionalProperties: false })

/** Re-homing what is filed at the wards the 2025 reorganisation abolished (docs/reform.md). */
export default async function reformRoutes(app: FastifyInstance) {
  const route = app.withTypeProvider<TypeBoxTypeProvider>()
  app.addContentTypeParser('text/csv', { parseAs: 'string' }, (_request, body, done) => done(null, body))

  route.get(
    '/v1/reform/mapping',
    {
      config: { permission: 'reference:read' },
      schema: {
        operationId: 'getResidentialGroupMapping',
        tags: ['units'],
        summary: 'Where each residential group of an abolished ward went (the mapping re-homing follows)',
        querystring: MappingQuery,
        response: { 200: ref(MappingListSchema, 'The mapping'), ...problemResponses(400, 401, 403) },
      },
    },
    async (request) => ({ items: await listMapping(app.database.db, request.query.ward), nextCursor: null }),
  )

  route.put(
    '/v1/reform/mapping',
    {
      config: { permission: 'units:manage' },
      schema: {
        operationId: 'putResidentialGroupMapping',
        tags: ['units'],
        summary: 'Load or correct the residential-group mapping (JSON or CSV), all or nothing',
        description:
          'Each group named gets exactly the successor given (its earlier links are replaced, its version goes up, and ' +
          'a later reference file leaves it alone). Groups not named keep their links. Audited.',
        body: { content: { 'application/json': { schema: MappingBody }, 'text/csv': { schema: MappingCsv } } },
        response: { 200: ref(MappingListSchema, 'The links saved'), ...problemResponses(400, 401, 403, 415, 422) },
      },
    },
    async (request) => {
      const { entries, format } = mappingEntries(request.body as string | Static<typeof MappingBody>)
      return { items: await saveMapping(request, entries, format), nextCursor: null }
    },
  )

  route.get(
    '/v1/reform/rehomings/preview',
    {
      config: { permission: 'units:manage' },
      schema: {
        operationId: 'previewRehoming',
        tags: ['units'],
        summary: 'What a re-homing would move: records per successor ward, and those no mapping places',
        querystring: RehomingWardsQuery,
        response: { 200: ref(RehomingPreviewSchema, 'The preview'), ...problemResponses(400, 401, 403, 422) },
      },
    },
    async (request) => scoped(request, (work) => rehomingPreview(work, request.query.wards?.split(','))),
  )

  route.post(
    '/v1/reform/rehomings',
    {
      config: { permission: 'units:manage', location: true },
      schema: {
        operationId: 'startRehoming',
        tags: ['units'],
        summary: 'Re-home what is filed at abolished wards to their successors (a background job)',
        description:
          'Moves households, children (with their circumstances, care, cards and history) and incidents (with their ' +
          'children, steps and history) by residential-group mapping; records no mapping places stay and are listed ' +
          'by GET /v1/reform/unplaced. Each move is audited and a child’s move is a revision of its record. Frozen ' +
          'reports, assessments and past periods’ figures are not changed. Resumable after a crash; undo with ' +
          'POST /v1/reform/rehomings/{id}/undo.',
        body: StartRehomingBody,
        response: {
          202: ref(RehomingBatchSchema, 'The re-homing, queued'),
          ...problemResponses(400, 401, 403, 422),
        },
      },
    },
    async (request, reply) => {
      const batch = await scoped(request, (work) => startRehoming(work, request.body.wards))
      reply.code(202).header('location', `/v1/reform/rehomings/${batch.id}`)
      return toBatch(batch)
    },
  )

  route.get(
    '/v1/reform/rehomings/:id',
    {
      config: { permission: 'units:manage' },
      schema: {
        operationId: 'getRehoming',
        tags: ['units'],
        summary: 'A re-homing and its progress',
        params: BatchParams,
        response: { 200: ref(RehomingBatchSchema, 'The re-homing'), ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request) => toBatch(await scoped(request, (work) => readBatch(work, request.params.id))),
  )

  route.post(
    '/v1/reform/rehomings/:id/undo',
    {
      config: { permission: 'units:manage' },
      schema: {
        operationId: 'undoRehoming',
        tags: ['units'],
        summary: 'Undo a finished re-homing: its records go back where they were (a background job)',
        description: 'A record moved again since the re-homing is left where it is.',
        params: BatchParams,
        response: {
          202: ref(RehomingBatchSchema, 'The re-homing, being undone'),
          ...problemResponses(400, 401, 403, 404, 409),
        },
      },
    },
    async (request, reply) => {
      const batch = await scoped(request, (work) => startUndo(work, request.params.id))
      reply.code(202)
      return toBatch(batch)
    },
  )

  route.get(
    '/v1/reform/unplaced',
    {
      config: { permission: 'registry:write' },
      schema: {
        operationId: 'listUnplaced',
        tags: ['units'],
        summary: 'Records at abolished wards in your units that no mapping places: claim them one by one',
        querystring: UnplacedQuery,
        response: { 200: ref(UnplacedPageSchema, 'A page of unplaced records'), ...problemResponses(400, 401, 403) },
      },
    },
    async (request) =>
      scoped(request, (work) =>
        unplacedPage(work, request.query.type ?? 'child', request.query.limit ?? 50, request.query.cursor),
      ),
  )

  route.post(
    '/v1/reform/unplaced/:type/:id/claim',
    {
      config: { permission: 'registry:write' },
      schema: {
        operationId: 'claimUnplaced',
        tags: ['units'],
        summary: 'Take one unplaced record into one of your wards (a successor of the ward it is filed at)',
        params: ClaimParams,
        body: ClaimBody,
        response: {
          200: ref(ClaimedSchema, 'Where the record went'),
          ...problemResponses(400, 401, 403, 404, 409, 422),
        },
      },
    },
    async (request) =>
      scoped(request, (work) =>
        claimRecord(work, request.params.type, request.params.id, {
          wardCode: request.body.wardCode,
          residentialGroupCode: request.body.residentialGroupCode ?? null,
        }),
      ),
  )
}
