import type { FastifyInstance } from 'fastify'
import { BackfillQuery } from '../units/schemas.js'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { requiredVersion, sendWithEtag } from '../../platform/concurrency.js'
import { problemResponses, ref } from '../../platform/schemas.js'
import { scoped } from '../../platform/work.js'
import {
  changeChild,
  changeConflicts,
  childPage,
  deleteChild,
  readChild,
  registerChild,
  registrationOpening,
  registrationConflicts,
  replayedRegistration,
} from './record-service.js'
import {
  ChildPageSchema,
  ChildParams,
  ChildSchema,
  CreateChildBody,
  DeleteChildQuery,
  ListChildrenQuery,
  UpdateChildBody,
} from './schemas.js'

/** The child's record: register, list and search, read, change, delete. */
export default async function childRoutes(app: FastifyInstance) {
  const route = app.withTypeProvider<TypeBoxTypeProvider>()

  route.post(
    '/v1/children',
    {
      config: {
        location: true,
        permission: 'registry:write',
        // A retry whose first answer was lost still learns what the first one said: its warnings and the
        // likely duplicates (found again, the child itself aside).
        idempotent: {
          replayBody: (resource, request) => scoped(request, (work) => replayedRegistration(work, resource)),
        },
      },
      schema: {
        operationId: 'createChild',
        tags: ['children'],
        summary: 'Register a child',
        description:
          'A personal ID number that already belongs to a child answers 409 (with `existingId` when that child is in your units). ' +
          'A likely duplicate (same folded name and date of birth, or a very similar name in the same household) is created, ' +
          'with `possibleDuplicates`. An ID number that does not match the birth year or sex gives a warning, not a rejection. ' +
          'Accepts Idempotency-Key.',
        body: CreateChildBody,
        querystring: BackfillQuery,
        response: {
          201: ref(ChildSchema, 'The registered child, with warnings and possible duplicates'),
          ...problemResponses(400, 401, 403, 409, 422),
        },
      },
    },
    async (request, reply) => {
      const child = await scoped(request, (work) => registerChild(work, request.body, request.query.backfill), {
        conflicts: registrationConflicts,
        openWith: registrationOpening(request.body),
      })
      reply.code(201).header('location', `/v1/children/${child.id}`)
      return sendWithEtag(reply, child.version, child)
    },
  )

  route.get(
    '/v1/children',
    {
      config: { permission: 'registry:read' },
      schema: {
        operationId: 'listChildren',
        tags: ['children'],
        summary: 'List and search children in your units',
        description:
          '`q` searches names by syllable, ignoring Vietnamese diacritics and order ("Nguyen Van An" and "an nguyen" find ' +
          '"Nguyễn Văn An"), correcting a mistyped or unfinished syllable to syllables in use; results come exact first, then ' +
          'every syllable with the last as given name, every syllable elsewhere, corrected, each by name (`match` says which), ' +
          'and merely similar names only when none of these finds anyone. Without `q`, by name. `unit` includes every unit below it. Filtering by a sensitive ' +
          'group (d, đ, e, g, i, l, m, n) needs registry:sensitive. Every call is audited (filters named, not their values).',
        querystring: ListChildrenQuery,
        response: { 200: ref(ChildPageSchema, 'A page of children'), ...problemResponses(400, 401, 403) },
      },
    },
    async (request) => scoped(request, (work) => childPage(work, request.query)),
  )

  route.get(
    '/v1/children/:id',
    {
      config: { permission: 'registry:read' },
      schema: {
        operationId: 'getChild',
        tags: ['children'],
        summary: 'A child’s record: circumstances, care, health insurance',
        description:
          'A child outside your units answers 404, exactly like a missing one. Every read is audited, 404s included.',
        params: ChildParams,
        response: {
          200: ref(ChildSchema, 'The child; ETag carries its version'),
          ...problemResponses(400, 401, 403, 404),
        },
      },
    },
    async (request, reply) => {
      // Not through `scoped`: one audited statement, no transaction (see readChild).
      const child = await readChild(request, request.params.id)
      return sendWithEtag(reply, child.version, child)
    },
  )

  route.patch(
    '/v1/children/:id',
    {
      config: { permission: 'registry:write' },
      schema: {
        operationId: 'updateChild',
        tags: ['children'],
        summary: 'Change a child’s record (If-Match required); every changed field is kept in the history',
        params: ChildParams,
        body: UpdateChildBody,
        response: {
          200: ref(ChildSchema, 'The changed child, with warnings'),
          ...problemResponses(400, 401, 403, 404, 409, 412, 422, 428),
        },
      },
    },
    async (request, reply) => {
      const expectedVersion = requiredVersion(request)
      const child = await scoped(
        request,
        (work) => changeChild(work, request.params.id, request.body, expectedVersion),
        { conflicts: changeConflicts },
      )
      return sendWithEtag(reply, child.version, child)
    },
  )

  route.delete(
    '/v1/children/:id',
    {
      config: { permission: 'registry:write' },
      schema: {
        operationId: 'deleteChild',
        tags: ['children'],
        summary: 'Delete a child’s record (soft delete with a reason; If-Match required)',
        description:
          'The record disappears from lists and reads and is kept, with the reason, until the retention purge ' +
          '(see docs/operations.md). Its history and audit trail stay.',
        params: ChildParams,
        querystring: DeleteChildQuery,
        response: { 204: { description: 'Deleted', type: 'null' }, ...problemResponses(400, 401, 403, 404, 412, 428) },
      },
    },
    async (request, reply) => {
      const expectedVersion = requiredVersion(request)
      await scoped(request, (work) => deleteChild(work, request.params.id, request.query.reason, expectedVersion))
      return reply.code(204).send(null)
    },
  )
}
