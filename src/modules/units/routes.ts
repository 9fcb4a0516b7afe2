import type { FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { optionalVersion, requiredVersion, sendWithEtag } from '../../platform/concurrency.js'
import { problemResponses, ref } from '../../platform/schemas.js'
import { localDateOf } from '../calendar/rules.js'
import { setUnitCategory, unitCategoryHistory } from './categories.js'
import { putUnitGroup, readUnitGroup, removeUnitGroup, unitGroupList } from './groups.js'
import { toUnit } from './repository.js'
import {
  CreateUnitBody,
  ListUnitsQuery,
  PutUnitGroupBody,
  SetUnitCategoryBody,
  UnitCategoryEntrySchema,
  UnitCategoryHistorySchema,
  UnitGroupListSchema,
  UnitGroupParams,
  UnitGroupSchema,
  UnitPageSchema,
  UnitParams,
  UnitSchema,
  UpdateUnitBody,
} from './schemas.js'
import { addResidentialGroup, correctUnit, readUnit, unitPage } from './service.js'

export default async function unitsRoutes(app: FastifyInstance) {
  const route = app.withTypeProvider<TypeBoxTypeProvider>()

  route.get(
    '/v1/units',
    {
      config: { permission: 'reference:read' },
      schema: {
        operationId: 'listUnits',
        tags: ['units'],
        summary: 'List administrative units',
        description:
          'Province, district, wards and residential groups. `asOf` keeps only units valid on that date: ' +
          '2024-06-01 gives the 14 wards of Hoàng Mai district, 2025-08-01 the 7 wards that succeeded them.',
        querystring: ListUnitsQuery,
        response: { 200: ref(UnitPageSchema, 'A page of units, in code order'), ...problemResponses(400, 401, 403) },
      },
    },
    async (request) => unitPage(app.database.db, request.query, localDateOf(app.clock.now())),
  )

  route.get(
    '/v1/units/:code',
    {
      config: { permission: 'reference:read', etag: true },
      schema: {
        operationId: 'getUnit',
        tags: ['units'],
        summary: 'Get one administrative unit with its predecessor and successor links',
        params: UnitParams,
        response: { 200: ref(UnitSchema, 'The unit'), ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const { unit, version } = await readUnit(app.database.db, request.params.code, localDateOf(app.clock.now()))
      return sendWithEtag(reply, version, unit)
    },
  )

  route.post(
    '/v1/units',
    {
      config: { permission: 'units:manage', etag: true, location: true, idempotent: true },
      schema: {
        operationId: 'createUnit',
        tags: ['units'],
        summary: 'Add a residential group (tổ dân phố) under a ward',
        description: 'Collaborators are assigned to residential groups; their jurisdiction is the groups they hold.',
        body: CreateUnitBody,
        response: { 201: ref(UnitSchema, 'The new unit'), ...problemResponses(400, 401, 403, 409, 422) },
      },
    },
    async (request, reply) => {
      const row = await addResidentialGroup(request, request.body)
      reply.code(201).header('location', `/v1/units/${row.code}`)
      return sendWithEtag(reply, row.version, toUnit(row))
    },
  )

  route.patch(
    '/v1/units/:code',
    {
      config: { permission: 'units:manage', etag: true },
      schema: {
        operationId: 'updateUnit',
        tags: ['units'],
        summary: 'Correct a unit (names, official code, end of validity); the unit is then kept from reference updates',
        params: UnitParams,
        body: UpdateUnitBody,
        response: {
          200: ref(UnitSchema, 'The corrected unit'),
          ...problemResponses(400, 401, 403, 404, 412, 422, 428),
        },
      },
    },
    async (request, reply) => {
      const expectedVersion = requiredVersion(request)
      const row = await correctUnit(request, request.params.code, request.body, expectedVersion)
      return sendWithEtag(reply, row.version, toUnit(row))
    },
  )

  route.get(
    '/v1/units/:code/categories',
    {
      config: { permission: 'reference:read' },
      schema: {
        operationId: 'listUnitCategories',
        tags: ['units'],
        summary: 'A ward’s categories and recognising units over time',
        description:
          'Each entry holds from `validFrom` to `validTo`. The category in force on an assessment’s date decides ' +
          'the Decision 06 threshold; the recognising unit is the one that decides on its recognition.',
        params: UnitParams,
        response: {
          200: ref(UnitCategoryHistorySchema, 'The history, oldest first'),
          ...problemResponses(400, 401, 403, 404),
        },
      },
    },
    async (request) => unitCategoryHistory(app.database.db, request.params.code),
  )

  route.post(
    '/v1/units/:code/categories',
    {
      config: { permission: 'units:manage', location: true, idempotent: true },
      schema: {
        operationId: 'setUnitCategory',
        tags: ['units'],
        summary: 'Give a ward a category (urban ward, township, commune…) and its recognising unit from a date',
        description:
          'Adds an entry to the ward’s history; an entry on the same date is replaced (200). Assessments dated ' +
          'from `validFrom` on are judged against the threshold of the new category; earlier ones keep theirs. ' +
          '422 `invalid_unit_category` for an unknown category, a unit that is not a ward, a date outside the ' +
          'ward’s validity or a recognising unit that is not a district or province above the ward. Audited.',
        params: UnitParams,
        body: SetUnitCategoryBody,
        response: {
          200: ref(UnitCategoryEntrySchema, 'The entry, replacing the one of the same date'),
          201: ref(UnitCategoryEntrySchema, 'The new entry'),
          ...problemResponses(400, 401, 403, 404, 409, 422),
        },
      },
    },
    async (request, reply) => {
      const { entry, replaced } = await setUnitCategory(request, request.params.code, request.body)
      reply.code(replaced ? 200 : 201).header('location', `/v1/units/${entry.unitCode}/categories`)
      return entry
    },
  )

  route.get(
    '/v1/unit-groups',
    {
      config: { permission: 'reference:read' },
      schema: {
        operationId: 'listUnitGroups',
        tags: ['units'],
        summary: 'Named groups of wards for consolidation',
        description:
          'Groups an administrator defined, e.g. the wards of former Hoàng Mai district, now directly under the city. ' +
          'Figures (`unit=` of /v1/indicators/values) and consolidated reports can be asked for a group by its code.',
        response: { 200: ref(UnitGroupListSchema, 'Every group, in code order'), ...problemResponses(401, 403) },
      },
    },
    async () => unitGroupList(app.database.db),
  )

  route.get(
    '/v1/unit-groups/:code',
    {
      config: { permission: 'reference:read' },
      schema: {
        operationId: 'getUnitGroup',
        tags: ['units'],
        summary: 'A named group of wards (ETag)',
        params: UnitGroupParams,
        response: { 200: ref(UnitGroupSchema, 'The group'), ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const group = await readUnitGroup(app.database.db, request.params.code)
      return sendWithEtag(reply, group.version, group)
    },
  )

  route.put(
    '/v1/unit-groups/:code',
    {
      config: { permission: 'units:manage', ifMatch: 'to-replace' },
      schema: {
        operationId: 'putUnitGroup',
        tags: ['units'],
        summary: 'Define or correct a named group of wards (If-Match required to correct)',
        description:
          'Creating a group takes no If-Match; correcting one requires the ETag of its version. The code must not be ' +
          'a unit’s, each member must be a ward named once (422 `invalid_unit_group`), and the caller’s jurisdiction ' +
          'must cover every ward of the group before and after (403 `unit_out_of_scope`). Audited.',
        params: UnitGroupParams,
        body: PutUnitGroupBody,
        response: {
          200: ref(UnitGroupSchema, 'The group as stored'),
          ...problemResponses(400, 401, 403, 412, 422, 428),
        },
      },
    },
    async (request, reply) => {
      const group = await putUnitGroup(request, request.params.code, request.body, optionalVersion(request))
      return sendWithEtag(reply, group.version, group)
    },
  )

  route.delete(
    '/v1/unit-groups/:code',
    {
      config: { permission: 'units:manage' },
      schema: {
        operationId: 'deleteUnitGroup',
        tags: ['units'],
        summary: 'Delete a named group of wards (If-Match required)',
        description: 'A group that reports were made for is kept for them (409 `unit_group_has_reports`). Audited.',
        params: UnitGroupParams,
        response: {
          204: { description: 'Deleted', type: 'null' },
          ...problemResponses(400, 401, 403, 404, 409, 412, 428),
        },
      },
    },
    async (request, reply) => {
      await removeUnitGroup(request, request.params.code, requiredVersion(request))
      return reply.code(204).send(null)
    },
  )
}
