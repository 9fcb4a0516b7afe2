import type { FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { audit } from '../../platform/audit.js'
import { requiredVersion, sendWithEtag, staleVersion } from '../../platform/concurrency.js'
import { decodeCursor, toPage } from '../../platform/pagination.js'
import { conflict, notFound, unprocessable, type FieldError } from '../../platform/problem.js'
import { problemResponses, ref } from '../../platform/schemas.js'
import { getUnit, getUnitRow, insertUnit, listUnits, toUnit, updateUnit } from './repository.js'
import { CreateUnitBody, ListUnitsQuery, UnitPageSchema, UnitParams, UnitSchema, UpdateUnitBody } from './schemas.js'

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
    async (request) => {
      const { limit = 50, cursor, level, parent, asOf } = request.query
      const after = decodeCursor(cursor, ['text'])?.[0]
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
      config: { permission: 'reference:read' },
      schema: {
        operationId: 'getUnit',
        tags: ['units'],
        summary: 'Get one administrative unit with its predecessor and successor links',
        params: UnitParams,
        response: { 200: ref(UnitSchema, 'The unit'), ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const [unit, row] = await Promise.all([
        getUnit(app.database.db, request.params.code),
        getUnitRow(app.database.db, request.params.code),
      ])
      if (!unit || !row) throw notFound('Unit', request.params.code)
      return sendWithEtag(reply, row.version, unit)
    },
  )

  route.post(
    '/v1/units',
    {
      config: { permission: 'units:manage', idempotent: true },
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
      const body = request.body
      const parent = await getUnitRow(app.database.db, body.parentCode)
      const problems: FieldError[] = []
      if (!parent || parent.level !== 'ward') {
        problems.push({
          location: 'body',
          pointer: '/parentCode',
          message: 'must be the code of a ward',
          code: 'invalid_parent',
        })
      } else if (body.validFrom < parent.validFrom || (parent.validTo !== null && body.validFrom > parent.validTo)) {
        problems.push({
          location: 'body',
          pointer: '/validFrom',
          message: 'must fall within the ward’s validity',
          code: 'outside_parent_validity',
        })
      }
      if (body.validTo !== undefined && body.validTo < body.validFrom) {
        problems.push({
          location: 'body',
          pointer: '/validTo',
          message: 'must not be before validFrom',
          code: 'invalid_range',
        })
      }
      if (problems.length > 0 || !parent) throw unprocessable('invalid_unit', 'The unit cannot be added.', problems)
      if (await getUnitRow(app.database.db, body.code))
        throw conflict('unit_exists', `A unit with code ${body.code} already exists.`)
      const now = app.clock.now()
      const row = await app.database.db.transaction(async (tx) => {
        const created = await insertUnit(tx, {
          code: body.code,
          officialCode: body.officialCode ?? null,
          nameVi: body.nameVi,
          nameEn: body.nameEn ?? null,
          level: 'residential_group',
          parentCode: parent.code,
          provinceCode: parent.provinceCode,
          category: null,
          validFrom: body.validFrom,
          validTo: body.validTo ?? null,
          confirmed: true,
          source: 'admin',
          createdAt: now,
          updatedAt: now,
        })
        await audit(tx, request, {
          action: 'unit.create',
          resourceType: 'unit',
          resourceId: created.code,
          unitCode: parent.code,
          outcome: 'success',
        })
        return created
      })
      app.accounts.principals.invalidateUnits()
      reply.code(201).header('location', `/v1/units/${row.code}`)
      return sendWithEtag(reply, row.version, toUnit(row))
    },
  )

  route.patch(
    '/v1/units/:code',
    {
      config: { permission: 'units:manage' },
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
      const current = await getUnitRow(app.database.db, request.params.code)
      if (!current) throw notFound('Unit', request.params.code)
      const body = request.body
      if (body.validTo && body.validTo < current.validFrom) {
        throw unprocessable('invalid_unit', 'validTo is before the unit’s validFrom.', [
          { location: 'body', pointer: '/validTo', message: 'must not be before validFrom', code: 'invalid_range' },
        ])
      }
      const row = await app.database.db.transaction(async (tx) => {
        const updated = await updateUnit(tx, current.code, expectedVersion, body, app.clock.now())
        if (updated) {
          await audit(tx, request, {
            action: 'unit.update',
            resourceType: 'unit',
            resourceId: current.code,
            unitCode: current.code,
            outcome: 'success',
            details: { fields: Object.keys(body).sort() },
          })
        }
        return updated
      })
      if (!row) throw staleVersion(current.version)
      app.accounts.principals.invalidateUnits()
      return sendWithEtag(reply, row.version, toUnit(row))
    },
  )
}
