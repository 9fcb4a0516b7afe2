import { asc } from 'drizzle-orm'
import type { FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import Type from 'typebox'
import type { Executor } from '../../db/client.js'
import type { CircumstanceGroupsData } from '../../reference/index.js'
import { problemResponses, ref } from '../../platform/schemas.js'
import { circumstanceGroups } from './tables.js'

export const CircumstanceGroupSchema = Type.Object(
  {
    code: Type.String({ description: 'a, b, c, d, đ, e, g, h, i, k, l, m, n, o (Child Law Art. 10)' }),
    asciiCode: Type.String({ description: 'the code in ASCII (dd for đ), for systems that cannot carry đ' }),
    nameVi: Type.String(),
    nameEn: Type.String(),
    sensitive: Type.Boolean({ description: 'membership is sensitive personal data (health, abuse, law violation)' }),
    sortOrder: Type.Integer(),
  },
  { $id: 'CircumstanceGroup', additionalProperties: false },
)

export const CircumstanceGroupListSchema = Type.Object(
  { items: Type.Array(Type.Ref('CircumstanceGroup')), nextCursor: Type.Null() },
  { $id: 'CircumstanceGroupList', additionalProperties: false },
)

export const groupSchemas = [CircumstanceGroupSchema, CircumstanceGroupListSchema]

export async function listCircumstanceGroups(db: Executor) {
  return db.select().from(circumstanceGroups).orderBy(asc(circumstanceGroups.sortOrder))
}

export async function applyCircumstanceGroupsReference(tx: Executor, data: CircumstanceGroupsData): Promise<void> {
  for (const group of data.groups) {
    const { code: _code, ...changes } = group
    await tx.insert(circumstanceGroups).values(group).onConflictDoUpdate({ target: circumstanceGroups.code, set: changes })
  }
}

export async function circumstanceGroupRoutes(app: FastifyInstance) {
  app.withTypeProvider<TypeBoxTypeProvider>().get(
    '/v1/circumstance-groups',
    {
      config: { permission: 'reference:read' },
      schema: {
        operationId: 'listCircumstanceGroups',
        tags: ['reference'],
        summary: 'The 14 groups of children in special circumstances',
        response: { 200: ref(CircumstanceGroupListSchema, 'All 14 groups, in legal order'), ...problemResponses(401, 403) },
      },
    },
    async () => ({ items: await listCircumstanceGroups(app.database.db), nextCursor: null }),
  )
}
