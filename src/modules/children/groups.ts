import type { FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { problemResponses, ref } from '../../platform/schemas.js'
import { listCircumstanceGroups, listEthnicities } from './repository.js'
import { CircumstanceGroupListSchema, EthnicityListSchema } from './schemas.js'

/** Registry catalogues: the 14 special-circumstance groups and the 54 ethnic groups. */
export default async function catalogueRoutes(app: FastifyInstance) {
  const route = app.withTypeProvider<TypeBoxTypeProvider>()
  route.get(
    '/v1/circumstance-groups',
    {
      config: { permission: 'reference:read' },
      schema: {
        operationId: 'listCircumstanceGroups',
        tags: ['reference'],
        summary: 'The 14 groups of children in special circumstances',
        response: {
          200: ref(CircumstanceGroupListSchema, 'All 14 groups, in legal order'),
          ...problemResponses(401, 403),
        },
      },
    },
    async () => ({ items: await listCircumstanceGroups(app.database.db), nextCursor: null }),
  )
  route.get(
    '/v1/ethnicities',
    {
      config: { permission: 'reference:read' },
      schema: {
        operationId: 'listEthnicities',
        tags: ['reference'],
        summary: 'The 54 ethnic groups with their statistics office codes',
        response: { 200: ref(EthnicityListSchema, 'All 54, by code'), ...problemResponses(401, 403) },
      },
    },
    async () => ({ items: await listEthnicities(app.database.db), nextCursor: null }),
  )
}
