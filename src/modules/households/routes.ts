import type { FastifyInstance } from 'fastify'
import { BackfillQuery } from '../units/schemas.js'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { conflict } from '../../platform/problem.js'
import { requiredVersion, sendWithEtag } from '../../platform/concurrency.js'
import { problemResponses, ref } from '../../platform/schemas.js'
import { scoped } from '../../platform/work.js'
import {
  CreateHouseholdBody,
  HouseholdPageSchema,
  HouseholdParams,
  HouseholdSchema,
  ListHouseholdsQuery,
  UpdateHouseholdBody,
} from './schemas.js'
import { changeHousehold, householdPage, openHousehold, readHousehold, toHousehold } from './service.js'

const externalIdTaken = () =>
  conflict('external_id_taken', 'A household with this source and externalId already exists.')

export default async function householdRoutes(app: FastifyInstance) {
  const route = app.withTypeProvider<TypeBoxTypeProvider>()

  route.post(
    '/v1/households',
    {
      config: { permission: 'registry:write', location: true, idempotent: true },
      schema: {
        operationId: 'createHousehold',
        tags: ['households'],
        summary: 'Open a household in the household child book',
        body: CreateHouseholdBody,
        querystring: BackfillQuery,
        response: { 201: ref(HouseholdSchema, 'The household'), ...problemResponses(400, 401, 403, 409, 422) },
      },
    },
    async (request, reply) => {
      const row = await scoped(request, (work) => openHousehold(work, request.body, request.query.backfill), {
        conflicts: { households_source_external_key: externalIdTaken },
      })
      reply.code(201).header('location', `/v1/households/${row.id}`)
      return sendWithEtag(reply, row.version, toHousehold(row))
    },
  )

  route.get(
    '/v1/households',
    {
      config: { permission: 'registry:read' },
      schema: {
        operationId: 'listHouseholds',
        tags: ['households'],
        summary: 'List households in your units',
        querystring: ListHouseholdsQuery,
        response: {
          200: ref(HouseholdPageSchema, 'A page of households, by head of household'),
          ...problemResponses(400, 401, 403),
        },
      },
    },
    async (request) => scoped(request, (work) => householdPage(work, request.query)),
  )

  route.get(
    '/v1/households/:id',
    {
      config: { permission: 'registry:read' },
      schema: {
        operationId: 'getHousehold',
        tags: ['households'],
        summary: 'A household with its members and registered children',
        params: HouseholdParams,
        response: { 200: ref(HouseholdSchema, 'The household'), ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const { row, view } = await scoped(request, (work) => readHousehold(work, request.params.id))
      return sendWithEtag(reply, row.version, view)
    },
  )

  route.patch(
    '/v1/households/:id',
    {
      config: { permission: 'registry:write' },
      schema: {
        operationId: 'updateHousehold',
        tags: ['households'],
        summary: 'Change a household (If-Match required); `members` replaces the list',
        params: HouseholdParams,
        body: UpdateHouseholdBody,
        response: {
          200: ref(HouseholdSchema, 'The changed household'),
          ...problemResponses(400, 401, 403, 404, 412, 422, 428),
        },
      },
    },
    async (request, reply) => {
      const expectedVersion = requiredVersion(request)
      const updated = await scoped(
        request,
        (work) => changeHousehold(work, request.params.id, request.body, expectedVersion),
        {
          conflicts: { households_source_external_key: externalIdTaken },
        },
      )
      return sendWithEtag(reply, updated.version, toHousehold(updated))
    },
  )
}
