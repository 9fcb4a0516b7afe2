import type { FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { decodeCursor, toPage } from '../../platform/pagination.js'
import { notFound } from '../../platform/problem.js'
import { problemResponses, ref } from '../../platform/schemas.js'
import { getUnit, listUnits } from './repository.js'
import { ListUnitsQuery, UnitPageSchema, UnitParams, UnitSchema } from './schemas.js'

export default async function unitsRoutes(app: FastifyInstance) {
  const route = app.withTypeProvider<TypeBoxTypeProvider>()

  route.get(
    '/v1/units',
    {
      schema: {
        operationId: 'listUnits',
        tags: ['units'],
        summary: 'List administrative units',
        description:
          'Province, district, wards and residential groups. `asOf` keeps only units valid on that date: ' +
          '2024-06-01 gives the 14 wards of Hoàng Mai district, 2025-08-01 the 7 wards that succeeded them.',
        querystring: ListUnitsQuery,
        response: { 200: ref(UnitPageSchema, 'A page of units, in code order'), ...problemResponses(400) },
      },
    },
    async (request) => {
      const { limit = 50, cursor, level, parent, asOf } = request.query
      const after = decodeCursor(cursor, 1)?.[0]
      const rows = await listUnits(app.database.db, {
        level,
        parent,
        asOf,
        after: after === undefined ? undefined : String(after),
        limit: limit + 1,
      })
      return toPage(rows, limit, (unit) => [unit.code])
    },
  )

  route.get(
    '/v1/units/:code',
    {
      schema: {
        operationId: 'getUnit',
        tags: ['units'],
        summary: 'Get one administrative unit with its predecessor and successor links',
        params: UnitParams,
        response: { 200: ref(UnitSchema, 'The unit'), ...problemResponses(400, 404) },
      },
    },
    async (request) => {
      const unit = await getUnit(app.database.db, request.params.code)
      if (!unit) throw notFound('Unit', request.params.code)
      return unit
    },
  )
}
