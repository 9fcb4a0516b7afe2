import { randomUUID } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { Static } from 'typebox'
import { audit } from '../../platform/audit.js'
import { requiredVersion, sendWithEtag, staleVersion } from '../../platform/concurrency.js'
import { decodeCursor, encodeCursor } from '../../platform/pagination.js'
import { conflict, notFound, unprocessable, type FieldError } from '../../platform/problem.js'
import { problemResponses, ref } from '../../platform/schemas.js'
import { inScope } from '../../platform/scope.js'
import { foldName } from '../children/rules.js'
import { isUniqueViolation } from '../../db/errors.js'
import { addressProblems, provinceOfUnit, unitFilterScope } from '../units/tree.js'
import {
  getHouseholdRow,
  householdChildren,
  insertHousehold,
  listHouseholds,
  updateHousehold,
  type HouseholdRow,
} from './repository.js'
import {
  CreateHouseholdBody,
  HouseholdPageSchema,
  HouseholdParams,
  HouseholdSchema,
  ListHouseholdsQuery,
  UpdateHouseholdBody,
} from './schemas.js'
import type { HouseholdMember } from './tables.js'

type MemberInput = NonNullable<Static<typeof CreateHouseholdBody>['members']>[number]

function toMembers(input: MemberInput[]): HouseholdMember[] {
  return input.map((member) => ({
    id: member.id ?? randomUUID(),
    fullName: member.fullName.trim(),
    birthYear: member.birthYear ?? null,
    sex: member.sex ?? 'unknown',
    relationship: member.relationship,
  }))
}

function toHousehold(row: HouseholdRow) {
  return {
    id: row.id,
    headName: row.headName,
    address: {
      provinceCode: row.provinceCode,
      wardCode: row.wardCode,
      residentialGroupCode: row.residentialGroupCode,
      streetAddress: row.streetAddress,
    },
    poverty: { status: row.povertyStatus, from: row.povertyFrom, to: row.povertyTo },
    members: row.members,
    version: row.version,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  }
}

function povertyProblems(
  poverty: { status: string; from?: string | null; to?: string | null } | undefined,
): FieldError[] {
  if (poverty?.from && poverty.to && poverty.to < poverty.from) {
    return [{ location: 'body', pointer: '/poverty/to', message: 'must not be before from', code: 'invalid_range' }]
  }
  return []
}

export default async function householdRoutes(app: FastifyInstance) {
  const route = app.withTypeProvider<TypeBoxTypeProvider>()

  route.post(
    '/v1/households',
    {
      config: { permission: 'registry:write', idempotent: true },
      schema: {
        operationId: 'createHousehold',
        tags: ['households'],
        summary: 'Open a household in the household child book',
        body: CreateHouseholdBody,
        response: { 201: ref(HouseholdSchema, 'The household'), ...problemResponses(400, 401, 403, 409, 422) },
      },
    },
    async (request, reply) => {
      const principal = request.principal!
      const body = request.body
      const problems = [
        ...addressProblems(await app.accounts.principals.unitTree(), principal.scope, body.address),
        ...povertyProblems(body.poverty),
      ]
      if (problems.length > 0) throw unprocessable('invalid_record', 'The household cannot be opened.', problems)
      const now = app.clock.now()
      const row = await inScope(app.database.db, principal.scope, async (tx) => {
        const created = await insertHousehold(tx, {
          provinceCode: provinceOfUnit(await app.accounts.principals.unitTree(), body.address.wardCode),
          wardCode: body.address.wardCode,
          residentialGroupCode: body.address.residentialGroupCode ?? null,
          streetAddress: body.address.streetAddress ?? null,
          headName: body.headName.trim().replace(/\s+/g, ' '),
          povertyStatus: body.poverty?.status ?? 'none',
          povertyFrom: body.poverty?.from ?? null,
          povertyTo: body.poverty?.to ?? null,
          members: toMembers(body.members ?? []),
          source: body.source ?? null,
          externalId: body.externalId ?? null,
          createdAt: now,
          updatedAt: now,
          createdBy: principal.id,
          updatedBy: principal.id,
        })
        await audit(tx, request, {
          action: 'household.create',
          resourceType: 'household',
          resourceId: created.id,
          unitCode: created.wardCode,
          outcome: 'success',
        })
        return created
      }).catch((error: unknown) => {
        if (isUniqueViolation(error, 'households_source_external_key')) {
          throw conflict('external_id_taken', 'A household with this source and externalId already exists.')
        }
        throw error
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
    async (request) => {
      const principal = request.principal!
      const { limit = 50, cursor, unit, poverty, q, residentialGroup } = request.query
      const after = decodeCursor(cursor, ['text', 'uuid']) as [string, string] | undefined
      const unitScope = unitFilterScope(await app.accounts.principals.unitTree(), unit)
      const rows = await inScope(app.database.db, principal.scope, async (tx) => {
        const found = await listHouseholds(tx, principal.scope, {
          unitScope,
          residentialGroup,
          povertyStatus: poverty,
          q: q === undefined ? undefined : foldName(q),
          after,
          limit: limit + 1,
        })
        await audit(tx, request, {
          action: q ? 'household.search' : 'household.list',
          resourceType: 'household',
          outcome: 'success',
          details: {
            filters: Object.keys(request.query)
              .filter((key) => key !== 'cursor' && key !== 'limit')
              .sort(),
            count: Math.min(found.length, limit),
          },
        })
        return found
      })
      const items = rows.slice(0, limit)
      const last = items[items.length - 1]
      return {
        items: items.map(toHousehold),
        nextCursor: rows.length > limit && last ? encodeCursor([last.headNameFolded ?? '', last.id]) : null,
      }
    },
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
      const principal = request.principal!
      const { id } = request.params
      const found = await inScope(app.database.db, principal.scope, async (tx) => {
        const row = await getHouseholdRow(tx, principal.scope, id)
        await audit(tx, request, {
          action: 'household.read',
          resourceType: 'household',
          resourceId: id,
          unitCode: row?.wardCode ?? null,
          outcome: row ? 'success' : 'not_found',
        })
        return row ? { row, children: await householdChildren(tx, principal.scope, id) } : undefined
      })
      if (!found) throw notFound('Household', id)
      return sendWithEtag(reply, found.row.version, { ...toHousehold(found.row), children: found.children })
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
      const principal = request.principal!
      const { id } = request.params
      const body = request.body
      const problems = [
        ...(body.address
          ? addressProblems(await app.accounts.principals.unitTree(), principal.scope, body.address)
          : []),
        ...povertyProblems(body.poverty),
      ]
      if (problems.length > 0) throw unprocessable('invalid_record', 'The change cannot be saved.', problems)
      const now = app.clock.now()
      const outcome = await inScope(app.database.db, principal.scope, async (tx) => {
        const current = await getHouseholdRow(tx, principal.scope, id)
        if (!current) return { missing: true as const }
        const updated = await updateHousehold(tx, principal.scope, id, expectedVersion, {
          ...(body.headName !== undefined ? { headName: body.headName.trim().replace(/\s+/g, ' ') } : {}),
          ...(body.address
            ? {
                provinceCode: provinceOfUnit(await app.accounts.principals.unitTree(), body.address.wardCode),
                wardCode: body.address.wardCode,
                residentialGroupCode: body.address.residentialGroupCode ?? null,
                streetAddress: body.address.streetAddress ?? null,
              }
            : {}),
          ...(body.poverty
            ? {
                povertyStatus: body.poverty.status,
                povertyFrom: body.poverty.from ?? null,
                povertyTo: body.poverty.to ?? null,
              }
            : {}),
          ...(body.members ? { members: toMembers(body.members) } : {}),
          updatedAt: now,
          updatedBy: principal.id,
        })
        if (!updated) return { stale: current.version }
        await audit(tx, request, {
          action: 'household.update',
          resourceType: 'household',
          resourceId: id,
          unitCode: updated.wardCode,
          outcome: 'success',
          details: { fields: Object.keys(body).sort() },
        })
        return { updated }
      })
      if ('missing' in outcome) throw notFound('Household', id)
      if (outcome.stale !== undefined) throw staleVersion(outcome.stale)
      return sendWithEtag(reply, outcome.updated.version, toHousehold(outcome.updated))
    },
  )
}
